// Tree kernels: scikit-learn's fitted trees (sklearn.tree._tree.Tree) as typed arrays, and a
// compiled ensemble that walks blocks of rows through all trees.
//
// NOTE for the boosting family (src/estimators/boosting.cc) — this API is stable:
//   * estimators/tree_decode.h: `kernels::TreeModel est::DecodeTree(const Value& tree_obj, const std::string& path)`
//     decodes a sklearn.tree._tree.Tree object (both node layouts: 7 fields before 1.3, 8 with
//     missing_go_to_left from 1.3; int32/int64 and either byte order), validating every child
//     and feature index once. `est::DecodeTreeOf(Fields&)` does the same for an estimator's tree_.
//   * TreeModel below: struct-of-arrays, node i = left[i], right[i], feature[i], threshold[i],
//     missing_go_to_left[i], values[i * n_outputs * max_n_classes ...].
//   * TreeEnsemble: compile trees once (Add), then Accumulate(x32, rows, cols, out) adds, for every
//     row and for every tree in Add order, the tree's leaf vector into out[row, offset .. offset+width).
//     Give each tree the node values you want added (e.g. learning_rate * value for gradient
//     boosting, so the addition is exactly sklearn's `out += scale * value`), its output column
//     offset (k for the k-th tree of a boosting stage) and width. Trees are added in the order
//     scikit-learn sums them; per-row results are the same whatever the thread count or block size.
//   * Inputs are float32: convert a dense float64 batch with ToFloat32 (what check_array(dtype=
//     np.float32) does), then compare `x <= threshold` as scikit-learn does (float32 x against the
//     float64 threshold, done exactly through a float32 threshold rounded down).
#pragma once

#include "kernels/numpy_sum.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace skbridge::kernels {

inline constexpr std::int32_t kTreeLeaf = -1;  ///< left/right child of a leaf (TREE_LEAF)

/// One fitted sklearn.tree._tree.Tree. All vectors have node_count entries except `values`.
struct TreeModel {
  std::size_t n_features = 0;            ///< Tree(n_features, ...) argument
  std::size_t n_outputs = 1;
  std::vector<std::int64_t> n_classes;   ///< per output; 1 for regression
  std::size_t max_n_classes = 1;         ///< value stride of one output
  std::int64_t max_depth = 0;
  std::size_t node_count = 0;
  bool has_missing_go_to_left = false;   ///< 8-field node layout (scikit-learn >= 1.3)

  std::vector<std::int32_t> left, right;   ///< kTreeLeaf for leaves
  std::vector<std::int32_t> feature;       ///< -2 (TREE_UNDEFINED) for leaves
  std::vector<double> threshold;
  std::vector<std::uint8_t> missing_go_to_left;  ///< all 0 in the 7-field layout
  std::vector<double> impurity;
  std::vector<std::int64_t> n_node_samples;
  std::vector<double> weighted_n_node_samples;
  std::vector<double> values;              ///< node_count * n_outputs * max_n_classes (tree_.value)

  std::size_t value_stride() const { return n_outputs * max_n_classes; }
  /// tree_.value[node] as n_outputs * max_n_classes contiguous doubles.
  const double* value(std::size_t node) const { return values.data() + node * value_stride(); }
  bool is_leaf(std::size_t node) const { return left[node] == kTreeLeaf; }
  /// Depth of every node (root 0).
  std::vector<std::int32_t> Depths() const;
  /// scikit-learn's Tree.apply for one float32 row: the leaf node index.
  std::int32_t ApplyRow(const float* x) const;
};

/// Converts a dense row-major float64 batch to float32 (round to nearest, as numpy's astype).
/// Returns the index of the first value scikit-learn's check_array would reject — +-inf or a finite
/// value beyond float32's range (unless `allow_inf`), NaN unless `allow_nan` — or -1 when all are
/// accepted. *has_nan tells whether any NaN was seen.
std::int64_t ToFloat32(const double* x, std::size_t n, bool allow_nan, float* out, bool* has_nan, bool allow_inf = false);

