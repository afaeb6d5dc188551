// Kernels for feature selection and dummy estimators: the numpy reductions scikit-learn's
// selectors call at transform time (sum, mean, median, percentile, stable argsort) and numpy's
// legacy RandomState (MT19937), which DummyClassifier draws from with an integer random_state.
// Each function reproduces numpy's order of operations, so results are bit-identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace skbridge::kernels {

/// numpy's add.reduce over a contiguous float64 vector (pairwise summation, 8-way unrolled blocks).
double NpSum(const double* a, std::size_t n);
/// np.mean of a contiguous float64 vector: NpSum / n.
double NpMean(const double* a, std::size_t n);
/// np.median (NaN if any value is NaN, as numpy returns).
double NpMedian(std::vector<double> a);
/// np.percentile(a, q) with the default 'linear' method; q in [0, 100]. `lerp` selects numpy >=
/// 1.22's interpolation (a + (b - a) * g, or b - (b - a) * (1 - g) when g >= 0.5); false gives the
/// older a * (1 - g) + b * g. REQUIRES: no NaN in a, a non-empty.
double NpPercentile(std::vector<double> a, double q, bool lerp);
/// np.argsort(v, kind='mergesort'): stable ascending order, NaN last.
std::vector<std::size_t> StableArgsort(const std::vector<double>& v);

/// numpy.random.RandomState(seed) (the legacy generator): MT19937 seeded by init_genrand, with
/// the draws scikit-learn's DummyClassifier uses. One instance per call; not shared across threads.
class LegacyRandomState {
 public:
  explicit LegacyRandomState(std::uint32_t seed) : mt_(seed) {}
  std::uint32_t NextUint32() { return static_cast<std::uint32_t>(mt_()); }
  /// random_sample(): 53-bit double from two 32-bit draws.
  double NextDouble();
  /// randint(n) for 0 < n <= 2^32 (masked rejection sampling, as the legacy generator does).
  std::int64_t RandInt(std::uint64_t n);
  /// binomial(n, p) (inversion for n * min(p, 1 - p) <= 30; BTPE is not implemented and throws).
  std::int64_t Binomial(std::int64_t n, double p);
  /// One multinomial(n, pvals) draw into out (size pvals.size()).
  void Multinomial(std::int64_t n, const std::vector<double>& pvals, std::int64_t* out);

 private:
  // numpy caches the inversion constants per (n, p); recomputing them gives the same values.
  std::int64_t BinomialInversion(std::int64_t n, double p);
  std::mt19937 mt_;
};

}  // namespace skbridge::kernels
