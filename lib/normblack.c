/*
 * Normalised Black function and the scaled normal ratio it is built on.
 *
 *   b(x, s, theta) = theta [ e^{x/2} N(theta (x/s + s/2)) - e^{-x/2} N(theta (x/s - s/2)) ]
 *
 * with x = ln(F/K), s = sigma sqrt(T) (Jaeckel, "Let's Be Rational", Wilmott 2015,
 * eq. (2.2); the undiscounted Black price is sqrt(F K) b).  Method, after Jaeckel
 * (2015, secs. 2-3) with h = x/s, t = s/2:
 *
 *   - in-the-money options go through put-call parity, b = iota + b(-|x|, s, call),
 *     iota = 2 sinh(|x|/2) from expm1, so only out-of-the-money calls (x <= 0) are
 *     evaluated and nothing cancels against the intrinsic value;
 *   - with Y(z) = N(z)/phi(z) and the identity e^{+-ht} phi(h +- t) = phi(h) e^{-t^2/2},
 *         b = exp(-(h^2 + t^2)/2) / sqrt(2 pi) * [ Y(h+t) - Y(h-t) ],
 *     where exp(-(h^2+t^2)/2)/sqrt(2 pi) is the normalised vega b_s.  The exponent is
 *     formed in double-double, so b keeps full relative accuracy although
 *     d ln b / d ln x ~ -h^2 (a rounding of h^2 alone would cost h^2 ulps);
 *   - the bracket D = Y(h+t) - Y(h-t) is evaluated in four regions:
 *       1. h < -10, h + t < -10 + tau: asymptotic expansion of Y (Abramowitz & Stegun
 *          26.2.12), with the difference of the two series taken analytically
 *          (no cancellation);
 *       2. t < tau = 2 eps^{1/16} ~ 0.21: Taylor series of Y(h+t) - Y(h-t) in t to
 *          order t^15 (Jaeckel 2015, sec. 3.4, one order further), written with
 *          a = 1 + h Y(h) = Y'(h); a has its own approximation for h < -1 because
 *          1 + h Y(h) loses h^2 ulps to cancellation;
 *       3. h + t > 0.85: b = e^{x/2} [1 - phi(h+t) (Y(-h-t) + Y(h-t))], the first
 *          normal term dominates (Jaeckel 2015, sec. 3: "b > 85% of b_max");
 *       4. otherwise the difference Y(h+t) - Y(h-t); where h + t <= -1 with the
 *          leading 1/|z| of Y differenced exactly, Y(z) = (1 - a(z))/|z|.
 *
 * Y itself (for z <= 1) is a piecewise polynomial, in the manner of S. G. Johnson's
 * Faddeeva package (erfcx via piecewise Chebyshev polynomials, MIT, 2012): for z <= 0
 * the Mills ratio table of lib/normal.h (Y(z) = R(-z); 96 rows of degree 9 read off
 * the bits of 1 - z, no branch), for z in (0, 1] two intervals of width 1/2, degree
 * 13, beyond z = -63 the asymptotic series with 13 terms.  The coefficients were
 * computed with mpmath at 50 digits (Chebyshev interpolation at 48 nodes, truncated,
 * converted to monomials in z - centre; the constant term is kept as a double-double);
 * approximation error below 3e-17 relative, evaluated error below one ulp (measured
 * max 0.6 eps).  a(z) = 1 + z Y(z) is tabulated the same way on [-16, -1] (degree 13).
 * tests/data/gen_normblack_tables.py and gen_normal_table.py regenerate the tables.
 *
 * Accuracy of mgn__normalised_black against a 113-bit reference
 * (tests/test_normblack.c): relative error below 2e-15 (measured max 1.7e-15, 8 eps)
 * wherever b > 1e-290, x in [-50, 50], s in [1e-8, 60]; most points within 2 ulp.
 * Cost: no allocation, no state, two table polynomials and one exp in most regions.
 */
#include <float.h>
#include "normblack.h"
#include "normal.h"

