// Linear models: a weight matrix and intercepts, then a link (identity, logistic, softmax ...).
// scikit-learn computes X @ coef_.T + intercept_ with BLAS; we accumulate each row's dot product
// in feature order, which agrees to within a few ulps.
#include <cmath>

#include "estimators/estimator.h"
#include "kernels/linear.h"

namespace skbridge::est {
namespace {

// Shared by every linear classifier: decision_function and predict from coef_/intercept_.
class LinearClassifier : public Estimator {
 public:
  Matrix coef;                    // (k, n_features); k == 1 for binary problems
  std::vector<double> intercept;  // (k,)
  enum class Proba { kNone, kOvr, kSoftmax } proba = Proba::kNone;

  bool Has(Method m) const override {
    switch (m) {
      case Method::kPredict:
      case Method::kDecisionFunction: return true;
      case Method::kPredictProba:
      case Method::kPredictLogProba: return proba != Proba::kNone;
      default: return false;
    }
  }

  Output Run(Method m, const Table& x) const override {
    Table d = DenseInput(x);
    std::vector<double> scores = kernels::LinearScores(d.dense.data(), d.rows, d.cols, coef.v.data(), coef.rows, intercept.data());
    const std::size_t k = coef.rows;
    switch (m) {
      case Method::kDecisionFunction: return NumericOutput(d.rows, k == 1 ? 0 : k, std::move(scores));
      case Method::kPredict: {
        if (k == 1) {
          std::vector<std::size_t> idx(d.rows);
          for (std::size_t r = 0; r < d.rows; ++r) idx[r] = scores[r] > 0 ? 1 : 0;
          Output o;
          o.rows = d.rows;
          o.labels = classes->Take(idx);
          return o;
        }
        return ArgmaxLabels(*classes, d.rows, k, scores);
      }
      case Method::kPredictProba:
      case Method::kPredictLogProba: {
        std::vector<double> p = proba == Proba::kOvr ? kernels::OvrProba(scores, d.rows, k) : kernels::SoftmaxProba(scores, d.rows, k);
        if (m == Method::kPredictLogProba) {
          for (double& v : p) v = std::log(v);
        }
        Output o = NumericOutput(d.rows, classes->size(), std::move(p));
        for (std::size_t c = 0; c < classes->size(); ++c) o.column_names.push_back(classes->Text(c));
        return o;
      }
      default: Unsupported(m);
    }
  }
};

class LinearRegressor : public Estimator {
 public:
  Matrix coef;                    // (n_targets, n_features)
  std::vector<double> intercept;  // (n_targets,)
  bool multi_output = false;

  bool Has(Method m) const override { return m == Method::kPredict; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredict) Unsupported(m);
    Table d = DenseInput(x);
    auto y = kernels::LinearScores(d.dense.data(), d.rows, d.cols, coef.v.data(), coef.rows, intercept.data());
    return NumericOutput(d.rows, multi_output ? coef.rows : 0, std::move(y));
  }
};

// coef_ as (k, n_features); intercept_ as k values (a scalar intercept broadcasts).
void ReadWeights(Fields& f, std::size_t n_features, Matrix* coef, std::vector<double>* intercept) {
  *coef = f.Matrix2D("coef_", std::nullopt, n_features ? std::optional<std::size_t>(n_features) : std::nullopt);
  const Value& b = f.Get("intercept_");
  std::vector<double> values = ToDoubles(b, f.At("intercept_"));
  if (values.size() == 1 && coef->rows > 1) values.assign(coef->rows, values[0]);
  if (values.size() != coef->rows) f.Fail("intercept_", fmt::format("expected {} values to match coef_, got {}", coef->rows, values.size()));
  *intercept = std::move(values);
}

}  // namespace

std::shared_ptr<Estimator> DecodeLogisticRegression(Fields& f) {
  auto e = std::make_shared<LinearClassifier>();
  f.ReadCommon(e.get(), true);
  ReadWeights(f, e->input.n_features, &e->coef, &e->intercept);
  if (!e->input.n_features) e->input.n_features = e->coef.cols;
  std::size_t n_classes = e->classes->size();
  if (!(n_classes == 2 && e->coef.rows == 1) && e->coef.rows != n_classes) {
    f.Fail("coef_", fmt::format("has {} rows for {} classes", e->coef.rows, n_classes));
  }
  // Probabilities: one-vs-rest sigmoids or a softmax, by the rule of the version that wrote it.
  // 'warn' (0.20-0.21 default) and 'ovr' are OvR; 'auto' is OvR for binary problems and liblinear;
  // from 1.8 the parameter is gone (or 'deprecated'): binary -> sigmoid, multiclass -> softmax
  // unless liblinear (which then fits OvR).
  std::string multi_class = f.Has("multi_class") && f.Get("multi_class").is_text() ? f.Str("multi_class") : "auto";
  std::string solver = f.Has("solver") && f.Get("solver").is_text() ? f.Str("solver") : "lbfgs";
  bool ovr = multi_class == "ovr" || multi_class == "warn" ||
             ((multi_class == "auto" || multi_class == "deprecated") && (n_classes <= 2 || solver == "liblinear"));
  // A binary model fitted as multinomial keeps one coef_ row; its softmax is over (-d, d).
  e->proba = ovr ? LinearClassifier::Proba::kOvr : LinearClassifier::Proba::kSoftmax;
  return e;
}

std::shared_ptr<Estimator> DecodeLinearRegression(Fields& f) {
  auto e = std::make_shared<LinearRegressor>();
  f.ReadCommon(e.get(), false);
  e->multi_output = ShapeOf(f.Get("coef_"), f.At("coef_")).size() == 2;
  ReadWeights(f, e->input.n_features, &e->coef, &e->intercept);
  if (!e->input.n_features) e->input.n_features = e->coef.cols;
  return e;
}

}  // namespace skbridge::est
