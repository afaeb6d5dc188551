// Internal to the tree family (tree.cc, forest.cc): the estimator that runs one tree or a forest of
// trees through a compiled kernels::TreeEnsemble, and the input conversion they share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "estimators/estimator.h"
#include "estimators/tree_decode.h"
#include "kernels/tree.h"

namespace skbridge::est {

/// A dense batch cast to float32 the way scikit-learn validates tree input.
struct Float32Input {
  std::size_t rows = 0, cols = 0;
  std::vector<float> x;
  bool has_nan = false;
};

/// Validates and casts `t` for estimator `e`: dense, e.input.n_features columns, finite (NaN only
/// when allow_nan, +-inf only when allow_inf). Throws Error::InvalidInput naming row and column.
Float32Input TreeInput(const Estimator& e, const Table& t, bool allow_nan, bool allow_inf = false);

/// A fitted tree estimator's tree with what prediction needs from its estimator object.
struct DecodedTree {
  kernels::TreeModel tree;
  std::string version;       ///< _sklearn_version of the tree estimator
  std::string class_name;    ///< DecisionTreeClassifier, ExtraTreeRegressor, ...
};

/// Reads a DecisionTree*/ExtraTree* object (`obj` at `path`): its tree_ and version. Throws
/// InvalidModel when obj is not one of these classes.
DecodedTree DecodeTreeEstimator(const Value& obj, DecodeContext& ctx, const std::string& path);

/// One tree or a forest (RandomForest*, ExtraTrees*): classifier or regressor, any number of
/// outputs. predict_proba of a classifier = (0 + p_1 + ... + p_n) / n with p_i each tree's
/// predict_proba as the writing version computed it; a single tree is the n = 1 case (and its
/// predict is the argmax of tree_.value, as DecisionTreeClassifier.predict does).
///
/// Multi-output layout: predict -> rows x n_outputs labels (row-major), predict_proba /
/// predict_log_proba -> rows x (k_0 + k_1 + ...) with output 0's classes first, i.e. row r of the
/// recorded list [proba_0, proba_1, ...] concatenated; regressors: rows x n_outputs.
class TreeForest : public Estimator {
 public:
  bool classifier = false;
  bool single_tree = false;
  std::size_t n_outputs = 1;
  std::vector<std::size_t> n_classes;  ///< per output (classifier)
  std::vector<Labels> output_classes;  ///< per output (classifier)
  std::size_t width = 0;               ///< sum n_classes (classifier) or n_outputs (regressor)
  std::size_t n_trees = 0;
  bool allow_nan = false;
  kernels::TreeEnsemble values;  ///< per tree: its predict_proba rows (classifier) or predictions
  kernels::TreeEnsemble argmax;  ///< single-tree classifier: class index per output, per leaf

  bool Has(Method m) const override;
  Output Run(Method m, const Table& x) const override;

  /// The averaged outputs (rows x width) on validated input.
  std::vector<double> Average(const Float32Input& in) const;
  std::vector<std::string> ProbaColumnNames() const;
};

/// Fills `e` (classifier or regressor) from trees; `n_classes`/`output_classes` must be set for
/// classifiers. Checks every tree against n_features and the class counts.
void BuildTreeForest(TreeForest* e, const std::vector<DecodedTree>& trees, const Fields& f);

/// Labels of each output picked per row: out[r * n_outputs + o] = classes[o][idx[r * n_outputs + o]].
Labels PickLabels(const std::vector<Labels>& classes, const std::vector<std::size_t>& idx, std::size_t n_outputs);

/// Reads classes_ / n_outputs_ of a (possibly multi-output) classifier into e.
void ReadTreeClasses(const Fields& f, TreeForest* e);

}  // namespace skbridge::est