#define LN_SQRT_2PI_HI 0.9189385332046728       /* ln sqrt(2 pi), nearest double */
#define LN_SQRT_2PI_LO (-3.8782941580672416e-17) /* ln sqrt(2 pi) - LN_SQRT_2PI_HI */
#define SQRT_2_OVER_PI 0.79788456080286535588  /* sqrt(2/pi) */
#define NB_SQRT2 1.41421356237309504880         /* sqrt(2) */
#define NB_TAU 0.21022410381342863              /* 2 DBL_EPSILON^(1/16) (Jaeckel 2015) */
#define NB_ETA (-10.0)                          /* asymptotic-expansion threshold */

/* ---------------------------------------------------------------- tables */
/* Y(z) on [0, 1]: row i covers z in [0.5 - 0.5 i, 1 - 0.5 i], centre c = 0.75 - 0.5 i;
   row = { c0 (hi), c0 (lo), c1, ..., c13 }, Y(z) ~ sum_k c_k (z - c)^k. */
static const double mills_near[2][15] = {
    {2.5681717549665746, -2.1466811734112624e-17, 2.926128816224931, 2.3813841835676079, 1.5707223179668635, 0.88985648051794142, 0.44762293567388811, 0.20426227968251079, 0.085831377695878383, 0.033579508459047377, 0.012335121124495446, 0.0042823376589995561, 0.0014131588606955147, 0.00045388037603440125, 0.00013699443122409697},
    {1.5483726215476581, 9.3081839085866235e-17, 1.3870931553869146, 0.94757295519718976, 0.54132879806206824, 0.27072628867912518, 0.12180207404680223, 0.050196134440729151, 0.019193015346262471, 0.006874302698768364, 0.0023235114278628679, 0.00074542032498151718, 0.0002281419461903405, 6.8008671348914683e-05, 1.9154947661797047e-05},
};
/* a(z) = 1 + z Y(z) = Y'(z) on [-4, -1]: row i covers [-1.5 - 0.5 i, -1 - 0.5 i], centre
   -1.25 - 0.5 i. */
