// Decoding scikit-learn's tree objects into kernels::TreeModel (see src/kernels/tree.h), shared by
// the tree/forest family (tree.cc, forest.cc) and the boosting family (boosting.cc). Stable API.
#pragma once

#include <string>

#include "estimators/estimator.h"
#include "kernels/tree.h"

namespace skbridge::est {

/// Decodes a sklearn.tree._tree.Tree object (Tree(n_features, n_classes, n_outputs) + state
/// {max_depth, node_count, nodes, values}) found at `path`. Accepts both node layouts (7 fields
/// before scikit-learn 1.3, 8 with missing_go_to_left from 1.3), int32/int64 index fields. Checks
/// that children are in range and form a tree rooted at node 0 (every node reached once, so no
/// cycles), that split features are < n_features, and the values shape. Throws
/// Error::InvalidModel "path.nodes: ..." on any inconsistency.
kernels::TreeModel DecodeTree(const Value& tree_obj, const std::string& path);

/// DecodeTree of the `tree_` attribute of a fitted DecisionTree*/ExtraTree* estimator.
kernels::TreeModel DecodeTreeOf(const Fields& f);

/// "1.4.2" >= major.minor? "pre-0.18" and unparsable versions count as old (false).
bool VersionAtLeast(const std::string& version, int major, int minor);

/// True when a classifier tree written by scikit-learn `version` stores class counts (weighted) in
/// tree_.value — every version before 1.4 — rather than the class fractions 1.4 and later store.
/// scikit-learn < 1.4 divided counts by their sum in predict_proba; >= 1.4 returns tree_.value as
/// it is, so the same file predicts different probabilities in scikit-learn >= 1.4 (inspect
/// should flag this silent change). Regressor trees store means in every version: false.
bool TreeValuesAreCounts(const std::string& version, bool classifier);

}  // namespace skbridge::est
