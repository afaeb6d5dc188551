#include "kernels/hgb.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "kernels/tree.h"

namespace skbridge::kernels {

HgbForest::HgbForest(std::size_t n_features, std::size_t k, std::vector<double> baseline,
                     std::vector<std::vector<std::uint32_t>> known_cat_bitsets, bool negative_categories_missing)
    : n_features_(n_features),
      k_(k),
      baseline_(std::move(baseline)),
      known_(std::move(known_cat_bitsets)),
      negative_missing_(negative_categories_missing) {}

std::string HgbForest::Add(const HgbTreeSpec& t) {
  const std::size_t n = t.value.size();
  if (n == 0) return "has no nodes";
  auto sized = [&](std::size_t s) { return s == n; };
  if (!sized(t.feature.size()) || !sized(t.threshold.size()) || !sized(t.left.size()) || !sized(t.right.size()) ||
      !sized(t.is_leaf.size()) || (!t.missing_left.empty() && !sized(t.missing_left.size())) ||
      (!t.is_categorical.empty() && !sized(t.is_categorical.size())) ||
      (!t.bitset_idx.empty() && !sized(t.bitset_idx.size()))) {
    return "node fields have different lengths";
  }
  if (nodes_.size() + n > 0xFFFFFFF0u) return "too many nodes";
  const std::size_t n_bitsets = t.raw_left_cat_bitsets.size() / 8;
  const std::uint32_t base = static_cast<std::uint32_t>(nodes_.size());
  std::vector<HgbNode> out(n);
  std::vector<HgbCatSplit> cats;
  bool any_left = false;
  for (std::size_t i = 0; i < n; ++i) {
    HgbNode& o = out[i];
    if (t.is_leaf[i]) {
      o.kind = kLeaf;
      o.threshold = t.value[i];
      o.child[0] = o.child[1] = base + static_cast<std::uint32_t>(i);
      continue;
    }
    if (t.left[i] <= static_cast<std::int64_t>(i) || t.right[i] <= static_cast<std::int64_t>(i) ||
        t.left[i] >= static_cast<std::int64_t>(n) || t.right[i] >= static_cast<std::int64_t>(n) || t.left[i] == t.right[i]) {
      return fmt::format("node {} has children {} and {}: expected two distinct indices in {}..{}", i, t.left[i], t.right[i], i + 1, n - 1);
    }
    if (t.feature[i] < 0 || t.feature[i] >= static_cast<std::int64_t>(n_features_)) {
      return fmt::format("node {} splits on feature {} of {}", i, t.feature[i], n_features_);
    }
    o.feature = static_cast<std::uint32_t>(t.feature[i]);
    o.child[0] = base + static_cast<std::uint32_t>(t.left[i]);
    o.child[1] = base + static_cast<std::uint32_t>(t.right[i]);
    o.missing_left = !t.missing_left.empty() && t.missing_left[i];
    any_left |= o.missing_left != 0;
    if (!t.is_categorical.empty() && t.is_categorical[i]) {
      if (t.bitset_idx.empty() || t.bitset_idx[i] < 0 || static_cast<std::size_t>(t.bitset_idx[i]) >= n_bitsets) {
        return fmt::format("categorical node {} has bitset index {} of {}", i, t.bitset_idx.empty() ? -1 : t.bitset_idx[i], n_bitsets);
      }
      if (o.feature >= known_.size() || known_[o.feature].size() != 8) {
        return fmt::format("categorical node {} splits on feature {}, which the bin mapper does not mark categorical", i, o.feature);
      }
      o.kind = kCategorical;
      HgbCatSplit c;
      std::copy_n(t.raw_left_cat_bitsets.begin() + static_cast<std::ptrdiff_t>(8 * t.bitset_idx[i]), 8, c.left.begin());
      std::copy_n(known_[o.feature].begin(), 8, c.known.begin());
      o.cat = static_cast<std::uint32_t>(cats_.size() + cats.size());
      cats.push_back(c);
    } else {
      o.kind = kNumeric;
      o.threshold = t.threshold[i];
    }
  }
  // Every node reached exactly once from the root (so no cycles, no shared children); depth.
  std::vector<std::uint32_t> depth(n, 0);
  std::vector<std::uint8_t> seen(n, 0);
  seen[0] = 1;
  std::uint32_t max_depth = 0;
  std::size_t reached = 1;
  // Children have larger indices than their parent (checked above), so one forward pass suffices.
  for (std::size_t i = 0; i < n; ++i) {
    if (!seen[i] || t.is_leaf[i]) continue;
    for (std::int64_t c : {t.left[i], t.right[i]}) {
      if (seen[c]) return fmt::format("node {} is the child of more than one node", c);
      seen[c] = 1;
      ++reached;
      depth[c] = depth[i] + 1;
      max_depth = std::max(max_depth, depth[c]);
    }
  }
  if (reached != n) return fmt::format("{} of {} nodes are not reachable from the root", n - reached, n);
  Tree tr;
  tr.root = base;
  tr.depth = max_depth;
  tr.out = static_cast<std::uint32_t>(trees_.size() % k_);
  if (cats.empty() && max_depth >= 1 && max_depth <= kPerfectMaxDepth) {
    const std::uint32_t d = max_depth, inner = (1u << d) - 1;
    std::vector<PerfectNode> pn(inner);
    std::vector<double> pl(std::size_t{1} << d);
    // (node, slot, level) from the root down; a leaf above the last level becomes always-right
    // splits whose every descendant slot holds the leaf.
    struct Item {
      std::size_t node;
      std::uint32_t slot, level;
    };
    std::vector<Item> stack{{0, 0, 0}};
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      if (it.level == d) {
        pl[it.slot - inner] = t.value[it.node];
        continue;
      }
      PerfectNode& o = pn[it.slot];
      std::size_t l = it.node, r = it.node;
      if (t.is_leaf[it.node]) {
        o.threshold = std::numeric_limits<double>::quiet_NaN();  // !(v <= NaN): always right
      } else {
        o.threshold = t.threshold[it.node];
        o.feature = static_cast<std::uint32_t>(t.feature[it.node]);
        o.missing_left = !t.missing_left.empty() && t.missing_left[it.node];
        l = static_cast<std::size_t>(t.left[it.node]);
        r = static_cast<std::size_t>(t.right[it.node]);
      }
      stack.push_back({l, 2 * it.slot + 1, it.level + 1});
      stack.push_back({r, 2 * it.slot + 2, it.level + 1});
    }
    tr.perfect = true;
    tr.perfect_begin = static_cast<std::uint32_t>(perfect_nodes_.size());
    tr.leaf_begin = static_cast<std::uint32_t>(perfect_leaves_.size());
    perfect_nodes_.insert(perfect_nodes_.end(), pn.begin(), pn.end());
    perfect_leaves_.insert(perfect_leaves_.end(), pl.begin(), pl.end());
  }
  nodes_.insert(nodes_.end(), out.begin(), out.end());
  cats_.insert(cats_.end(), cats.begin(), cats.end());
  trees_.push_back(tr);
  any_missing_left_ |= any_left;
  return {};
}