static const double mills_a_near[6][15] = {
    {0.27696206744046115, 8.2374316064389926e-18, 0.23222776174705465, 0.13181971634855194, 0.061188999061630611, 0.024818343242772066, 0.0090926639547244253, 0.0030693636566123902, 0.00096734333876899892, 0.00028733318853119616, 8.1010557283427099e-05, 2.1798115336070596e-05, 5.623441954905428e-06, 1.4130351649848153e-06, 3.3853646188469985e-07},
    {0.18746287593097621, -1.5812537353191538e-18, 0.13624689516023381, 0.068246842665771634, 0.028312789358416763, 0.010362102210952661, 0.0034514615657728715, 0.0010657441519060227, 0.0003088075561654882, 8.4697523873630964e-05, 2.2131987310755052e-05, 5.5374512487202119e-06, 1.3321239616696951e-06, 3.1247606614152166e-07, 7.015274132739039e-08},
    {0.13341634570352209, 3.3775712950686368e-18, 0.084961512965509911, 0.03783464361732345, 0.014104773769762362, 0.0046776126269504181, 0.0014212677603134003, 0.00040254711521526079, 0.00010748781583999962, 2.7275785159752995e-05, 6.617032028696838e-06, 1.5417491055880432e-06, 3.4631853537195808e-07, 7.5939801013680174e-08, 1.5993029367602074e-08},
    {0.098884634600981847, 4.4041436467389366e-18, 0.055745569537851966, 0.022234476486435402, 0.0074911813230268643, 0.0022613050025643042, 0.0006290775793464763, 0.0001639337766323022, 4.0443708109729712e-05, 9.516586898495916e-06, 2.1476178555130606e-06, 4.667892297361833e-07, 9.8057714077772605e-08, 2.0131455444185844e-08, 3.982095237869605e-09},
    {0.075758023067397998, -2.8489095069345241e-18, 0.038168571779449441, 0.013734093925792652, 0.004205684136782681, 0.001160912947461658, 0.0002968276183456279, 7.1400962885034104e-05, 1.63208226679918e-05, 3.5698035023034566e-06, 7.5100721700718317e-07, 1.5256382282007687e-07, 3.0023204125850761e-08, 5.780808404773608e-09, 1.0754980820952524e-09},
    {0.059645832085131148, 2.1556203160967841e-18, 0.027089241124723214, 0.0088535049762751249, 0.0024777393420177011, 0.00062828769228345652, 0.00014821906629184332, 3.3020622023351181e-05, 7.0135587734828066e-06, 1.4296260854407164e-06, 2.8101733837370246e-07, 5.3464834347763699e-08, 9.8745453895077514e-09, 1.786358275043376e-09, 3.1306553792294123e-10},
};
/* a(z) on [-16, -4]: row j covers [-5 - j, -4 - j], centre -4.5 - j. */
static const double mills_a_far[12][15] = {
    {0.043432388010856943, 1.3782606619089218e-18, 0.017124834393175543, 0.0049015106262119482, 0.001210151257269799, 0.00027241671097712162, 5.7362774440039296e-05, 1.1461261325456362e-05, 2.192508662233519e-06, 4.0403738070019495e-07, 7.2045213905864202e-08, 1.2470015350996135e-08, 2.101567921289587e-09, 3.5335133872769851e-10, 5.6814316593008229e-11},
    {0.030223578335935124, -1.2475373755113226e-18, 0.010093304909459528, 0.0024669898349214195, 0.00052383775737382141, 0.00010205302858498657, 1.8701107900223572e-05, 3.2679234706951378e-06, 5.4919715671817713e-07, 8.9273215520911651e-08, 1.4093830965375901e-08, 2.1673417559562863e-09, 3.255147118104566e-10, 4.8702289645740109e-11, 7.0175323871870806e-12},
    {0.022159573214250952, -1.2026851245798326e-20, 0.0063997628436378955, 0.0013603439724277921, 0.00025246948155873046, 4.3185083276352354e-05, 6.9767621304638288e-06, 1.078857679992833e-06, 1.6099727058942463e-07, 2.3312250317681875e-08, 3.2880397880107297e-09, 4.529833309372259e-10, 6.1101777486043805e-11, 8.2023686140199152e-12, 1.0662882656140627e-12},
    {0.016904831466311773, 1.2843537083841517e-18, 0.0042931198071534593, 0.00080563218948629983, 0.00013247942986098, 2.0145132172766619e-05, 2.9021592061022932e-06, 4.0132742682519632e-07, 5.3699529293057951e-08, 6.9891819807403715e-09, 8.8812397622410598e-10, 1.1047606389593961e-10, 1.348230009286579e-11, 1.6364258965572428e-12, 1.9317841634322232e-13},
    {0.013302461219150533, -4.696255778851922e-19, 0.0030111430232027674, 0.00050510337053877102, 7.4445295074865769e-05, 1.0171538145501385e-05, 1.3197089213656261e-06, 1.6471999047966507e-07, 1.9934355570861493e-08, 2.351174638138068e-09, 2.7124086132162875e-10, 3.0685598356264769e-11, 3.4113226930374802e-12, 3.7701793673513967e-13, 4.0664935295863395e-14},
    {0.010730974993816613, -5.2920292900220549e-19, 0.0021893191383404319, 0.00033170908669956112, 4.4247461288272416e-05, 5.4819750068735666e-06, 6.4611280900869832e-07, 7.3383053773354987e-08, 8.094180897845255e-09, 8.7145362863355022e-10, 9.1904950855869564e-11, 9.5181922034372827e-12, 9.6995833554865598e-13, 9.8237235399108353e-14, 9.736619544630362e-15},
    {0.0088340194201439529, 2.6531930738317864e-19, 0.0016395561437128777, 0.00022634966565134577, 2.7554242076728581e-05, 3.1200030990361091e-06, 3.3655401120641671e-07, 3.5031100194940388e-08, 3.5456849069278643e-09, 3.5073145668027902e-10, 3.4023929421349463e-11, 3.244965340918772e-12, 3.0485093162037263e-13, 2.845780782686208e-14, 2.6054623974719681e-15},
    {0.0073960739541823872, -2.7171554333641367e-19, 0.0012585344004519086, 0.00015950115158391284, 1.7846119154288377e-05, 1.8594579593918737e-06, 1.8477648197081481e-07, 1.7736668100691626e-08, 1.6572684482489343e-09, 1.5148633760629316e-10, 1.3592684789494687e-11, 1.2002084479755172e-12, 1.0448291853316331e-13, 9.0366617117241124e-15, 7.6793189217277674e-16},
    {0.006280885486034846, 9.452391822605819e-20, 0.0009864605856816362, 0.00011550682552461954, 1.1951853154903335e-05, 1.1527340658002655e-06, 1.0612812422517948e-07, 9.4465543575096712e-09, 8.1917363705003122e-10, 6.9548958453303261e-11, 5.8009304774404569e-12, 4.7649316941452747e-13, 3.8616409340447742e-14, 3.1089679428244538e-15, 2.4629525795016027e-16},
    {0.0053990351702339961, -2.8507784495468604e-19, 0.00078717074478668622, 8.5632642923863815e-05, 8.2384792359559675e-06, 7.3934688660321366e-07, 6.3383215160318381e-08, 5.2571432098984904e-09, 4.2509300281070384e-10, 3.3676016632672873e-11, 2.6226009133425003e-12, 2.012665215818607e-13, 1.5248712283267727e-14, 1.1476010685421842e-15, 8.5089922379974093e-17},
    {0.0046899394160973655, 1.828388655631914e-19, 0.00063795161030562059, 6.479024138161639e-05, 5.8229718083310436e-06, 4.8847432200543243e-07, 3.9167418267008029e-08, 3.0402702558074229e-09, 2.3020037173623981e-10, 1.708614859681262e-11, 1.2473628055208167e-12, 8.9784238354009678e-14, 6.3834188737955247e-15, 4.5079399140146035e-16, 3.1396349361606831e-17},
    {0.0041114072082612599, -1.581084426687881e-19, 0.00052406522625619942, 4.9901704775713967e-05, 4.2071384535775574e-06, 3.3124008429161966e-07, 2.4940352090369042e-08, 1.8187739582003424e-09, 1.2944015522864669e-10, 9.0345504567477775e-12, 6.2051591320833522e-13, 4.2039034845469129e-14, 2.8144126538824017e-15, 1.8714391745436107e-16, 1.2283351547315754e-17},
};

