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
std::shared_ptr<Estimator> DecodeLinearClassifier(Fields&);
std::shared_ptr<Estimator> DecodeSGDClassifier(Fields&);
std::shared_ptr<Estimator> DecodeRidgeClassifier(Fields&);
std::shared_ptr<Estimator> DecodeGeneralizedLinear(Fields&);
std::shared_ptr<Estimator> DecodeSGDOneClassSVM(Fields&);
std::shared_ptr<Estimator> DecodeRansacRegressor(Fields&);
// --- end linear
// --- preprocessing.cc / impute.cc
// --- end preprocessing
// --- encoders.cc
// --- end encoders
// --- selection.cc / dummy.cc
// --- end selection
// --- tree.cc / forest.cc (trees, forests, bagging, isolation forest, random trees embedding)
std::shared_ptr<Estimator> DecodeDecisionTreeClassifier(Fields&);
std::shared_ptr<Estimator> DecodeDecisionTreeRegressor(Fields&);
std::shared_ptr<Estimator> DecodeForestClassifier(Fields&);
std::shared_ptr<Estimator> DecodeForestRegressor(Fields&);
std::shared_ptr<Estimator> DecodeBaggingClassifier(Fields&);
std::shared_ptr<Estimator> DecodeBaggingRegressor(Fields&);
std::shared_ptr<Estimator> DecodeIsolationForest(Fields&);
std::shared_ptr<Estimator> DecodeRandomTreesEmbedding(Fields&);
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
    {"LogisticRegressionCV", {"sklearn.linear_model._logistic", "sklearn.linear_model.logistic"}, &DecodeLogisticRegression},
    {"LinearRegression", {"sklearn.linear_model._base", "sklearn.linear_model.base"}, &DecodeLinearRegression},
    {"Ridge", {"sklearn.linear_model._ridge", "sklearn.linear_model.ridge"}, &DecodeLinearRegression},
    {"RidgeCV", {"sklearn.linear_model._ridge", "sklearn.linear_model.ridge"}, &DecodeLinearRegression},
    {"RidgeClassifier", {"sklearn.linear_model._ridge", "sklearn.linear_model.ridge"}, &DecodeRidgeClassifier},
    {"RidgeClassifierCV", {"sklearn.linear_model._ridge", "sklearn.linear_model.ridge"}, &DecodeRidgeClassifier},
    {"Lasso", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"LassoCV", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"ElasticNet", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"ElasticNetCV", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"MultiTaskLasso", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"MultiTaskLassoCV", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"MultiTaskElasticNet", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"MultiTaskElasticNetCV", {"sklearn.linear_model._coordinate_descent", "sklearn.linear_model.coordinate_descent"}, &DecodeLinearRegression},
    {"Lars", {"sklearn.linear_model._least_angle", "sklearn.linear_model.least_angle"}, &DecodeLinearRegression},
    {"LarsCV", {"sklearn.linear_model._least_angle", "sklearn.linear_model.least_angle"}, &DecodeLinearRegression},
    {"LassoLars", {"sklearn.linear_model._least_angle", "sklearn.linear_model.least_angle"}, &DecodeLinearRegression},
    {"LassoLarsCV", {"sklearn.linear_model._least_angle", "sklearn.linear_model.least_angle"}, &DecodeLinearRegression},
    {"LassoLarsIC", {"sklearn.linear_model._least_angle", "sklearn.linear_model.least_angle"}, &DecodeLinearRegression},
    {"OrthogonalMatchingPursuit", {"sklearn.linear_model._omp", "sklearn.linear_model.omp"}, &DecodeLinearRegression},
    {"OrthogonalMatchingPursuitCV", {"sklearn.linear_model._omp", "sklearn.linear_model.omp"}, &DecodeLinearRegression},
    {"BayesianRidge", {"sklearn.linear_model._bayes", "sklearn.linear_model.bayes"}, &DecodeLinearRegression},
    {"ARDRegression", {"sklearn.linear_model._bayes", "sklearn.linear_model.bayes"}, &DecodeLinearRegression},
    {"HuberRegressor", {"sklearn.linear_model._huber", "sklearn.linear_model.huber"}, &DecodeLinearRegression},
    {"QuantileRegressor", {"sklearn.linear_model._quantile"}, &DecodeLinearRegression},
    {"TheilSenRegressor", {"sklearn.linear_model._theil_sen", "sklearn.linear_model.theil_sen"}, &DecodeLinearRegression},
    {"RANSACRegressor", {"sklearn.linear_model._ransac", "sklearn.linear_model.ransac"}, &DecodeRansacRegressor},
    {"SGDClassifier", {"sklearn.linear_model._stochastic_gradient", "sklearn.linear_model.stochastic_gradient"}, &DecodeSGDClassifier},
    {"SGDRegressor", {"sklearn.linear_model._stochastic_gradient", "sklearn.linear_model.stochastic_gradient"}, &DecodeLinearRegression},
    {"SGDOneClassSVM", {"sklearn.linear_model._stochastic_gradient"}, &DecodeSGDOneClassSVM},
    {"Perceptron", {"sklearn.linear_model._perceptron", "sklearn.linear_model.perceptron"}, &DecodeLinearClassifier},
    {"PassiveAggressiveClassifier", {"sklearn.linear_model._passive_aggressive", "sklearn.linear_model.passive_aggressive"}, &DecodeLinearClassifier},
    {"PassiveAggressiveRegressor", {"sklearn.linear_model._passive_aggressive", "sklearn.linear_model.passive_aggressive"}, &DecodeLinearRegression},
    {"PoissonRegressor", {"sklearn.linear_model._glm.glm"}, &DecodeGeneralizedLinear},
    {"GammaRegressor", {"sklearn.linear_model._glm.glm"}, &DecodeGeneralizedLinear},
    {"TweedieRegressor", {"sklearn.linear_model._glm.glm"}, &DecodeGeneralizedLinear},
    {"LinearSVC", {"sklearn.svm._classes", "sklearn.svm.classes"}, &DecodeLinearClassifier},
    {"LinearSVR", {"sklearn.svm._classes", "sklearn.svm.classes"}, &DecodeLinearRegression},
    // --- end linear
    // --- preprocessing
    // --- end preprocessing
    // --- encoders
    // --- end encoders
    // --- selection
    // --- end selection
    // --- tree
    {"DecisionTreeClassifier", {"sklearn.tree._classes", "sklearn.tree.tree"}, &DecodeDecisionTreeClassifier},
    {"ExtraTreeClassifier", {"sklearn.tree._classes", "sklearn.tree.tree"}, &DecodeDecisionTreeClassifier},
    {"DecisionTreeRegressor", {"sklearn.tree._classes", "sklearn.tree.tree"}, &DecodeDecisionTreeRegressor},
    {"ExtraTreeRegressor", {"sklearn.tree._classes", "sklearn.tree.tree"}, &DecodeDecisionTreeRegressor},
    {"RandomForestClassifier", {"sklearn.ensemble._forest", "sklearn.ensemble.forest"}, &DecodeForestClassifier},
    {"ExtraTreesClassifier", {"sklearn.ensemble._forest", "sklearn.ensemble.forest"}, &DecodeForestClassifier},
    {"RandomForestRegressor", {"sklearn.ensemble._forest", "sklearn.ensemble.forest"}, &DecodeForestRegressor},
    {"ExtraTreesRegressor", {"sklearn.ensemble._forest", "sklearn.ensemble.forest"}, &DecodeForestRegressor},
    {"RandomTreesEmbedding", {"sklearn.ensemble._forest", "sklearn.ensemble.forest"}, &DecodeRandomTreesEmbedding},
    {"BaggingClassifier", {"sklearn.ensemble._bagging", "sklearn.ensemble.bagging"}, &DecodeBaggingClassifier},
    {"BaggingRegressor", {"sklearn.ensemble._bagging", "sklearn.ensemble.bagging"}, &DecodeBaggingRegressor},
    {"IsolationForest", {"sklearn.ensemble._iforest", "sklearn.ensemble.iforest"}, &DecodeIsolationForest},
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