inline std::uint32_t HgbForest::Step(const HgbNode& n, double v) const {
  if (std::isnan(v)) return n.child[n.missing_left ? 0 : 1];
  if (n.kind == kNumeric) return n.child[v <= n.threshold ? 0 : 1];
  if (negative_missing_ && v < 0) return n.child[n.missing_left ? 0 : 1];
  const HgbCatSplit& c = cats_[n.cat];
  std::uint8_t b = CategoryByte(v);
  if (InBitset(c.left.data(), b)) return n.child[0];
  if (InBitset(c.known.data(), b)) return n.child[1];
  return n.child[n.missing_left ? 0 : 1];
}

namespace {
// One branch-free step of a numeric split (leaves point to themselves). kMissingLeft: some node of
// the forest sends NaN left, so NaN must be tested; otherwise `v <= threshold` is false for NaN,
// which sends it right as scikit-learn does.
// 1 when a numeric split sends v right (see NumericStep).
template <bool kMissingLeft>
inline unsigned GoRight(double threshold, unsigned missing_left, double v) {
  if constexpr (kMissingLeft) {
    unsigned gt = v > threshold, nle = !(v <= threshold);
    return (gt & missing_left) | (nle & (missing_left ^ 1u));
  } else {
    return !(v <= threshold);
  }
}

template <bool kMissingLeft>
inline std::uint32_t NumericStep(const HgbNode& n, double v) {
  // NaN: `v > t` and `v <= t` are both false, so missing_left nodes test `v > t`, the others
  // `!(v <= t)`. The direction indexes the children: no branch (it is unpredictable).
  if constexpr (kMissingLeft) {
    unsigned gt = v > n.threshold, nle = !(v <= n.threshold), m = n.missing_left;
    return n.child[(gt & m) | (nle & (m ^ 1u))];
  } else {
    return n.child[!(v <= n.threshold)];
  }
}
constexpr std::size_t kLanes = 8;
}  // namespace