/* ---------------------------------------------------------------- helpers */

/* c[0] + c[1] + sum_{k=1}^{13} c[k+1] tau^k: the high-order part by Estrin's scheme
   (short dependency chains), the last two steps by Horner so that the rounding of the
   partial sums stays far below the constant term. */
static inline double poly13(const double *c, double tau)
{
    const double t2 = tau * tau, t4 = t2 * t2, t8 = t4 * t4;
    const double e0 = c[3] + c[4] * tau, e1 = c[5] + c[6] * tau, e2 = c[7] + c[8] * tau;
    const double e3 = c[9] + c[10] * tau, e4 = c[11] + c[12] * tau, e5 = c[13] + c[14] * tau;
    const double f0 = e0 + e1 * t2, f1 = e2 + e3 * t2, f2 = e4 + e5 * t2;
    const double g = (f0 + f1 * t4) + f2 * t8;
    return c[0] + (c[1] + tau * (c[2] + tau * g));
}

/* Asymptotic series of Y (Abramowitz & Stegun 26.2.12): for z <= -16, w = 1/z^2,
     Y(z) = F(w) / |z|,  F(w) = sum_k (-1)^k (2k-1)!! w^k = 1 + w g(w);
   13 terms leave a truncation error below 4e-18. Returns g. */
