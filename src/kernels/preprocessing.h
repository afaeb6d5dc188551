// Kernels for preprocessing and imputation: the numerical pieces scikit-learn borrows from numpy
// and scipy (np.interp, scipy.special.ndtri, Box-Cox / Yeo-Johnson, scipy's B-spline evaluation,
// np.remainder) and the nan-euclidean distances KNNImputer uses. Pure functions, no allocation
// unless they return a vector; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace skbridge::kernels {

/// A scikit-learn version string ("1.2.1", "0.23.2", "1.4.dev0", "pre-0.18") as a comparable
/// number major * 10000 + minor * 100 + patch (pre-releases count as their release; unparsable and
/// "pre-0.18" give 0).
int VersionNumber(std::string_view version);
constexpr int Version(int major, int minor, int patch = 0) { return major * 10000 + minor * 100 + patch; }

/// scipy.special.ndtri (Cephes): the inverse of the standard normal CDF. ndtri(0) = -inf,
/// ndtri(1) = +inf, NaN outside [0, 1].
double Ndtri(double y);

/// numpy.interp(x, xp, fp) for one value with numpy's defaults (left = fp[0], right = fp[n-1]):
/// the same interval search, the same slope formula and the same non-finite fallbacks.
/// REQUIRES: n >= 1, xp ascending.
double NumpyInterp(double x, const double* xp, const double* fp, std::size_t n);

/// numpy.remainder (Python's float %): the result has the sign of the divisor.
double NumpyRemainder(double a, double b);

/// PowerTransformer's Yeo-Johnson transform of one value. `expm1_form`: scipy.stats.yeojohnson's
/// expm1(l * log1p(x)) / l (scikit-learn >= 1.9); otherwise scikit-learn's own
/// (pow(x + 1, l) - 1) / l.
double YeoJohnson(double x, double lmbda, bool expm1_form);
/// scipy.special.boxcox.
double BoxCox(double x, double lmbda);

/// scipy's BSpline evaluation (evaluate_spline + _deBoor_D): the interval search and de Boor's
/// recursion for the k + 1 basis functions (or their nu-th derivative) that are non-zero at x.
/// Returns the interval `ell` (t[ell] <= x < t[ell + 1], clamped to [k, n - 1]) or -1 when x is NaN
/// or, without extrapolation, outside [t[k], t[n]]. `work` needs 2 * (k + 1) doubles; on return its
/// first k + 1 entries are the values of B_{ell-k} ... B_{ell}.
std::int64_t BSplineBasis(const double* t, std::size_t len_t, int k, double x, int nu, bool extrapolate, double* work);

/// Evaluates a BSpline with coefficients c (n x m, row-major) at x into out[0..m): NaN when
/// BSplineBasis returns -1, else sum_a c[ell - k + a, j] * B_a in scipy's order.
void BSplineEval(const double* t, std::size_t len_t, int k, const double* c, std::size_t n, std::size_t m, double x,
                 int nu, bool extrapolate, double* work, double* out);

/// sklearn.metrics.pairwise.nan_euclidean_distances between the rows of a (ra x cols) and b
/// (rb x cols), NaN marking missing values, computed the way scikit-learn does (with the
/// -2 x.y + |x|^2 + |y|^2 expansion and the corrections for missing coordinates). Output ra x rb,
/// NaN where two rows share no present coordinate.
std::vector<double> NanEuclidean(const double* a, std::size_t ra, const double* b, std::size_t rb, std::size_t cols);

}  // namespace skbridge::kernels

namespace skbridge::kernels {

/// Index of the first non-finite value in v[0..n) that check_array would refuse: infinity always,
/// NaN unless allow_nan. Returns n when every value is acceptable.
std::size_t FirstRejected(const double* v, std::size_t n, bool allow_nan);
/// StandardScaler's transform: out = (x - mean) / scale per column of a rows x cols row-major
/// matrix; mean or scale nullptr skips that step. `out` may equal `x` (in place).
void StandardScale(const double* x, std::size_t rows, std::size_t cols, const double* mean, const double* scale,
                   double* out);

/// An elementwise numpy function FunctionTransformer may hold, by its numpy name ("log1p",
/// "expm1", "sqrt", "absolute" ...), or nullptr when it is not one skbridge implements.
using UnaryFunction = double (*)(double);
UnaryFunction NumpyUnaryFunction(std::string_view name);

}  // namespace skbridge::kernels

namespace skbridge::kernels {

/// numpy's argpartition of v[0..n) around kth with its scalar introselect (numpy 1.x, and numpy 2.x
/// where no SIMD selection is dispatched): fills idx with a permutation of 0..n-1 such that
/// v[idx[kth]] is in sorted position, smaller-or-equal before it, NaN last. Ties are broken exactly
/// as that algorithm breaks them. `idx` must hold n entries.
void NumpyArgPartition(const double* v, std::size_t n, std::size_t kth, std::size_t* idx);

}  // namespace skbridge::kernels

namespace skbridge::kernels {

/// numpy >= 2.0's argpartition of float64 on x86-64 with AVX-512 (x86-simd-sort's avx512_argselect,
/// emulated lane by lane): NaN-free input goes through its vectorised quickselect and bitonic
/// networks, input with NaN through libstdc++'s std::nth_element. Ties come out as they do there.
void X86SimdArgSelect(const double* v, std::size_t n, std::size_t kth, std::size_t* idx);

}  // namespace skbridge::kernels
