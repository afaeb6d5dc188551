#include "kernels/linear.h"

#include <algorithm>
#include <cmath>

namespace skbridge::kernels {

double Expit(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::vector<double> LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k,
                                 const double* b) {
  std::vector<double> out(rows * k);
  for (std::size_t r = 0; r < rows; ++r) {
    const double* xr = x + r * cols;
    for (std::size_t j = 0; j < k; ++j) {
      const double* wj = w + j * cols;
      double s = 0;
      for (std::size_t f = 0; f < cols; ++f) s += xr[f] * wj[f];
      out[r * k + j] = s + b[j];
    }
  }
  return out;
}

std::vector<double> OvrProba(const std::vector<double>& scores, std::size_t rows, std::size_t k) {
  if (k == 1) {
    std::vector<double> p(rows * 2);
    for (std::size_t r = 0; r < rows; ++r) {
      double q = Expit(scores[r]);
      p[2 * r] = 1 - q;
      p[2 * r + 1] = q;
    }
    return p;
  }
  std::vector<double> p(scores.size());
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (std::size_t j = 0; j < k; ++j) sum += (p[r * k + j] = Expit(scores[r * k + j]));
    for (std::size_t j = 0; j < k; ++j) p[r * k + j] /= sum;
  }
  return p;
}

std::vector<double> SoftmaxProba(const std::vector<double>& scores, std::size_t rows, std::size_t k) {
  std::size_t width = k == 1 ? 2 : k;
  std::vector<double> p(rows * width);
  for (std::size_t r = 0; r < rows; ++r) {
    double* pr = p.data() + r * width;
    if (k == 1) {
      pr[0] = -scores[r];
      pr[1] = scores[r];
    } else {
      std::copy(scores.begin() + static_cast<std::ptrdiff_t>(r * k), scores.begin() + static_cast<std::ptrdiff_t>((r + 1) * k), pr);
    }
    double mx = *std::max_element(pr, pr + width);
    double sum = 0;
    for (std::size_t j = 0; j < width; ++j) sum += (pr[j] = std::exp(pr[j] - mx));
    for (std::size_t j = 0; j < width; ++j) pr[j] /= sum;
  }
  return p;
}

}  // namespace skbridge::kernels