static inline double mills_asym_g(double w)
{
    const double w2 = w * w, w4 = w2 * w2, w8 = w4 * w4;
    const double e0 = -1.0 + 3.0 * w, e1 = -15.0 + 105.0 * w, e2 = -945.0 + 10395.0 * w;
    const double e3 = -135135.0 + 2027025.0 * w, e4 = -34459425.0 + 654729075.0 * w;
    const double e5 = -13749310575.0 + 316234143225.0 * w;
    return ((e0 + e1 * w2) + (e2 + e3 * w2) * w4) + (e4 + e5 * w2) * w8;
}

/* Exact sum a + b = *s + *e (Knuth's TwoSum). */
static inline void two_sum(double a, double b, double *s, double *e)
{
    const double x = a + b, bv = x - a, av = x - bv;
    *s = x;
    *e = (a - av) + (b - bv);
}

/* ---------------------------------------------------------------- Y = N / phi */

double mgn__norm_ratio(double z)
{
    if (z > 1.0) /* Y(z) = 1/phi(z) - Y(-z); overflows to +inf beyond z ~ 37.7 */
        return MGN_SQRT_2PI * exp(0.5 * z * z) - mgn__norm_ratio(-z);
    if (z > 0.0) {
        /* (1 - z) 2 rounds to 2 for the smallest z: that is row 1's edge */
        const int i0 = (int)((1.0 - z) * 2.0), i = i0 < 1 ? i0 : 1;
        return poly13(mills_near[i], z - (0.75 - 0.5 * i));
    }
    if (z > -MGN_MILLS_MAX)      /* z = -0 too (a NaN goes to the series and stays NaN) */
        return mgn__mills(-z);   /* lib/normal.h: Y(z) = R(-z) */
    {
        const double w = 1.0 / (z * z);
        return (1.0 + w * mills_asym_g(w)) / -z; /* also z = -inf (-> 0) */
    }
}

/* a(z) = 1 + z Y(z) = Y'(z) for z <= 0 with full relative accuracy: a ~ 1/z^2, so
   1 + z Y would lose z^2 ulps. */
static double mills_a(double z)
{
    if (z > -1.0)
        return 1.0 + z * mgn__norm_ratio(z); /* |z Y| / a < 2 here */
    if (z > -4.0) {
        const int i = (int)((-1.0 - z) * 2.0);
        return poly13(mills_a_near[i], z - (-1.25 - 0.5 * i));
    }
    if (z > -16.0) {
        const int j = (int)(-4.0 - z);
        return poly13(mills_a_far[j], z - (-4.5 - j));
    }
    {
        const double w = 1.0 / (z * z); /* a = 1 - F(w) = -w g(w) */
        return -w * mills_asym_g(w);
    }
}

/* ---------------------------------------------------------------- D = b / b_s */

/* Region 1 (h < -10, z1 = h + t < -10 + tau): both Y(z1) and Y(z2 = h - t) from the
   asymptotic series, Y(z) = F(1/z^2)/|z|.  With w_i = 1/z_i^2, r = z1 z2,
     D = F(w1)/|z1| - F(w2)/|z2| = (2t/r) [ F(w2) + c1 G ],   c1 = 2 |h| / (r |z1|),
     G = (F(w1) - F(w2)) / (w1 - w2) = sum_k (-1)^k (2k-1)!! H_{k-1}(w1, w2),
   H_j = sum_i w1^i w2^(j-i) (complete homogeneous polynomial, no cancellation), so
   the small difference is never formed by subtraction.  G ~ -1 and c1 <= 2/z1^2 <=
   0.021, so F + c1 G does not cancel.  The series is summed until its terms are
   below 2^-56 (at most 27 terms, at the region boundary). */
static double d_asymptotic(double h, double t)
{
    const double z1 = h + t, z2 = h - t, ir = 1.0 / (z1 * z2);
    const double u1 = z2 * ir, u2 = z1 * ir;          /* 1/z1, 1/z2 */
    const double w1 = u1 * u1, w2 = u2 * u2;
    const double c1 = 2.0 * (h * u2) * w1;
    double F = 1.0, G = 0.0, H = 1.0, wp = 1.0, c = 1.0, sg = -1.0;
    for (int k = 1; k <= 40; ++k) {
        const double tg = c * H;
        wp *= w2;
        G += sg * tg;
        F += sg * (c * wp);
        if (c1 * tg + c * wp < 0x1p-56)
            break;
        H = w1 * H + wp;
        c *= (double)(2 * k + 1);
        sg = -sg;
    }
    return (2.0 * t * ir) * (F + c1 * G);
}