// One row through all trees (batches of fewer than eight rows): eight trees walk in lockstep;
// their leaf values are then added in tree order through add(output, value).
template <bool kMissingLeft, class AddFn>
void HgbForest::TailRow(const double* xr, AddFn&& add) const {
  const HgbNode* nodes = nodes_.data();
  const std::size_t T = trees_.size();
  std::size_t t = 0;
  for (; t + kLanes <= T; t += kLanes) {
    std::uint32_t idx[kLanes];
    std::uint32_t depth = trees_[t].depth;
    bool perfect = true;
    for (std::size_t l = 0; l < kLanes; ++l) perfect &= trees_[t + l].perfect && trees_[t + l].depth == depth;
    if (perfect) {
      // Eight perfect trees of one depth (gradient boosting's usual case): no child loads.
      for (std::size_t l = 0; l < kLanes; ++l) idx[l] = 0;
      for (std::uint32_t d = 0; d < depth; ++d) {
        for (std::size_t l = 0; l < kLanes; ++l) {
          const PerfectNode& n = perfect_nodes_[trees_[t + l].perfect_begin + idx[l]];
          idx[l] = 2 * idx[l] + 1 + GoRight<kMissingLeft>(n.threshold, n.missing_left, xr[n.feature]);
        }
      }
      const std::size_t inner = (std::size_t{1} << depth) - 1;
      for (std::size_t l = 0; l < kLanes; ++l) add(trees_[t + l].out, perfect_leaves_[trees_[t + l].leaf_begin + idx[l] - inner]);
      continue;
    }
    depth = 0;
    for (std::size_t l = 0; l < kLanes; ++l) {
      idx[l] = trees_[t + l].root;
      depth = std::max(depth, trees_[t + l].depth);
    }
    for (std::uint32_t d = 0; d < depth; ++d) {
      std::uint32_t moved = 0;
      for (std::size_t l = 0; l < kLanes; ++l) {
        std::uint32_t next = NumericStep<kMissingLeft>(nodes[idx[l]], xr[nodes[idx[l]].feature]);
        moved |= next ^ idx[l];
        idx[l] = next;
      }
      if (!moved) break;
    }
    for (std::size_t l = 0; l < kLanes; ++l) add(trees_[t + l].out, nodes[idx[l]].threshold);
  }
  for (; t < T; ++t) {
    std::uint32_t i = trees_[t].root;
    for (std::uint32_t d = 0; d < trees_[t].depth; ++d) i = NumericStep<kMissingLeft>(nodes[i], xr[nodes[i].feature]);
    add(trees_[t].out, nodes[i].threshold);
  }
}