/// Threads used by TreeEnsemble when the caller passes threads = 0: the SKBRIDGE_NUM_THREADS
/// environment variable, else the hardware concurrency. SetDefaultThreads overrides it.
std::size_t DefaultThreads();
void SetDefaultThreads(std::size_t n);

/// One node of a compiled tree (internal to TreeEnsemble): 16 bytes. Internal nodes: the float32
/// threshold (the float64 one rounded toward -inf), the input column and the children, >= 0 for
/// internal nodes (depth-first order from the root at 0) and ~slot < 0 for leaves. Leaf slot s is
/// stored at root[~s], before the root, as a node whose children are itself.
struct PackedTreeNode {
  float threshold;
  std::uint32_t feature;
  std::int32_t left;
  std::int32_t right;
};

/// Trees compiled for batch inference: per tree its internal nodes (16 bytes each, depth-first
/// order) and a leaf table. Immutable after the Add calls; const methods are thread-safe.
class TreeEnsemble {
 public:
  /// Adds `tree`. node_values holds `width` doubles per node (only leaves are read): the vector
  /// added to out[row, out_offset .. out_offset + width) for a row that lands on that leaf.
  /// feature_map (optional) maps the tree's feature index to the input column (bagging subsets).
  /// REQUIRES: node_values.size() == tree.node_count * width; tree validated (DecodeTree).
  void Add(const TreeModel& tree, std::span<const double> node_values, std::size_t width, std::size_t out_offset,
           std::span<const std::int32_t> feature_map = {});

  std::size_t size() const { return trees_.size(); }
  /// Smallest number of input columns the trees read (max feature index + 1).
  std::size_t min_cols() const { return min_cols_; }

  /// For each row r (x is rows x cols float32) and each tree t in Add order:
  /// out[r * out_cols + offset_t + j] += leaf_t[j], j < width_t. `out` is not cleared.
  /// nan_possible=false lets the kernel skip NaN routing (the caller knows x has no NaN).
  void Accumulate(const float* x, std::size_t rows, std::size_t cols, double* out, std::size_t out_cols,
                  bool nan_possible = true, std::size_t threads = 0) const;

  /// leaves[r * size() + t] = the leaf node index (in the original TreeModel numbering) row r
  /// reaches in tree t — scikit-learn's apply().
  void Apply(const float* x, std::size_t rows, std::size_t cols, std::int32_t* leaves, bool nan_possible = true,
             std::size_t threads = 0) const;

 private:
  struct Tree {
    std::size_t node_begin = 0;  // into nodes_: the root (leaves are stored just before it)
    std::size_t leaf_begin = 0;  // into leaf_values_, in leaves (width doubles a leaf)
    std::size_t width = 0, offset = 0;
    std::int32_t depth = 0;      // longest root-to-leaf path: steps a walk needs at most
  };
  template <bool kNan>
  void AccumulateBlock(const float* x, std::size_t rows, std::size_t cols, double* out, std::size_t out_cols) const;
  template <bool kNan>
  void ApplyBlock(const float* x, std::size_t rows, std::size_t cols, std::int32_t* leaves) const;

  std::vector<Tree> trees_;
  std::vector<PackedTreeNode> nodes_;
  std::vector<std::uint8_t> missing_left_;  // parallel to nodes_: NaN goes left
  std::vector<double> leaf_values_;
  std::vector<std::int32_t> leaf_nodes_;  // per leaf slot: the node index in scikit-learn's numbering
  std::size_t n_leaves_ = 0;
  std::size_t min_cols_ = 0;
};

/// numpy's pairwise sum of n contiguous doubles (what ndarray.sum does along a contiguous axis).
inline double PairwiseSum(const double* a, std::size_t n) { return NumpySum(a, n); }

/// scikit-learn's _average_path_length (IsolationForest) for one sample count.
double AveragePathLength(double n_samples_leaf);

}  // namespace skbridge::kernels