/* Region 2 (t < tau): D = 2 sum_k Y^(2k+1)(h) t^(2k+1) / (2k+1)!, with the odd
   derivatives written in a = Y'(h) and h^2 only (from Y' = 1 + h Y and
   Y^(n+1) = h Y^(n) + n Y^(n-1)):  Y^(2k+1) = B_k(h^2) a - A_k(h^2).  Terms to
   t^15; the first omitted one is below 5e-19 relative for t < tau, h <= 0
   (Jaeckel 2015, sec. 3.4, stops at t^13, which leaves 1.6e-16). */
static double d_small_t(double h, double t)
{
    const double a = mills_a(h), q = h * h, w = t * t;
    const double p1 = ((3.0 + q) * a - 1.0) * (1.0 / 6.0);
    const double p2 = ((15.0 + q * (10.0 + q)) * a - (7.0 + q)) * (1.0 / 120.0);
    const double p3 = ((105.0 + q * (105.0 + q * (21.0 + q))) * a
                       - (57.0 + q * (18.0 + q))) * (1.0 / 5040.0);
    const double p4 = ((945.0 + q * (1260.0 + q * (378.0 + q * (36.0 + q)))) * a
                       - (561.0 + q * (285.0 + q * (33.0 + q)))) * (1.0 / 362880.0);
    const double p5 = ((10395.0 + q * (17325.0 + q * (6930.0 + q * (990.0 + q * (55.0 + q))))) * a
                       - (6555.0 + q * (4680.0 + q * (840.0 + q * (52.0 + q))))) * (1.0 / 39916800.0);
    const double p6 = ((135135.0 + q * (270270.0 + q * (135135.0 + q * (25740.0 + q * (2145.0
                       + q * (78.0 + q)))))) * a
                       - (89055.0 + q * (82845.0 + q * (20370.0 + q * (1926.0 + q * (75.0 + q))))))
                      * (1.0 / 6227020800.0);
    const double p7 = ((2027025.0 + q * (4729725.0 + q * (2837835.0 + q * (675675.0 + q * (75075.0
                       + q * (4095.0 + q * (105.0 + q))))))) * a
                       - (1381905.0 + q * (1595790.0 + q * (501795.0 + q * (64260.0 + q * (3795.0
                       + q * (102.0 + q))))))) * (1.0 / 1307674368000.0);
    return 2.0 * t * (a + w * (p1 + w * (p2 + w * (p3 + w * (p4 + w * (p5 + w * (p6 + w * p7)))))));
}

/* Region 4 and the plain difference D = Y(z1) - Y(z2), z1 = h + t > z2 = h - t.
   For z1 <= -1 the leading 1/|z| behaviour of Y is differenced exactly: with
   Y(z) = (1 - a(z))/|z|,
       D = 2t/(z1 z2) - [ a(z1)/|z1| - a(z2)/|z2| ],
   where the bracket is O(z^-2) of the first term, so the errors of a are amplified
   by at most 1/(2 t |z1|) instead of the |h|/(2t) of the direct difference. */
static double d_difference(double h, double t)
{
    const double z1 = h + t, z2 = h - t;
    if (z1 <= -1.0) /* one division: D = (2t - [a1 |z2| - a2 |z1|]) / (z1 z2) */
        return (2.0 * t - (mills_a(z1) * -z2 - mills_a(z2) * -z1)) / (z1 * z2);
    return mgn__norm_ratio(z1) - mgn__norm_ratio(z2);
}

/* D(h, t) for h <= 0 < t (in region 3 this involves Y(h+t) = 1/phi(h+t) - Y(-h-t) and
   is only meant for the implied-volatility iteration, where s stays bounded). */
