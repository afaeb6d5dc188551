#include "kernels/selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "kernels/numpy_sum.h"

namespace skbridge::kernels {

double NpSum(const double* a, std::size_t n) { return NumpySum(a, n); }

double NpMean(const double* a, std::size_t n) { return NpSum(a, n) / static_cast<double>(n); }

double NpMedian(std::vector<double> a) {
  const std::size_t n = a.size();
  if (n == 0) return std::nan("");
  for (double v : a) {
    if (std::isnan(v)) return std::nan("");
  }
  std::sort(a.begin(), a.end());
  if (n % 2 == 1) return a[n / 2];
  // np.mean of the two middle values: their sum, divided by 2.
  return (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

double NpPercentile(std::vector<double> a, double q, bool lerp) {
  const std::size_t n = a.size();
  std::sort(a.begin(), a.end());
  const double quantile = q / 100.0;
  const double virtual_index = static_cast<double>(n - 1) * quantile;
  if (lerp) {
    std::size_t prev, next;
    double gamma;
    if (virtual_index >= static_cast<double>(n - 1)) {
      prev = next = n - 1;
      gamma = virtual_index + 1.0;  // numpy marks the bound with index -1; gamma is irrelevant then
    } else {
      double f = std::floor(virtual_index);
      prev = static_cast<std::size_t>(f);
      next = prev + 1;
      gamma = virtual_index - f;
    }
    const double x = a[prev], y = a[next];
    const double diff = y - x;
    return gamma >= 0.5 ? y - diff * (1.0 - gamma) : x + diff * gamma;
  }
  double f = std::floor(virtual_index);
  std::size_t below = static_cast<std::size_t>(f);
  std::size_t above = std::min(below + 1, n - 1);
  const double w_above = virtual_index - f;
  const double w_below = 1.0 - w_above;
  return a[below] * w_below + a[above] * w_above;
}

std::vector<std::size_t> StableArgsort(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t i, std::size_t j) {
    const double a = v[i], b = v[j];
    return a < b || (!std::isnan(a) && std::isnan(b));
  });
  return idx;
}

double LegacyRandomState::NextDouble() {
  const std::uint32_t a = NextUint32() >> 5, b = NextUint32() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

std::int64_t LegacyRandomState::RandInt(std::uint64_t n) {
  if (n == 0 || n > 0x100000000ULL) throw std::invalid_argument("RandInt: range must be in [1, 2^32]");
  const std::uint64_t rng = n - 1;
  if (rng == 0) return 0;  // numpy draws nothing for a one-value range
  std::uint64_t mask = rng;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint64_t val;
  while ((val = (NextUint32() & mask)) > rng) {
  }
  return static_cast<std::int64_t>(val);
}

std::int64_t LegacyRandomState::BinomialInversion(std::int64_t n, double p) {
  const double q = 1.0 - p;
  const double qn = std::exp(static_cast<double>(n) * std::log(q));
  const double np = static_cast<double>(n) * p;
  const double bound_d = std::min(static_cast<double>(n), np + 10.0 * std::sqrt(np * q + 1));
  const std::int64_t bound = static_cast<std::int64_t>(bound_d);
  std::int64_t x = 0;
  double px = qn;
  double u = NextDouble();
  while (u > px) {
    ++x;
    if (x > bound) {
      x = 0;
      px = qn;
      u = NextDouble();
    } else {
      u -= px;
      px = (static_cast<double>(n - x + 1) * p * px) / (static_cast<double>(x) * q);
    }
  }
  return x;
}

std::int64_t LegacyRandomState::Binomial(std::int64_t n, double p) {
  if (n == 0 || p == 0.0) return 0;
  if (p <= 0.5) {
    if (p * static_cast<double>(n) <= 30.0) return BinomialInversion(n, p);
  } else {
    const double q = 1.0 - p;
    if (q * static_cast<double>(n) <= 30.0) return n - BinomialInversion(n, q);
  }
  throw std::invalid_argument("Binomial: the BTPE regime (n * p > 30) is not implemented");
}

void LegacyRandomState::Multinomial(std::int64_t n, const std::vector<double>& pvals, std::int64_t* out) {
  const std::size_t d = pvals.size();
  std::fill(out, out + d, 0);
  double remaining_p = 1.0;
  std::int64_t dn = n;
  for (std::size_t j = 0; j + 1 < d; ++j) {
    out[j] = Binomial(dn, pvals[j] / remaining_p);
    dn -= out[j];
    if (dn <= 0) break;
    remaining_p -= pvals[j];
  }
  if (dn > 0 && d > 0) out[d - 1] = dn;
}

}  // namespace skbridge::kernels
