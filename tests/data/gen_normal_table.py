# Generates the coefficient table of lib/normal.c: the Mills ratio
#   R(a) = (1 - N(a)) / phi(a) = sqrt(pi/2) erfcx(a / sqrt 2),  a >= 0,
# as piecewise polynomials; with the argument "a", the table of lib/normblack.c for
#   A(a) = 1 - a R(a)  (a(z) = 1 + z Y(z) = A(-z) there, about 1/a^2 for large a)
# on octaves k = 0..4 (truncation error below 3e-17 relative).
# Row i covers an interval of a + 1 in [2^k, 2^(k+1)),
# k = 0..5, cut into 16 equal parts (so the row is read off the exponent and the top
# four mantissa bits of a + 1); row = { centre c, R's coefficients in (a - c)^0..9,
# the constant term as a double-double (high, low) }:
# the Chebyshev interpolant truncated to degree 9, as monomials (the converter of
# gen_normblack_tables.py). Its truncation error is printed to stderr (below 2e-18
# relative on every row).
# Needs mpmath (Debian: python3-mpmath). Usage:
#   python3 tests/data/gen_normal_table.py > table
#   python3 tests/data/gen_normal_table.py a > table
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpmath as mp
from gen_normblack_tables import cheb_to_mono

DEG, PER = 9, 16

def R(a):
    a = mp.mpf(a)
    return mp.sqrt(mp.pi / 2) * mp.erfc(a / mp.sqrt(2)) * mp.exp(a * a / 2)

def A(a):
    a = mp.mpf(a)
    return 1 - a * R(a)

if len(sys.argv) > 1 and sys.argv[1] == "a":
    f, OCTAVES, decl = A, 5, "static const double mills_a_rows[%d][%d] = {"
else:
    f, OCTAVES, decl = R, 6, "const double mgn__mills_rows[%d][%d] = {"
worst = 0
print(decl % (OCTAVES * PER, DEG + 3))
for k in range(OCTAVES):
    w = mp.mpf(2 ** k) / PER
    for j in range(PER):
        c = float(2 ** k + j * w - 1 + w / 2)  # exact: a multiple of 2^-5
        mono = cheb_to_mono(f, mp.mpf(c), w / 2, DEG)
        for i in range(41):
            t = w / 2 * (-1 + mp.mpf(i) / 20)
            p = mp.fsum(mono[m] * t ** m for m in range(DEG + 1))
            worst = max(worst, abs(p / f(c + t) - 1))
        hi = float(mono[0])
        lo = float(mono[0] - mp.mpf(hi))
        print("    {" + ", ".join(repr(v) for v in [c, hi, lo] + [float(m) for m in mono[1:]]) + "},")
print("};")
print("truncation error below %s" % mp.nstr(worst, 3), file=sys.stderr)
