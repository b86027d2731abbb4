# Generates the coefficient table mills_near of lib/normblack.c (Y = N/phi on [0, 1] as
# piecewise Chebyshev interpolants, emitted as monomials around each centre; its
# tables for z <= 0 come from gen_normal_table.py, which imports cheb_to_mono).
# Needs mpmath (Debian: python3-mpmath). Usage:
#   python3 tests/data/gen_normblack_tables.py > table
import mpmath as mp, struct, sys
mp.mp.dps = 50
def Y(z):
    z = mp.mpf(z)
    return mp.sqrt(mp.pi/2)*mp.erfc(-z/mp.sqrt(2))*mp.exp(z*z/2)
def cheb_to_mono(f, c, hw, deg, N=48):
    # Chebyshev interpolation coefficients of f(c + hw*xi) on xi in [-1,1]
    pts = [mp.cos(mp.pi*(k+mp.mpf(1)/2)/N) for k in range(N)]
    vals = [f(c + hw*p) for p in pts]
    cc = []
    for j in range(deg+1):
        s = mp.fsum(vals[k]*mp.cos(mp.pi*j*(k+mp.mpf(1)/2)/N) for k in range(N))
        cc.append(2*s/N)
    cc[0] /= 2
    # convert sum cc_j T_j(xi) to monomials in xi
    T = [[mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]]
    for j in range(2, deg+1):
        a = [mp.mpf(0)] + [2*x for x in T[j-1]]
        b = T[j-2] + [mp.mpf(0)]*(len(a)-len(T[j-2]))
        T.append([a[i]-b[i] for i in range(len(a))])
    mono = [mp.mpf(0)]*(deg+1)
    for j in range(deg+1):
        for i, t in enumerate(T[j]):
            mono[i] += cc[j]*t
    # in tau = z - c: xi = tau/hw
    return [mono[i]/hw**i for i in range(deg+1)]

def table(f, centers, hw, deg):
    rows = []
    worst = 0
    for c in centers:
        m = cheb_to_mono(f, mp.mpf(c), mp.mpf(hw), deg)
        # check approximation error (exact arithmetic with double-rounded coefficients, c0 as dd)
        c0 = m[0]; c0hi = float(c0); c0lo = float(c0 - mp.mpf(c0hi))
        md = [float(x) for x in m]
        for k in range(41):
            tau = mp.mpf(hw)*(-1 + mp.mpf(2*k)/40)
            p = mp.mpf(c0hi) + mp.mpf(c0lo) + sum(mp.mpf(md[i])*tau**i for i in range(1, deg+1))
            e = abs(p/f(c+tau) - 1)
            worst = max(worst, e)
        rows.append((c0hi, c0lo, md[1:]))
    return rows, worst

def emit(name, rows, deg):
    out = []
    out.append('static const double %s[%d][%d] = {' % (name, len(rows), deg+2))
    for (hi, lo, rest) in rows:
        vals = [hi, lo] + rest
        out.append('    {' + ', '.join('%.17g' % v for v in vals) + '},')
    out.append('};')
    return '\n'.join(out)

def main_y():
    deg = 13
    # Y on [0, 1], width 0.5 (z <= 0: gen_normal_table.py)
    cA = [mp.mpf(1) - mp.mpf('0.25') - mp.mpf('0.5')*i for i in range(2)]
    rA, wA = table(Y, cA, '0.25', deg)
    sys.stderr.write('worst rel approx error: Y[0,1] %s\n' % mp.nstr(wA,3))
    print(emit('mills_near', rA, deg))

if __name__ == '__main__':
    main_y()
