// Kernels for linear models: dense dot products and the links scikit-learn applies to them.
// Plain loops over contiguous row-major float64; no allocation beyond the output.
#pragma once

#include <cstddef>
#include <vector>

namespace skbridge::kernels {

/// scores[r, j] = sum_f x[r, f] * w[j, f] + b[j], for r < rows, j < k. x is rows x cols, w is k x cols.
std::vector<double> LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k,
                                 const double* b);

/// scikit-learn's _predict_proba_lr: sigmoid of each score; k == 1 gives [1 - p, p]; k > 1 is
/// normalised by the row sum.
std::vector<double> OvrProba(const std::vector<double>& scores, std::size_t rows, std::size_t k);

/// sklearn.utils.extmath.softmax over each row; k == 1 means the binary decision d -> softmax(-d, d).
std::vector<double> SoftmaxProba(const std::vector<double>& scores, std::size_t rows, std::size_t k);

/// scipy.special.expit
double Expit(double x);

}  // namespace skbridge::kernels