double mgn__nb_ratio(double h, double t)
{
    if (h < NB_ETA && h + t < NB_ETA + NB_TAU)
        return d_asymptotic(h, t);
    if (t < NB_TAU)
        return d_small_t(h, t);
    return d_difference(h, t);
}

/* exp(-(h^2 + t^2)/2) / sqrt(2 pi) with h = x/s, t = s/2, the exponent in
   double-double (h's rounding error recovered exactly), so the result keeps full
   relative accuracy for any exponent down to underflow. */
static double vega_exact(double x, double s, double h, double t)
{
    double p, pe, hh, hhe, tt, tte, e, se, E, Ee;
    if (!(0.5 * (h * h + t * t) < 746.0))
        return 0.5 * (h * h + t * t) > 0.0 ? 0.0 : h + t; /* underflow (or NaN) */
    mgn__two_prod(h, s, &p, &pe);
    const double hl = ((x - p) - pe) / s; /* x/s = h + hl to about 2^-106 */
    mgn__two_prod(h, h, &hh, &hhe);
    mgn__two_prod(t, t, &tt, &tte);
    two_sum(hh, tt, &e, &se);
    two_sum(0.5 * e, LN_SQRT_2PI_HI, &E, &Ee);
    const double El = Ee + 0.5 * (se + hhe + tte + 2.0 * h * hl) + LN_SQRT_2PI_LO;
    return exp(-E) * (1.0 - El); /* |El| < 2^-40: exp(-El) = 1 - El to 2^-80 */
}

/* ---------------------------------------------------------------- public (internal) */

double mgn__nb_call(double x, double s)
{
    const double h = x / s, t = 0.5 * s;
    if (h + t > 0.85) { /* region 3 */
        const double z = h + t;
        const double phi = MGN_INV_SQRT_2PI * exp(-0.5 * z * z);
        return exp(0.5 * x) * (1.0 - phi * (mgn__norm_ratio(-z) + mgn__norm_ratio(h - t)));
    }
    if (h < -40.0) /* b < exp(-h^2/2) D < 1e-347: underflows */
        return 0.0;
    return mgn__nb_ratio(h, t) * vega_exact(x, s, h, t);
}

double mgn__nb_call_vega(double x, double s, double *vega)
{
    const double h = x / s, t = 0.5 * s;
    if (h + t > 0.85) { /* region 3; the vega needs only relative accuracy ~ h^2 eps */
        const double z = h + t;
        const double phi = MGN_INV_SQRT_2PI * exp(-0.5 * z * z);
        *vega = MGN_INV_SQRT_2PI * exp(-0.5 * (h * h + t * t));
        return exp(0.5 * x) * (1.0 - phi * (mgn__norm_ratio(-z) + mgn__norm_ratio(h - t)));
    }
    if (h < -40.0) {
        *vega = 0.0;
        return 0.0;
    }
    *vega = vega_exact(x, s, h, t);
    return mgn__nb_ratio(h, t) * *vega;
}

double mgn__normalised_vega(double x, double s)
{
    if (!(s > 0.0))
        return s == 0.0 ? 0.0 : NAN;
    return vega_exact(x, s, x / s, 0.5 * s);
}

double mgn__normalised_intrinsic(double x, int theta)
{
    if (theta > 0 ? !(x > 0.0) : !(x < 0.0))
        return x == x ? 0.0 : x;
    {
        const double e = expm1(0.5 * fabs(x)); /* 2 sinh(y) = e + e/(e+1), e = expm1(y) */
        return e + e / (e + 1.0);
    }
}

double mgn__erfcx(double u)
{
    return SQRT_2_OVER_PI * mgn__norm_ratio(-NB_SQRT2 * u);
}

double mgn__normalised_black(double x, double s, int theta)
{
    const double iota = mgn__normalised_intrinsic(x, theta);
    if (!(s > 0.0))
        return s == 0.0 ? iota : NAN;
    return iota + mgn__nb_call(-fabs(x), s);
}
