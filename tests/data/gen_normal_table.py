# Generates the coefficient table of lib/normal.c: the Mills ratio
#   R(a) = (1 - N(a)) / phi(a) = sqrt(pi/2) erfcx(a / sqrt 2),  a >= 0,
# as piecewise polynomials. Row i covers an interval of a + 1 in [2^k, 2^(k+1)),
# k = 0..5, cut into 16 equal parts (so the row is read off the exponent and the top
# four mantissa bits of a + 1); row = { centre c, R's coefficients in (a - c)^0..9,
# the constant term as a double-double (high, low) }:
# the Chebyshev interpolant truncated to degree 9, as monomials (the converter of
# gen_normblack_tables.py). Its truncation error is printed to stderr (below 2e-18
# relative on every row).
# Needs mpmath (Debian: python3-mpmath). Usage:
#   python3 tests/data/gen_normal_table.py > table
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpmath as mp
from gen_normblack_tables import cheb_to_mono

DEG, PER, OCTAVES = 9, 16, 6

def R(a):
    a = mp.mpf(a)
    return mp.sqrt(mp.pi / 2) * mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2)

worst = 0
print("const double mgn__mills_rows[%d][%d] = {" % (OCTAVES * PER, DEG + 3))
for k in range(OCTAVES):
    w = mp.mpf(2 ** k) / PER
    for j in range(PER):
        c = float(2 ** k + j * w - 1 + w / 2)  # exact: a multiple of 2^-5
        mono = cheb_to_mono(R, mp.mpf(c), w / 2, DEG)
        for i in range(41):
            t = w / 2 * (-1 + mp.mpf(i) / 20)
            p = mp.fsum(mono[m] * t ** m for m in range(DEG + 1))
            worst = max(worst, abs(p / R(c + t) - 1))
        hi = float(mono[0])
        lo = float(mono[0] - mp.mpf(hi))
        print("    {" + ", ".join(repr(v) for v in [c, hi, lo] + [float(m) for m in mono[1:]]) + "},")
print("};")
print("truncation error below %s" % mp.nstr(worst, 3), file=sys.stderr)
