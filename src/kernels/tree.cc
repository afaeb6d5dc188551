// Tree traversal kernels.
//
// Layout: per tree, its internal nodes in depth-first preorder (root first), 16 bytes each: a
// float32 threshold, the input column and the two children. A child that is a leaf is ~slot < 0;
// leaf slot s is stored at root[~s] (before the root) as a node whose children are itself, so a
// walk that reached its leaf stays there and the step needs no test. 16 walks (16 rows of a block,
// or 16 trees of one row) advance in lockstep, branch-free (the comparisons are coin flips for a
// branch predictor), which hides the latency of the dependent loads; every 6 steps a group stops
// when all its walks are at leaves. Rows go through all trees in blocks sized for L2. Whether NaN
// goes left is a byte array parallel to the nodes, read only for batches that hold NaN.
//
// Exactness: scikit-learn compares the float32 input with the float64 threshold. For a float32 x
// and a float64 t, x <= t exactly when x <= t32, t32 being the largest float32 not above t, so the
// packed threshold is t rounded toward -inf. Per row, leaf vectors are added in the order the
// trees were added, whatever the block size, lane grouping or thread count.
#include "kernels/tree.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <thread>

namespace skbridge::kernels {
namespace {

constexpr std::size_t kLanes = 16;        // walks advanced together
// Rows taken through all trees before the next block: about 96 KB of float32 input (L2-resident,
// while each tree's nodes are reused by every row of the block), 16 to 1024 rows.
std::size_t BlockRows(std::size_t cols) {
  std::size_t rows = (96u << 10) / (4 * std::max<std::size_t>(cols, 1));
  return std::clamp<std::size_t>(rows / 16 * 16, 16, 1024);
}

// Largest float32 <= t (t not NaN).
float FloorToFloat(double t) {
  if (t >= static_cast<double>(std::numeric_limits<float>::max())) {
    return t == std::numeric_limits<double>::infinity() ? std::numeric_limits<float>::infinity()
                                                        : std::numeric_limits<float>::max();
  }
  if (t < -static_cast<double>(std::numeric_limits<float>::max())) return -std::numeric_limits<float>::infinity();
  float f = static_cast<float>(t);  // round to nearest
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

std::atomic<std::size_t> g_default_threads{0};

}  // namespace

std::vector<std::int32_t> TreeModel::Depths() const {
  std::vector<std::int32_t> depth(node_count, 0);
  // Children may come before or after their parent; walk from the root with an explicit stack.
  std::vector<std::int32_t> stack;
  if (node_count) stack.push_back(0);
  while (!stack.empty()) {
    std::int32_t n = stack.back();
    stack.pop_back();
    if (left[n] == kTreeLeaf) continue;
    depth[left[n]] = depth[n] + 1;
    depth[right[n]] = depth[n] + 1;
    stack.push_back(left[n]);
    stack.push_back(right[n]);
  }
  return depth;
}

std::int32_t TreeModel::ApplyRow(const float* x) const {
  std::int32_t n = 0;
  while (left[n] != kTreeLeaf) {
    float v = x[feature[n]];
    bool go_left = std::isnan(v) ? missing_go_to_left[n] != 0 : v <= threshold[n];
    n = go_left ? left[n] : right[n];
  }
  return n;
}

std::int64_t ToFloat32(const double* x, std::size_t n, bool allow_nan, float* out, bool* has_nan, bool allow_inf) {
  bool nan = false;
  std::int64_t bad = -1;
  for (std::size_t i = 0; i < n; ++i) {
    float f = static_cast<float>(x[i]);
    out[i] = f;
    // Rejects: NaN when not allowed, +-inf, finite doubles beyond float32 (they become inf).
    if (!std::isfinite(f)) {
      if (std::isnan(f)) {
        nan = true;
        if (!allow_nan && bad < 0) bad = static_cast<std::int64_t>(i);
      } else if (!allow_inf && bad < 0) {
        bad = static_cast<std::int64_t>(i);
      }
    }
  }
  *has_nan = nan;
  return bad;
}

std::size_t DefaultThreads() {
  std::size_t n = g_default_threads.load(std::memory_order_relaxed);
  if (n) return n;
  if (const char* env = std::getenv("SKBRIDGE_NUM_THREADS")) {
    long v = std::strtol(env, nullptr, 10);
    if (v > 0) return static_cast<std::size_t>(v);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? hw : 1;
}

void SetDefaultThreads(std::size_t n) { g_default_threads.store(n, std::memory_order_relaxed); }



double AveragePathLength(double n) {
  // sklearn.ensemble._iforest._average_path_length, element-wise.
  constexpr double kEulerGamma = 0.57721566490153286060651209008240243;
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  return 2.0 * (std::log(n - 1.0) + kEulerGamma) - 2.0 * (n - 1.0) / n;
}

void TreeEnsemble::Add(const TreeModel& tree, std::span<const double> node_values, std::size_t width,
                       std::size_t out_offset, std::span<const std::int32_t> feature_map) {
  Tree t;
  t.leaf_begin = n_leaves_;
  t.width = width;
  t.offset = out_offset;
  // Internal nodes renumbered in depth-first preorder (a parent and its left subtree are
  // contiguous); a child that is a leaf is stored as ~slot. Leaves are slotted in the same order.
  std::vector<std::int32_t> internal_id(tree.node_count, -1), leaf_slot(tree.node_count, -1);
  std::vector<std::int32_t> order;  // internal nodes in preorder
  std::vector<std::pair<std::int32_t, std::int32_t>> stack{{0, 0}};  // (node, depth)
  std::int32_t n_internal = 0, n_leaf = 0;
  while (!stack.empty()) {
    auto [n, d] = stack.back();
    stack.pop_back();
    if (tree.left[n] == kTreeLeaf) {
      leaf_slot[n] = n_leaf++;
      t.depth = std::max(t.depth, d);
      const double* v = node_values.data() + static_cast<std::size_t>(n) * width;
      leaf_values_.insert(leaf_values_.end(), v, v + width);
      leaf_nodes_.push_back(n);
      continue;
    }
    internal_id[n] = n_internal++;
    order.push_back(n);
    stack.push_back({tree.right[n], d + 1});
    stack.push_back({tree.left[n], d + 1});
  }
  auto child = [&](std::int32_t c) { return tree.left[c] == kTreeLeaf ? ~leaf_slot[c] : internal_id[c]; };
  // Leaves first, in reverse slot order, so that leaf slot s sits at root[~s] = root[-(s + 1)]:
  // a leaf is a node whose children are itself, so a finished walk stays put.
  for (std::int32_t s = n_leaf - 1; s >= 0; --s) {
    PackedTreeNode leaf{};
    leaf.left = leaf.right = ~s;
    nodes_.push_back(leaf);
    missing_left_.push_back(0);
  }
  t.node_begin = nodes_.size();  // the root
  for (std::int32_t n : order) {
    PackedTreeNode node{};
    std::int32_t f = tree.feature[n];
    if (!feature_map.empty()) f = feature_map[static_cast<std::size_t>(f)];
    min_cols_ = std::max(min_cols_, static_cast<std::size_t>(f) + 1);
    node.threshold = FloorToFloat(tree.threshold[n]);
    node.feature = static_cast<std::uint32_t>(f);
    node.left = child(tree.left[n]);
    node.right = child(tree.right[n]);
    nodes_.push_back(node);
    missing_left_.push_back(tree.missing_go_to_left[n] ? 1 : 0);
  }
  if (order.empty()) {
    // A single-leaf tree: one node whose both children are the leaf, walked once.
    PackedTreeNode node{};
    node.left = node.right = ~0;
    nodes_.push_back(node);
    missing_left_.push_back(0);
    t.depth = 1;
  }
  min_cols_ = std::max<std::size_t>(min_cols_, 1);  // a walk reads column 0 at a leaf
  n_leaves_ += static_cast<std::size_t>(n_leaf);
  trees_.push_back(t);
}

namespace {

using PackedNode = PackedTreeNode;

// One step down. Branch-free (the comparison is a coin flip for a branch predictor): the child is
// picked by indexing the (left, right) pair. Leaves (idx < 0) lead to themselves. With kNan, a NaN
// goes left where missing_left says so (a NaN compares false, so it goes right otherwise).
template <bool kNan>
inline std::int32_t Step(const PackedNode* nodes, const std::uint8_t* missing_left, std::int32_t idx, const float* x) {
  const PackedNode& n = nodes[idx];
  float v = x[n.feature];
  unsigned go_left = v <= n.threshold;
  if constexpr (kNan) go_left |= static_cast<unsigned>(v != v) & missing_left[idx];
  const std::int32_t* children = &n.left;
  return children[go_left ^ 1u];
}

// out[j] += leaf[j] for j < width (1 and 2 — regression, binary classification — unrolled).
inline void AddLeaf(double* o, const double* v, std::size_t width) {
  switch (width) {
    case 1: o[0] += v[0]; return;
    case 2: o[0] += v[0]; o[1] += v[1]; return;
    default:
      for (std::size_t j = 0; j < width; ++j) o[j] += v[j];
  }
}

template <std::size_t L>
inline bool AllDone(const std::int32_t* idx) {
  std::int32_t all = -1;
  for (std::size_t k = 0; k < L; ++k) all &= idx[k];
  return all < 0;  // every sign bit set
}

// L walks through one tree (nodes), each on its own row. After the call idx[k] = ~leaf slot.
template <bool kNan, std::size_t L>
inline void WalkRows(const PackedNode* nodes, const std::uint8_t* missing_left, std::int32_t depth, const float* const* xs,
                     std::int32_t* idx) {
  for (std::size_t k = 0; k < L; ++k) idx[k] = 0;
  for (std::int32_t d = 0; d < depth;) {
    std::int32_t steps = std::min<std::int32_t>(depth - d, 6);
    for (std::int32_t s = 0; s < steps; ++s) {
      for (std::size_t k = 0; k < L; ++k) idx[k] = Step<kNan>(nodes, missing_left, idx[k], xs[k]);
    }
    d += steps;
    if (AllDone<L>(idx)) break;
  }
}

}  // namespace

static_assert(sizeof(PackedTreeNode) == 16);

template <bool kNan>
void TreeEnsemble::AccumulateBlock(const float* x, std::size_t rows, std::size_t cols, double* out,
                                   std::size_t out_cols) const {
  const PackedNode* all_nodes = nodes_.data();
  if (rows >= kLanes) {
    // Rows in lanes: each tree takes the whole block, kLanes rows at a time.
    for (const Tree& t : trees_) {
      const PackedNode* nodes = all_nodes + t.node_begin;
      const double* leaves = leaf_values_.data() + t.leaf_begin * t.width;
      std::size_t r = 0;
      for (; r < rows; r += kLanes) {
        std::size_t lanes = std::min(kLanes, rows - r);
        const float* xs[kLanes];
        std::int32_t idx[kLanes];
        for (std::size_t k = 0; k < kLanes; ++k) xs[k] = x + (r + std::min(k, lanes - 1)) * cols;
        WalkRows<kNan, kLanes>(nodes, missing_left_.data() + t.node_begin, t.depth, xs, idx);
        for (std::size_t k = 0; k < lanes; ++k) {
          AddLeaf(out + (r + k) * out_cols + t.offset, leaves + static_cast<std::size_t>(~idx[k]) * t.width, t.width);
        }
      }
    }
    return;
  }
  // Few rows: walk kLanes trees of one row at a time, then add their leaves in tree order.
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double* orow = out + r * out_cols;
    for (std::size_t t0 = 0; t0 < trees_.size(); t0 += kLanes) {
      std::size_t lanes = std::min(kLanes, trees_.size() - t0);
      const PackedNode* base[kLanes];
      const std::uint8_t* mbase[kLanes];
      std::int32_t idx[kLanes];
      std::int32_t depth = 0;
      for (std::size_t k = 0; k < kLanes; ++k) {
        const Tree& t = trees_[t0 + std::min(k, lanes - 1)];
        base[k] = all_nodes + t.node_begin;
        mbase[k] = missing_left_.data() + t.node_begin;
        idx[k] = 0;
        depth = std::max(depth, t.depth);
      }
      for (std::int32_t d = 0; d < depth;) {
        std::int32_t steps = std::min<std::int32_t>(depth - d, 6);
        for (std::int32_t s = 0; s < steps; ++s) {
          for (std::size_t k = 0; k < kLanes; ++k) idx[k] = Step<kNan>(base[k], mbase[k], idx[k], xr);
        }
        d += steps;
        if (AllDone<kLanes>(idx)) break;
      }
      for (std::size_t k = 0; k < lanes; ++k) {
        const Tree& t = trees_[t0 + k];
        AddLeaf(orow + t.offset, leaf_values_.data() + (t.leaf_begin + static_cast<std::size_t>(~idx[k])) * t.width, t.width);
      }
    }
  }
}

template <bool kNan>
void TreeEnsemble::ApplyBlock(const float* x, std::size_t rows, std::size_t cols, std::int32_t* leaves) const {
  const PackedNode* all_nodes = nodes_.data();
  const std::size_t n_trees = trees_.size();
  for (std::size_t ti = 0; ti < n_trees; ++ti) {
    const Tree& t = trees_[ti];
    const PackedNode* nodes = all_nodes + t.node_begin;
    const std::int32_t* leaf_nodes = leaf_nodes_.data() + t.leaf_begin;
    for (std::size_t r = 0; r < rows; r += kLanes) {
      std::size_t lanes = std::min(kLanes, rows - r);
      const float* xs[kLanes];
      std::int32_t idx[kLanes];
      for (std::size_t k = 0; k < kLanes; ++k) xs[k] = x + (r + std::min(k, lanes - 1)) * cols;
      WalkRows<kNan, kLanes>(nodes, missing_left_.data() + t.node_begin, t.depth, xs, idx);
      for (std::size_t k = 0; k < lanes; ++k) leaves[(r + k) * n_trees + ti] = leaf_nodes[~idx[k]];
    }
  }
}

namespace {

// Runs fn(row_begin, row_end) over blocks of rows, on up to `threads` threads (contiguous ranges).
template <class Fn>
void ParallelRows(std::size_t rows, std::size_t cols, std::size_t work_per_row, std::size_t threads, Fn fn) {
  const std::size_t kBlockRows = BlockRows(cols);
  if (threads == 0) threads = DefaultThreads();
  // Threads pay off only for enough work: ~ 1 ms of walking per thread.
  std::size_t max_useful = std::max<std::size_t>(1, rows * work_per_row / (1u << 18));
  threads = std::min({threads, max_useful, (rows + kBlockRows - 1) / kBlockRows});
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; r += kBlockRows) fn(r, std::min(end, r + kBlockRows));
  };
  if (threads <= 1) {
    run(0, rows);
    return;
  }
  std::size_t per = (rows + threads - 1) / threads;
  per = (per + kBlockRows - 1) / kBlockRows * kBlockRows;
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) {
    std::size_t b = i * per, e = std::min(rows, b + per);
    if (b < e) pool.emplace_back(run, b, e);
  }
  run(0, std::min(rows, per));
  for (auto& th : pool) th.join();
}

}  // namespace

