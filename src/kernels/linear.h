// Kernels for linear models: dense dot products and the links scikit-learn applies to them.
// Plain loops over contiguous row-major float64, writing into caller-owned buffers.
//
// Arithmetic follows numpy/scikit-learn: scores are X @ W.T + b (summed in feature order; BLAS may
// differ by a few ulps), row sums use numpy's pairwise summation, softmax subtracts the row max
// before exp, as sklearn.utils.extmath.softmax does.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/numpy_sum.h"

namespace skbridge::kernels {

/// out[r * k + j] = sum_f x[r, f] * w[j, f] + b[j], for r < rows, j < k. x is rows x cols, w is
/// k x cols, out holds rows * k values.
void LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k, const double* b,
                  double* out);
/// As above, returning a new vector.
std::vector<double> LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k,
                                 const double* b);


/// scikit-learn's LinearClassifierMixin._predict_proba_lr. k == 1: out (rows x 2) = [1 - p, p] with
/// p = expit(score). k > 1: out (rows x k) = expit(score) / row sum; `guard_all_zero` (scikit-learn
/// >= 1.9) makes rows whose sum is 0 uniform instead of 0/0.
void OvrProba(const double* scores, std::size_t rows, std::size_t k, bool guard_all_zero, double* out);
std::vector<double> OvrProba(const std::vector<double>& scores, std::size_t rows, std::size_t k);

/// sklearn.utils.extmath.softmax over each row; k == 1 means a binary decision d -> softmax(-d, d)
/// (out is rows x 2), as LogisticRegression's multinomial binary workaround.
void SoftmaxProba(const double* scores, std::size_t rows, std::size_t k, double* out);
std::vector<double> SoftmaxProba(const std::vector<double>& scores, std::size_t rows, std::size_t k);

/// SGDClassifier(loss='modified_huber').predict_proba: (clip(d, -1, 1) + 1) / 2; binary (k == 1)
/// gives [1 - p, p], multiclass normalises by the row sum (rows summing to 0 become uniform).
void ModifiedHuberProba(const double* scores, std::size_t rows, std::size_t k, double* out);

/// scipy.special.expit
double Expit(double x);

}  // namespace skbridge::kernels
