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
std::shared_ptr<Estimator> DecodeColumnTransformer(Fields&);
std::shared_ptr<Estimator> DecodeFeatureUnion(Fields&);
std::shared_ptr<Estimator> DecodeTransformedTargetRegressor(Fields&);
std::shared_ptr<Estimator> DecodeSearchCV(Fields&);
std::shared_ptr<Estimator> DecodeFixedThresholdClassifier(Fields&);
std::shared_ptr<Estimator> DecodeTunedThresholdClassifierCV(Fields&);
// --- end compose
// --- linear.cc
std::shared_ptr<Estimator> DecodeLogisticRegression(Fields&);
std::shared_ptr<Estimator> DecodeLinearRegression(Fields&);
std::shared_ptr<Estimator> DecodeBayesianRegression(Fields&);
std::shared_ptr<Estimator> DecodeLinearClassifier(Fields&);
std::shared_ptr<Estimator> DecodeSGDClassifier(Fields&);
std::shared_ptr<Estimator> DecodeRidgeClassifier(Fields&);
std::shared_ptr<Estimator> DecodeGeneralizedLinear(Fields&);
std::shared_ptr<Estimator> DecodeSGDOneClassSVM(Fields&);
std::shared_ptr<Estimator> DecodeRansacRegressor(Fields&);
// --- end linear
// --- preprocessing.cc / impute.cc
std::shared_ptr<Estimator> DecodeStandardScaler(Fields&);
std::shared_ptr<Estimator> DecodeMinMaxScaler(Fields&);
std::shared_ptr<Estimator> DecodeMaxAbsScaler(Fields&);
std::shared_ptr<Estimator> DecodeRobustScaler(Fields&);
std::shared_ptr<Estimator> DecodeNormalizer(Fields&);
std::shared_ptr<Estimator> DecodeBinarizer(Fields&);
std::shared_ptr<Estimator> DecodeQuantileTransformer(Fields&);
std::shared_ptr<Estimator> DecodePowerTransformer(Fields&);
std::shared_ptr<Estimator> DecodeKBinsDiscretizer(Fields&);
std::shared_ptr<Estimator> DecodeSplineTransformer(Fields&);
std::shared_ptr<Estimator> DecodePolynomialFeatures(Fields&);
std::shared_ptr<Estimator> DecodeFunctionTransformer(Fields&);
std::shared_ptr<Estimator> DecodeSimpleImputer(Fields&);
std::shared_ptr<Estimator> DecodeImputer(Fields&);
std::shared_ptr<Estimator> DecodeMissingIndicator(Fields&);
std::shared_ptr<Estimator> DecodeKNNImputer(Fields&);
// --- end preprocessing
// --- encoders.cc
std::shared_ptr<Estimator> DecodeOneHotEncoder(Fields&);
std::shared_ptr<Estimator> DecodeOrdinalEncoder(Fields&);
std::shared_ptr<Estimator> DecodeTargetEncoder(Fields&);
std::shared_ptr<Estimator> DecodeLabelEncoder(Fields&);
std::shared_ptr<Estimator> DecodeLabelBinarizer(Fields&);
// --- end encoders
// --- selection.cc / dummy.cc
std::shared_ptr<Estimator> DecodeVarianceThreshold(Fields&);
std::shared_ptr<Estimator> DecodeSelectKBest(Fields&);
std::shared_ptr<Estimator> DecodeSelectPercentile(Fields&);
std::shared_ptr<Estimator> DecodeSelectFpr(Fields&);
std::shared_ptr<Estimator> DecodeSelectFdr(Fields&);
std::shared_ptr<Estimator> DecodeSelectFwe(Fields&);
std::shared_ptr<Estimator> DecodeGenericUnivariateSelect(Fields&);
std::shared_ptr<Estimator> DecodeSelectFromModel(Fields&);
std::shared_ptr<Estimator> DecodeRFE(Fields&);
std::shared_ptr<Estimator> DecodeSequentialFeatureSelector(Fields&);
std::shared_ptr<Estimator> DecodeDummyClassifier(Fields&);
std::shared_ptr<Estimator> DecodeDummyRegressor(Fields&);
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
std::shared_ptr<Estimator> DecodeGradientBoosting(Fields&);
std::shared_ptr<Estimator> DecodeHistGradientBoosting(Fields&);
std::shared_ptr<Estimator> DecodeAdaBoostClassifier(Fields&);
std::shared_ptr<Estimator> DecodeAdaBoostRegressor(Fields&);
std::shared_ptr<Estimator> DecodeVotingClassifier(Fields&);
std::shared_ptr<Estimator> DecodeVotingRegressor(Fields&);
std::shared_ptr<Estimator> DecodeStacking(Fields&);
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
    {"FeatureUnion", {"sklearn.pipeline"}, &DecodeFeatureUnion},
    {"ColumnTransformer", {"sklearn.compose._column_transformer"}, &DecodeColumnTransformer},
    {"TransformedTargetRegressor", {"sklearn.compose._target"}, &DecodeTransformedTargetRegressor},
    {"GridSearchCV", {"sklearn.model_selection._search", "sklearn.grid_search"}, &DecodeSearchCV},
    {"RandomizedSearchCV", {"sklearn.model_selection._search", "sklearn.grid_search"}, &DecodeSearchCV},
    {"HalvingGridSearchCV", {"sklearn.model_selection._search_successive_halving"}, &DecodeSearchCV},
    {"HalvingRandomSearchCV", {"sklearn.model_selection._search_successive_halving"}, &DecodeSearchCV},
    {"FixedThresholdClassifier", {"sklearn.model_selection._classification_threshold"}, &DecodeFixedThresholdClassifier},
    {"TunedThresholdClassifierCV", {"sklearn.model_selection._classification_threshold"}, &DecodeTunedThresholdClassifierCV},
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
    {"BayesianRidge", {"sklearn.linear_model._bayes", "sklearn.linear_model.bayes"}, &DecodeBayesianRegression},
    {"ARDRegression", {"sklearn.linear_model._bayes", "sklearn.linear_model.bayes"}, &DecodeBayesianRegression},
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
    {"StandardScaler", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeStandardScaler},
    {"MinMaxScaler", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeMinMaxScaler},
    {"MaxAbsScaler", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeMaxAbsScaler},
    {"RobustScaler", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeRobustScaler},
    {"Normalizer", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeNormalizer},
    {"Binarizer", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeBinarizer},
    {"QuantileTransformer", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodeQuantileTransformer},
    {"PowerTransformer", {"sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodePowerTransformer},
    {"KBinsDiscretizer", {"sklearn.preprocessing._discretization", "sklearn.preprocessing.discretization"}, &DecodeKBinsDiscretizer},
    {"SplineTransformer", {"sklearn.preprocessing._polynomial"}, &DecodeSplineTransformer},
    {"PolynomialFeatures", {"sklearn.preprocessing._polynomial", "sklearn.preprocessing._data", "sklearn.preprocessing.data"}, &DecodePolynomialFeatures},
    {"FunctionTransformer", {"sklearn.preprocessing._function_transformer", "sklearn.preprocessing.function_transformer"}, &DecodeFunctionTransformer},
    {"SimpleImputer", {"sklearn.impute._base", "sklearn.impute"}, &DecodeSimpleImputer},
    {"MissingIndicator", {"sklearn.impute._base", "sklearn.impute"}, &DecodeMissingIndicator},
    {"KNNImputer", {"sklearn.impute._knn"}, &DecodeKNNImputer},
    {"Imputer", {"sklearn.preprocessing.imputation"}, &DecodeImputer},
    // --- end preprocessing
    // --- encoders
    {"OneHotEncoder", {"sklearn.preprocessing._encoders", "sklearn.preprocessing.data"}, &DecodeOneHotEncoder},
    {"OrdinalEncoder", {"sklearn.preprocessing._encoders"}, &DecodeOrdinalEncoder},
    {"TargetEncoder", {"sklearn.preprocessing._target_encoder"}, &DecodeTargetEncoder},
    {"LabelEncoder", {"sklearn.preprocessing._label", "sklearn.preprocessing.label"}, &DecodeLabelEncoder},
    {"LabelBinarizer", {"sklearn.preprocessing._label", "sklearn.preprocessing.label"}, &DecodeLabelBinarizer},
    // --- end encoders
    // --- selection
    {"VarianceThreshold", {"sklearn.feature_selection._variance_threshold", "sklearn.feature_selection.variance_threshold"}, &DecodeVarianceThreshold},
    {"SelectKBest", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeSelectKBest},
    {"SelectPercentile", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeSelectPercentile},
    {"SelectFpr", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeSelectFpr},
    {"SelectFdr", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeSelectFdr},
    {"SelectFwe", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeSelectFwe},
    {"GenericUnivariateSelect", {"sklearn.feature_selection._univariate_selection", "sklearn.feature_selection.univariate_selection"}, &DecodeGenericUnivariateSelect},
    {"SelectFromModel", {"sklearn.feature_selection._from_model", "sklearn.feature_selection.from_model"}, &DecodeSelectFromModel},
    {"RFE", {"sklearn.feature_selection._rfe", "sklearn.feature_selection.rfe"}, &DecodeRFE},
    {"RFECV", {"sklearn.feature_selection._rfe", "sklearn.feature_selection.rfe"}, &DecodeRFE},
    {"SequentialFeatureSelector", {"sklearn.feature_selection._sequential"}, &DecodeSequentialFeatureSelector},
    {"DummyClassifier", {"sklearn.dummy"}, &DecodeDummyClassifier},
    {"DummyRegressor", {"sklearn.dummy"}, &DecodeDummyRegressor},
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
    {"GradientBoostingClassifier", {"sklearn.ensemble._gb", "sklearn.ensemble.gradient_boosting"}, &DecodeGradientBoosting},
    {"GradientBoostingRegressor", {"sklearn.ensemble._gb", "sklearn.ensemble.gradient_boosting"}, &DecodeGradientBoosting},
    {"HistGradientBoostingClassifier", {"sklearn.ensemble._hist_gradient_boosting.gradient_boosting"}, &DecodeHistGradientBoosting},
    {"HistGradientBoostingRegressor", {"sklearn.ensemble._hist_gradient_boosting.gradient_boosting"}, &DecodeHistGradientBoosting},
    {"AdaBoostClassifier", {"sklearn.ensemble._weight_boosting", "sklearn.ensemble.weight_boosting"}, &DecodeAdaBoostClassifier},
    {"AdaBoostRegressor", {"sklearn.ensemble._weight_boosting", "sklearn.ensemble.weight_boosting"}, &DecodeAdaBoostRegressor},
    {"VotingClassifier", {"sklearn.ensemble._voting", "sklearn.ensemble.voting", "sklearn.ensemble.voting_classifier"}, &DecodeVotingClassifier},
    {"VotingRegressor", {"sklearn.ensemble._voting", "sklearn.ensemble.voting"}, &DecodeVotingRegressor},
    {"StackingClassifier", {"sklearn.ensemble._stacking"}, &DecodeStacking},
    {"StackingRegressor", {"sklearn.ensemble._stacking"}, &DecodeStacking},
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