template <bool kCat, bool kMissingLeft>
void HgbForest::Block(const double* x, std::size_t rows, double* raw, bool initialized) const {
  const std::size_t F = n_features_, K = k_;
  if (!initialized) {
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < K; ++j) raw[r * K + j] = baseline_[j];
    }
  }
  const HgbNode* nodes = nodes_.data();
  std::size_t r = 0;
  if constexpr (!kCat) {
    // Groups of eight rows walk each tree in lockstep: every row takes exactly `depth` steps (leaves
    // point to themselves), so the walk has no branches and eight independent load chains.
    const std::size_t grouped = rows / kLanes * kLanes;
    for (const Tree& t : trees_) {
      if (t.perfect) {
        const PerfectNode* pn = perfect_nodes_.data() + t.perfect_begin;
        const double* leaves = perfect_leaves_.data() + t.leaf_begin - ((std::size_t{1} << t.depth) - 1);
        constexpr std::size_t kWide = 2 * kLanes;  // cheaper steps: more rows in flight
        for (r = 0; r + kWide <= grouped; r += kWide) {
          std::uint32_t idx[kWide] = {};
          for (std::uint32_t d = 0; d < t.depth; ++d) {
            for (std::size_t l = 0; l < kWide; ++l) {
              const PerfectNode& n = pn[idx[l]];
              idx[l] = 2 * idx[l] + 1 + GoRight<kMissingLeft>(n.threshold, n.missing_left, x[(r + l) * F + n.feature]);
            }
          }
          for (std::size_t l = 0; l < kWide; ++l) raw[(r + l) * K + t.out] += leaves[idx[l]];
        }
        for (; r < grouped; r += kLanes) {
          std::uint32_t idx[kLanes] = {};
          for (std::uint32_t d = 0; d < t.depth; ++d) {
            for (std::size_t l = 0; l < kLanes; ++l) {
              const PerfectNode& n = pn[idx[l]];
              idx[l] = 2 * idx[l] + 1 + GoRight<kMissingLeft>(n.threshold, n.missing_left, x[(r + l) * F + n.feature]);
            }
          }
          for (std::size_t l = 0; l < kLanes; ++l) raw[(r + l) * K + t.out] += leaves[idx[l]];
        }
        continue;
      }
      for (r = 0; r < grouped; r += kLanes) {
        std::uint32_t idx[kLanes];
        for (std::size_t l = 0; l < kLanes; ++l) idx[l] = t.root;
        for (std::uint32_t d = 0; d < t.depth; ++d) {
          std::uint32_t moved = 0;
          for (std::size_t l = 0; l < kLanes; ++l) {
            std::uint32_t next = NumericStep<kMissingLeft>(nodes[idx[l]], x[(r + l) * F + nodes[idx[l]].feature]);
            moved |= next ^ idx[l];
            idx[l] = next;
          }
          if (!moved) break;  // all eight rows are at leaves (which point to themselves)
        }
        for (std::size_t l = 0; l < kLanes; ++l) raw[(r + l) * K + t.out] += nodes[idx[l]].threshold;
      }
    }
    r = grouped;
    // Remaining rows (a single row, typically): eight trees walk in lockstep instead; their leaf
    // values are then added in tree order.
    for (; r < rows; ++r) {
      if (K == 1) {
        // One output: the running sum stays in a register (a chain of dependent additions that
        // must not also go through memory).
        double acc = raw[r];
        TailRow<kMissingLeft>(x + r * F, [&acc](std::uint32_t, double v) { acc += v; });
        raw[r] = acc;
      } else {
        double* out = raw + r * K;
        TailRow<kMissingLeft>(x + r * F, [out](std::uint32_t k, double v) { out[k] += v; });
      }
    }
  } else {
    for (; r < rows; ++r) {
      const double* xr = x + r * F;
      for (const Tree& t : trees_) {
        std::uint32_t i = t.root;
        while (nodes[i].kind != kLeaf) i = Step(nodes[i], xr[nodes[i].feature]);
        raw[r * K + t.out] += nodes[i].threshold;
      }
    }
  }
}

