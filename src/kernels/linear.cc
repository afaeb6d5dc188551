#include "kernels/linear.h"

#include <algorithm>
#include <cmath>

namespace skbridge::kernels {

double Expit(double x) { return 1.0 / (1.0 + std::exp(-x)); }

void LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k, const double* b,
                  double* out) {
  // Each score is one chain s = 0; s += x[f] * w[f] in feature order; + b. Four rows are scored
  // together so their four independent chains overlap (a single chain is bound by add latency).
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const double* x0 = x + r * cols;
    const double* x1 = x0 + cols;
    const double* x2 = x1 + cols;
    const double* x3 = x2 + cols;
    for (std::size_t j = 0; j < k; ++j) {
      const double* wj = w + j * cols;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (std::size_t f = 0; f < cols; ++f) {
        const double wf = wj[f];
        s0 += x0[f] * wf;
        s1 += x1[f] * wf;
        s2 += x2[f] * wf;
        s3 += x3[f] * wf;
      }
      out[r * k + j] = s0 + b[j];
      out[(r + 1) * k + j] = s1 + b[j];
      out[(r + 2) * k + j] = s2 + b[j];
      out[(r + 3) * k + j] = s3 + b[j];
    }
  }
  for (; r < rows; ++r) {
    const double* xr = x + r * cols;
    for (std::size_t j = 0; j < k; ++j) {
      const double* wj = w + j * cols;
      double s = 0;
      for (std::size_t f = 0; f < cols; ++f) s += xr[f] * wj[f];
      out[r * k + j] = s + b[j];
    }
  }
}

std::vector<double> LinearScores(const double* x, std::size_t rows, std::size_t cols, const double* w, std::size_t k,
                                 const double* b) {
  std::vector<double> out(rows * k);
  LinearScores(x, rows, cols, w, k, b, out.data());
  return out;
}



void OvrProba(const double* scores, std::size_t rows, std::size_t k, bool guard_all_zero, double* out) {
  if (k == 1) {
    for (std::size_t r = 0; r < rows; ++r) {
      double q = Expit(scores[r]);
      out[2 * r] = 1 - q;
      out[2 * r + 1] = q;
    }
    return;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double* p = out + r * k;
    const double* s = scores + r * k;
    for (std::size_t j = 0; j < k; ++j) p[j] = Expit(s[j]);
    double sum = NumpySum(p, k);
    if (guard_all_zero && sum == 0) {
      for (std::size_t j = 0; j < k; ++j) p[j] = 1;
      sum = static_cast<double>(k);
    }
    for (std::size_t j = 0; j < k; ++j) p[j] /= sum;
  }
}

std::vector<double> OvrProba(const std::vector<double>& scores, std::size_t rows, std::size_t k) {
  std::vector<double> p(rows * (k == 1 ? 2 : k));
  OvrProba(scores.data(), rows, k, false, p.data());
  return p;
}

void SoftmaxProba(const double* scores, std::size_t rows, std::size_t k, double* out) {
  const std::size_t width = k == 1 ? 2 : k;
  for (std::size_t r = 0; r < rows; ++r) {
    double* pr = out + r * width;
    if (k == 1) {
      pr[0] = -scores[r];
      pr[1] = scores[r];
    } else {
      std::copy(scores + r * k, scores + (r + 1) * k, pr);
    }
    double mx = pr[0];
    for (std::size_t j = 1; j < width; ++j) mx = std::max(mx, pr[j]);
    for (std::size_t j = 0; j < width; ++j) pr[j] = std::exp(pr[j] - mx);
    double sum = NumpySum(pr, width);
    for (std::size_t j = 0; j < width; ++j) pr[j] /= sum;
  }
}

std::vector<double> SoftmaxProba(const std::vector<double>& scores, std::size_t rows, std::size_t k) {
  std::vector<double> p(rows * (k == 1 ? 2 : k));
  SoftmaxProba(scores.data(), rows, k, p.data());
  return p;
}

void ModifiedHuberProba(const double* scores, std::size_t rows, std::size_t k, double* out) {
  auto half = [](double d) {
    // np.clip(d, -1, 1) keeps NaN; then (p + 1) / 2 in two steps, as scikit-learn does in place.
    double p = std::isnan(d) ? d : std::min(1.0, std::max(-1.0, d));
    p += 1.0;
    p /= 2.0;
    return p;
  };
  if (k == 1) {
    for (std::size_t r = 0; r < rows; ++r) {
      double p = half(scores[r]);
      out[2 * r] = 1.0 - p;
      out[2 * r + 1] = p;
    }
    return;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double* p = out + r * k;
    for (std::size_t j = 0; j < k; ++j) p[j] = half(scores[r * k + j]);
    double sum = NumpySum(p, k);
    if (sum == 0) {
      for (std::size_t j = 0; j < k; ++j) p[j] = 1;
      sum = static_cast<double>(k);
    }
    for (std::size_t j = 0; j < k; ++j) p[j] /= sum;
  }
}

}  // namespace skbridge::kernels
