// HistGradientBoosting inference: the TreePredictor nodes of every iteration compiled into one flat
// node array, walked for blocks of rows. scikit-learn's raw prediction is
//   raw[r, k] = baseline[k]; for each iteration i (in order): raw[r, k] += leaf value of tree (i, k)
// and this kernel adds exactly those doubles in exactly that order, so results are bit-identical
// whatever the block size or thread count.
//
// Split semantics (sklearn/ensemble/_hist_gradient_boosting/_predictor.pyx, _predict_one_from_raw_data):
//   numeric:     NaN -> missing_go_to_left ? left : right; else x <= num_threshold ? left : right
//   categorical: NaN -> missing direction; (scikit-learn >= 1.2) x < 0 -> missing direction;
//                c = (uint8) x; c in raw_left_cat_bitset -> left; c in the feature's known
//                categories -> right; else (unknown category) -> missing direction.
// The (uint8) cast is the C conversion x86-64 compilers emit for Cython's <uint8_t>double: truncate
// to int32 (values outside int32 become INT32_MIN), keep the low byte.
//
// GradientBoosting uses the same kernel for its regression trees (numeric splits, NaN right, leaves
// holding learning_rate * value, inputs rounded to float32: see RawPredict), which is exactly
// sklearn/ensemble/_gradient_boosting.pyx's predict_stages. Layouts and the walk are described in
// docs/benchmarks.md ("Boosting").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skbridge::kernels {

/// One node of a compiled HistGradientBoosting tree.
struct HgbNode {
  double threshold = 0;       ///< numeric split: num_threshold; leaf: the leaf value
  std::uint32_t feature = 0;  ///< input column (0 for leaves)
  std::uint32_t child[2] = {0, 0};  ///< left, right: global node indices; a leaf points to itself
  std::uint32_t cat = 0;      ///< categorical split: index into the forest's category table
  std::uint8_t kind = 0;      ///< kLeaf, kNumeric, kCategorical
  std::uint8_t missing_left = 0;
};

/// A categorical split's bitsets: categories sent left, and the categories known for its feature.
struct HgbCatSplit {
  std::array<std::uint32_t, 8> left{};
  std::array<std::uint32_t, 8> known{};
};

/// The nodes of one TreePredictor as read from the model (per-node fields, in node order).
struct HgbTreeSpec {
  std::vector<double> value;
  std::vector<std::int64_t> feature;
  std::vector<double> threshold;
  std::vector<std::uint8_t> missing_left;
  std::vector<std::int64_t> left, right;
  std::vector<std::uint8_t> is_leaf;
  std::vector<std::uint8_t> is_categorical;
  std::vector<std::int64_t> bitset_idx;
  /// raw_left_cat_bitsets (n_categorical_splits x 8), row-major.
  std::vector<std::uint32_t> raw_left_cat_bitsets;
};

class HgbForest {
 public:
  enum Kind : std::uint8_t { kLeaf = 0, kNumeric = 1, kCategorical = 2 };

  /// n_features: input columns; k: trees per iteration; baseline: k values.
  /// known_cat_bitsets: for each input feature, its known-category bitset (nullptr-equivalent:
  /// empty vector when the feature is not categorical). negative_categories_missing: the rule of
  /// scikit-learn >= 1.2.
  HgbForest(std::size_t n_features, std::size_t k, std::vector<double> baseline,
            std::vector<std::vector<std::uint32_t>> known_cat_bitsets, bool negative_categories_missing);

  /// Adds the next tree (trees are added iteration by iteration, k trees per iteration, in order).
  /// Validates indices and that the nodes form a tree rooted at node 0; on failure returns a message
  /// describing the problem (and adds nothing), else an empty string.
  std::string Add(const HgbTreeSpec& tree);

  std::size_t k() const { return k_; }
  std::size_t n_features() const { return n_features_; }
  std::size_t n_trees() const { return trees_.size(); }
  bool has_categorical() const { return !cats_.empty(); }

  /// raw[r * k + j] for rows x (row-major, n_features columns). threads = 0: DefaultThreads()
  /// for large batches; results do not depend on the thread count. With `initialized`, raw already
  /// holds each row's starting values (instead of the baseline) and the trees are added to them.
  /// float32_inputs: each input value is first rounded to float32 (scikit-learn's
  /// check_array(dtype=np.float32) before a Tree is applied), block by block, without a copy of x.
  void RawPredict(const double* x, std::size_t rows, double* raw, std::size_t threads = 0, bool initialized = false,
                  bool float32_inputs = false) const;

 private:
  struct Tree {
    std::uint32_t root = 0;
    std::uint32_t depth = 0;  // longest root-to-leaf path (edges)
    std::uint32_t out = 0;    // output column
    // Shallow numeric trees also have a perfect (complete, level-order) copy: node s has children
    // 2s + 1 and 2s + 2, so a step needs no child load. Shorter branches are padded with splits
    // that always go right (threshold NaN) down to copies of their leaf.
    bool perfect = false;
    std::uint32_t perfect_begin = 0;  // into perfect_nodes_ (2^depth - 1 nodes)
    std::uint32_t leaf_begin = 0;     // into perfect_leaves_ (2^depth values)
  };
  struct PerfectNode {
    double threshold = 0;
    std::uint32_t feature = 0;
    std::uint32_t missing_left = 0;
  };
  static constexpr std::uint32_t kPerfectMaxDepth = 6;
  template <bool kCat, bool kMissingLeft>
  void Block(const double* x, std::size_t rows, double* raw, bool initialized) const;
  template <bool kMissingLeft, class AddFn>
  void TailRow(const double* xr, AddFn&& add) const;
  std::uint32_t Step(const HgbNode& n, double v) const;

  std::size_t n_features_, k_;
  std::vector<double> baseline_;
  std::vector<std::vector<std::uint32_t>> known_;
  bool negative_missing_;
  bool any_missing_left_ = false;
  std::vector<HgbNode> nodes_;
  std::vector<HgbCatSplit> cats_;
  std::vector<Tree> trees_;
  std::vector<PerfectNode> perfect_nodes_;
  std::vector<double> perfect_leaves_;
};

// ---- Links shared by the boosting estimators -------------------------------------------------

/// sklearn.utils.extmath.softmax of each row of `raw` (rows x k) into `out`: subtract the row max,
/// exp, divide by the row sum. `pairwise`: the row sum is numpy's pairwise sum (a C-ordered array
/// reduced along its contiguous axis); else a sequential sum (numpy reducing a Fortran-ordered array
/// along axis 1, as HistGradientBoosting's raw predictions are). They differ only for k >= 8.
void SoftmaxRows(const double* raw, std::size_t rows, std::size_t k, bool pairwise, double* out);

/// exp(raw - logsumexp(raw)) of each row, with SciPy's classic logsumexp (max m, 0 if not finite;
/// log(sum(exp(raw - m))) + m) — the multiclass probabilities of the pre-1.1/1.4 loss classes.
/// nan_to_num applies numpy.nan_to_num to the result (GradientBoosting's MultinomialDeviance).
void LogSumExpProbaRows(const double* raw, std::size_t rows, std::size_t k, bool pairwise, bool nan_to_num, double* out);

/// Cython's <uint8_t> cast of a double as compiled for x86-64 (see the file comment).
inline std::uint8_t CategoryByte(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return 0;  // cvttsd2si's "integer indefinite"
  return static_cast<std::uint8_t>(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)) & 0xFFu);
}

inline bool InBitset(const std::uint32_t* bitset, std::uint8_t v) { return (bitset[v >> 5] >> (v & 31)) & 1u; }

}  // namespace skbridge::kernels