void TreeEnsemble::Accumulate(const float* x, std::size_t rows, std::size_t cols, double* out, std::size_t out_cols,
                              bool nan_possible, std::size_t threads) const {
  if (trees_.empty() || rows == 0 || cols < min_cols_) return;
  std::size_t work = trees_.size() * 16;
  ParallelRows(rows, cols, work, threads, [&](std::size_t b, std::size_t e) {
    if (nan_possible) AccumulateBlock<true>(x + b * cols, e - b, cols, out + b * out_cols, out_cols);
    else AccumulateBlock<false>(x + b * cols, e - b, cols, out + b * out_cols, out_cols);
  });
}

void TreeEnsemble::Apply(const float* x, std::size_t rows, std::size_t cols, std::int32_t* leaves, bool nan_possible,
                         std::size_t threads) const {
  if (trees_.empty() || rows == 0 || cols < min_cols_) return;
  std::size_t n_trees = trees_.size();
  ParallelRows(rows, cols, n_trees * 16, threads, [&](std::size_t b, std::size_t e) {
    if (nan_possible) ApplyBlock<true>(x + b * cols, e - b, cols, leaves + b * n_trees);
    else ApplyBlock<false>(x + b * cols, e - b, cols, leaves + b * n_trees);
  });
}

}  // namespace skbridge::kernels