void HgbForest::RawPredict(const double* x, std::size_t rows, double* raw, std::size_t threads, bool initialized,
                           bool float32_inputs) const {
  constexpr std::size_t kBlock = 64;  // rows per block: their inputs and outputs stay in L1
  auto run = [&](std::size_t begin, std::size_t end) {
    std::vector<double> rounded(float32_inputs ? std::min(kBlock, end - begin) * n_features_ : 0);
    for (std::size_t b = begin; b < end; b += kBlock) {
      std::size_t m = std::min(kBlock, end - b);
      const double* xb = x + b * n_features_;
      if (float32_inputs) {
        for (std::size_t i = 0; i < m * n_features_; ++i) rounded[i] = static_cast<double>(static_cast<float>(xb[i]));
        xb = rounded.data();
      }
      if (!cats_.empty()) {
        Block<true, true>(xb, m, raw + b * k_, initialized);
        continue;
      }
      // Without NaN in the block, `x <= threshold` alone decides every split.
      bool nan = false;
      if (any_missing_left_) {
        for (std::size_t i = 0; i < m * n_features_; ++i) nan |= std::isnan(xb[i]);
      }
      if (nan) Block<false, true>(xb, m, raw + b * k_, initialized);
      else Block<false, false>(xb, m, raw + b * k_, initialized);
    }
  };
  // Threads only pay off for large batches; each thread takes a contiguous range of blocks.
  // (Small batches do not even ask for the default, which may read the system's CPU count.)
  std::size_t work = rows * std::max<std::size_t>(trees_.size(), 1);
  std::size_t useful = std::max<std::size_t>(1, work / (1u << 18));
  if (useful == 1) threads = 1;
  else if (threads == 0) threads = DefaultThreads();
  threads = std::min(threads, useful);
  threads = std::min(threads, (rows + kBlock - 1) / kBlock);
  if (threads <= 1) {
    run(0, rows);
    return;
  }
  std::size_t blocks = (rows + kBlock - 1) / kBlock;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    std::size_t b0 = blocks * t / threads * kBlock, b1 = std::min(rows, blocks * (t + 1) / threads * kBlock);
    if (b0 >= b1) continue;
    pool.emplace_back(run, b0, b1);
  }
  for (auto& th : pool) th.join();
}

namespace {
// numpy.max: NaN propagates.
inline double NanMax(double m, double v) { return (std::isnan(v) || v > m) ? v : m; }

double RowSum(const double* a, std::size_t k, bool pairwise) {
  if (pairwise) return PairwiseSum(a, k);
  double s = 0;
  for (std::size_t j = 0; j < k; ++j) s += a[j];
  return s;
}
}  // namespace

void SoftmaxRows(const double* raw, std::size_t rows, std::size_t k, bool pairwise, double* out) {
  for (std::size_t r = 0; r < rows; ++r) {
    const double* a = raw + r * k;
    double* o = out + r * k;
    double mx = a[0];
    for (std::size_t j = 1; j < k; ++j) mx = NanMax(mx, a[j]);
    for (std::size_t j = 0; j < k; ++j) o[j] = std::exp(a[j] - mx);
    double s = RowSum(o, k, pairwise);
    for (std::size_t j = 0; j < k; ++j) o[j] /= s;
  }
}

void LogSumExpProbaRows(const double* raw, std::size_t rows, std::size_t k, bool pairwise, bool nan_to_num, double* out) {
  for (std::size_t r = 0; r < rows; ++r) {
    const double* a = raw + r * k;
    double* o = out + r * k;
    double mx = a[0];
    for (std::size_t j = 1; j < k; ++j) mx = NanMax(mx, a[j]);
    if (!std::isfinite(mx)) mx = 0;
    for (std::size_t j = 0; j < k; ++j) o[j] = std::exp(a[j] - mx);
    double lse = std::log(RowSum(o, k, pairwise));
    lse += mx;
    for (std::size_t j = 0; j < k; ++j) {
      double p = std::exp(a[j] - lse);
      if (nan_to_num) {
        if (std::isnan(p)) p = 0;
        else if (std::isinf(p)) p = p > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
      }
      o[j] = p;
    }
  }
}

}  // namespace skbridge::kernels
