// The registry: every scikit-learn class skbridge runs, under every module path scikit-learn has
// stored it with, mapped to the decoder of its family. One explicit table, no self-registration:
// adding an estimator means a decoder in its family file, a declaration and a row here, a test
// and a fixture.
#include <array>
#include <string_view>

#include "estimators/estimator.h"

namespace skbridge::est {

// Decoders, by family file. Each family keeps its declarations and rows in its own section.
// --- compose.cc (Pipeline, ColumnTransformer, FeatureUnion, TransformedTargetRegressor, search CV)
std::shared_ptr<Estimator> DecodePipeline(Fields&);
// --- end compose
// --- linear.cc
std::shared_ptr<Estimator> DecodeLogisticRegression(Fields&);
std::shared_ptr<Estimator> DecodeLinearRegression(Fields&);
// --- end linear
// --- preprocessing.cc / impute.cc
// --- end preprocessing
// --- encoders.cc
// --- end encoders
// --- selection.cc / dummy.cc
// --- end selection
// --- tree.cc / forest.cc (trees, forests, bagging, isolation forest, random trees embedding)
// --- end tree
// --- boosting.cc (gradient boosting, hist gradient boosting, AdaBoost, voting, stacking)
// --- end boosting

namespace {

struct Entry {
  std::string_view name;
  std::array<std::string_view, 4> modules;  // current path first, then older ones
  DecodeFn decode;
};

constexpr Entry kEstimators[] = {
    // --- compose
    {"Pipeline", {"sklearn.pipeline"}, &DecodePipeline},
    // --- end compose
    // --- linear
    {"LogisticRegression", {"sklearn.linear_model._logistic", "sklearn.linear_model.logistic"}, &DecodeLogisticRegression},
    {"LinearRegression", {"sklearn.linear_model._base", "sklearn.linear_model.base"}, &DecodeLinearRegression},
    // --- end linear
    // --- preprocessing
    // --- end preprocessing
    // --- encoders
    // --- end encoders
    // --- selection
    // --- end selection
    // --- tree
    // --- end tree
    // --- boosting
    // --- end boosting
};

}  // namespace

DecodeFn FindDecoder(std::string_view module, std::string_view name) {
  for (const Entry& e : kEstimators) {
    if (e.name != name) continue;
    for (std::string_view m : e.modules) {
      if (!m.empty() && m == module) return e.decode;
    }
  }
  return nullptr;
}

}  // namespace skbridge::est
