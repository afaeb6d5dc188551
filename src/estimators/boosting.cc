// Gradient boosting (GradientBoostingClassifier / GradientBoostingRegressor) and AdaBoost
// (AdaBoostClassifier / AdaBoostRegressor), every version since 0.20; shared boosting helpers.
//
// Gradient boosting: raw = init raw + sum over stages (in order) of learning_rate * tree value, the
// trees being the DecisionTreeRegressor objects of estimators_ (n_stages, K). scikit-learn adds
// `scale * value[leaf]` per stage in sklearn/ensemble/_gradient_boosting.pyx (predict_stages) on
// float32 inputs; we add the same products (precomputed per leaf) in the same order through
// kernels::TreeEnsemble. predict_stages compares `x <= threshold` and ignores missing_go_to_left
// (NaN would go right), but every version's predict first rejects non-finite input.
//
// The init estimator and the link changed across versions:
//   <= 0.20   init_ is MeanEstimator / QuantileEstimator / LogOddsEstimator / ScaledLogOddsEstimator /
//             PriorProbabilityEstimator / ZeroEstimator; raw init = init_.predict(X) (for multiclass
//             the class priors themselves, not their logs).
//   0.21-1.3  init_ is a DummyRegressor / DummyClassifier (or 'zero' or any estimator); the loss
//             object (loss_, then _loss from 1.1, classes of sklearn.ensemble._gb_losses) maps its
//             predictions to raw: regression as is; binomial log(p / (1 - p)), exponential half of
//             that, multinomial log(p), probabilities clipped to [eps32, 1 - eps32].
//   >= 1.4    _loss is a sklearn._loss.loss object; raw init = link(p) with p clipped to
//             [eps, 1 - eps] (eps of float32 before 1.8, of float64 from 1.8): logit, 0.5 logit, or the
//             symmetric multinomial logit log(p / gmean(p)).
// Probabilities: binomial expit(raw), exponential expit(2 raw), multinomial exp(raw - logsumexp(raw))
// (old loss classes) or softmax(raw) (>= 1.4). predict: argmax of the probabilities (old binomial /
// multinomial), raw >= 0 (exponential, and every binary model >= 1.4), argmax of raw (multiclass >= 1.4).
#include "estimators/boosting_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "estimators/tree_decode.h"
#include "kernels/hgb.h"
#include "kernels/linear.h"
#include "kernels/tree.h"

namespace skbridge::est {

// ---------------------------------------------------------------------------------------------
// Shared helpers (boosting_util.h)

namespace boosting {

std::string ClassName(const Value& v) {
  const Value* c = v.kind == Kind::kObject ? v.Class() : nullptr;
  return c ? std::string(c->name) : std::string();
}

Output LabelsOutput(const Labels& classes, std::vector<std::size_t> idx) {
  Output o;
  o.rows = idx.size();
  o.labels = classes.Take(idx);
  return o;
}

Output ProbaOutput(const Labels& classes, std::size_t rows, std::vector<double> p) {
  Output o = NumericOutput(rows, classes.size(), std::move(p));
  for (std::size_t c = 0; c < classes.size(); ++c) o.column_names.push_back(classes.Text(c));
  return o;
}

double Logit(double p) {
  if (p < 0.3 || p > 0.65) return std::log(p / (1 - p));
  double s = 2 * (p - 0.5);
  return std::log1p(s) - std::log1p(-s);
}

namespace {

struct KnownLoss {
  std::string_view name;
  Link link;
  bool legacy;
};

constexpr KnownLoss kLosses[] = {
    // sklearn._loss.loss (HistGradientBoosting >= 1.1, GradientBoosting >= 1.4)
    {"HalfSquaredError", Link::kIdentity, false},
    {"AbsoluteError", Link::kIdentity, false},
    {"PinballLoss", Link::kIdentity, false},
    {"HuberLoss", Link::kIdentity, false},
    {"HalfPoissonLoss", Link::kLog, false},
    {"HalfGammaLoss", Link::kLog, false},
    {"HalfTweedieLoss", Link::kLog, false},
    {"HalfTweedieLossIdentity", Link::kIdentity, false},
    {"HalfBinomialLoss", Link::kLogit, false},
    {"ExponentialLoss", Link::kHalfLogit, false},  // also the old _gb_losses name: see below
    {"HalfMultinomialLoss", Link::kSoftmax, false},
    // sklearn.ensemble._gb_losses / gradient_boosting (GradientBoosting < 1.4)
    {"LeastSquaresError", Link::kIdentity, true},
    {"LeastAbsoluteError", Link::kIdentity, true},
    {"HuberLossFunction", Link::kIdentity, true},
    {"QuantileLossFunction", Link::kIdentity, true},
    {"BinomialDeviance", Link::kLogit, true},
    {"MultinomialDeviance", Link::kSoftmax, true},
    // sklearn.ensemble._hist_gradient_boosting.loss (HistGradientBoosting < 1.1)
    {"LeastSquares", Link::kIdentity, true},
    {"LeastAbsoluteDeviation", Link::kIdentity, true},
    {"Poisson", Link::kLog, true},
    {"BinaryCrossEntropy", Link::kLogit, true},
    {"CategoricalCrossEntropy", Link::kSoftmax, true},
};

constexpr std::pair<std::string_view, Link> kLinks[] = {
    {"IdentityLink", Link::kIdentity}, {"LogLink", Link::kLog}, {"LogitLink", Link::kLogit},
    {"HalfLogitLink", Link::kHalfLogit}, {"MultinomialLogit", Link::kSoftmax},
};

}  // namespace

LossInfo ReadLoss(const Fields& f, std::size_t n_classes) {
  LossInfo info;
  for (std::string_view attr : {"_loss", "loss_"}) {
    const Value* v = f.Find(attr);
    if (!v || v->kind != Kind::kObject) continue;
    info.attr = std::string(attr);
    info.class_name = ClassName(*v);
    const KnownLoss* known = nullptr;
    for (const KnownLoss& k : kLosses) {
      if (k.name == info.class_name) known = &k;
    }
    if (!known) f.Fail(attr, fmt::format("loss class {} is not supported", v->GlobalPath()));
    info.link = known->link;
    // ExponentialLoss exists in both worlds: the old one lives in sklearn.ensemble.
    std::string module = v->Class()->text.empty() ? "" : std::string(v->Class()->text);
    info.legacy = known->legacy || (info.class_name == "ExponentialLoss" && module.rfind("sklearn.ensemble", 0) == 0);
    // sklearn._loss objects carry their link: it must agree.
    if (const Value* st = v->State(); st && st->kind == Kind::kDict) {
      if (const Value* link = st->Get("link"); link && link->kind == Kind::kObject) {
        std::string ln = ClassName(*link);
        bool ok = false;
        for (const auto& [name, l] : kLinks) {
          if (name == ln) {
            ok = true;
            if (l != info.link) f.Fail(attr, fmt::format("{} has link {}, expected another", info.class_name, ln));
          }
        }
        if (!ok) f.Fail(attr, fmt::format("{} has an unsupported link {}", info.class_name, link->GlobalPath()));
      }
    }
    return info;
  }
  // No loss object: the `loss` parameter names it.
  if (!f.Has("loss") || !f.Get("loss").is_text()) f.Fail("_loss", "missing (and no `loss` parameter names the loss)");
  info.attr = "loss";
  info.class_name = f.Str("loss");
  const std::string& p = info.class_name;
  if (n_classes == 0) {
    if (p == "poisson" || p == "gamma") info.link = Link::kLog;
    else if (p == "squared_error" || p == "least_squares" || p == "ls" || p == "absolute_error" || p == "lad" ||
             p == "least_absolute_deviation" || p == "huber" || p == "quantile")
      info.link = Link::kIdentity;
    else f.Fail("loss", fmt::format("'{}' is not a supported regression loss", p));
  } else if (p == "exponential") {
    info.link = Link::kHalfLogit;
  } else if (p == "log_loss" || p == "deviance" || p == "auto" || p == "binary_crossentropy" || p == "categorical_crossentropy") {
    info.link = n_classes <= 2 ? Link::kLogit : Link::kSoftmax;
  } else {
    f.Fail("loss", fmt::format("'{}' is not a supported classification loss", p));
  }
  return info;
}

}  // namespace boosting

namespace {

using boosting::Link;

// ---------------------------------------------------------------------------------------------
// Gradient boosting

constexpr double kEps32 = 1.1920928955078125e-07;  // np.finfo(np.float32).eps
constexpr double kEps64 = std::numeric_limits<double>::epsilon();

class GradientBoosting : public Estimator {
 public:
  bool classifier = false;
  Link link = Link::kIdentity;
  bool legacy = false;        // old loss classes (< 1.4)
  std::size_t K = 1;          // trees per stage
  std::shared_ptr<kernels::HgbForest> trees;  // numeric splits only; leaves hold learning_rate * value
  // Init: a constant raw vector, or an estimator run on the (float32-valued) input.
  std::vector<double> init_raw;                 // K values when constant
  std::shared_ptr<const Estimator> init_est;    // else
  bool init_proba = false;                      // init_est: use predict_proba (classifiers)
  double clip_eps = kEps32;
  bool modern_link = false;                     // init link of >= 1.4 (_init_raw_predictions)

  bool Has(Method m) const override {
    if (!classifier) return m == Method::kPredict;
    return m == Method::kPredict || m == Method::kPredictProba || m == Method::kPredictLogProba || m == Method::kDecisionFunction;
  }

  // Raw predictions (rows x K) for the float32-rounded input.
  std::vector<double> Raw(const Table& x) const {
    Table converted;
    if (!x.is_dense()) converted = x.ToDense();
    const Table& d = x.is_dense() ? x : converted;
    if (input.n_features && d.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, d.cols));
    }
    const std::size_t n = d.rows, F = d.cols;
    // GradientBoosting validates its input itself (dtype float32, all finite) in every version: NaN
    // and values beyond float32 are rejected even where the trees alone would route NaN.
    for (std::size_t i = 0; i < n * F; ++i) {
      if (!std::isfinite(static_cast<float>(d.dense[i]))) {
        double v = d.dense[i];
        throw Error::InvalidInput(fmt::format("{} ({}): input row {}, column {} holds {}, which scikit-learn rejects ({})", path,
                                              class_path, i / F, i % F, v,
                                              std::isnan(v) ? "gradient boosting does not accept NaN" : "not finite in float32"));
      }
    }
    std::vector<double> raw(n * K);
    if (init_est) {
      std::vector<double> x32(n * F);
      for (std::size_t i = 0; i < n * F; ++i) x32[i] = static_cast<double>(static_cast<float>(d.dense[i]));
      InitFromEstimator(x32, n, F, raw);
      trees->RawPredict(x32.data(), n, raw.data(), 0, true);
    } else {
      trees->RawPredict(d.dense.data(), n, raw.data(), 0, false, true);  // the baseline is the constant init
    }
    return raw;
  }

  void InitFromEstimator(const std::vector<double>& x32, std::size_t n, std::size_t F, std::vector<double>& raw) const {
    Table t = Table::Dense(n, F, x32);
    if (!init_proba) {
      Output o = init_est->Run(Method::kPredict, t);
      if (o.labels || o.values.size() != n * K) {
        throw Error::InvalidModel(fmt::format("{}.init_: predict gave {} values for {} rows", path, o.values.size(), n));
      }
      for (std::size_t i = 0; i < n * K; ++i) raw[i] = o.values[i];  // identity link
      return;
    }
    Output o = init_est->Run(Method::kPredictProba, t);
    const std::size_t C = o.cols;
    if (o.values.size() != n * C || C < 2 || (K > 1 && C != K)) {
      throw Error::InvalidModel(fmt::format("{}.init_: predict_proba gave {} columns for {} classes", path, C, K == 1 ? 2 : K));
    }
    for (std::size_t r = 0; r < n; ++r) ProbaToRaw(o.values.data() + r * C, C, raw.data() + r * K);
  }

  // The init link: probabilities of one row (C columns) to K raw values.
  void ProbaToRaw(const double* p, std::size_t C, double* out) const {
    auto clip = [&](double v) { return std::min(std::max(v, clip_eps), 1 - clip_eps); };
    if (K == 1) {
      double q = clip(p[1]);
      double lo = modern_link ? boosting::Logit(q) : std::log(q / (1 - q));
      out[0] = link == Link::kHalfLogit ? 0.5 * lo : lo;
      return;
    }
    if (!modern_link) {
      for (std::size_t j = 0; j < K; ++j) out[j] = std::log(clip(p[j]));
      return;
    }
    // MultinomialLogit.link: log(p / gmean(p)), gmean = exp(mean(log p)).
    std::vector<double> lp(K);
    for (std::size_t j = 0; j < K; ++j) lp[j] = std::log(clip(p[j]));
    double gm = std::exp(kernels::PairwiseSum(lp.data(), K) / static_cast<double>(K));
    for (std::size_t j = 0; j < K; ++j) out[j] = std::log(clip(p[j]) / gm);
  }

  std::vector<double> Proba(const std::vector<double>& raw, std::size_t n) const {
    if (K == 1) {
      std::vector<double> p(2 * n);
      for (std::size_t r = 0; r < n; ++r) {
        p[2 * r + 1] = kernels::Expit(link == Link::kHalfLogit ? 2 * raw[r] : raw[r]);
        p[2 * r] = 1 - p[2 * r + 1];
      }
      return p;
    }
    std::vector<double> p(n * K);
    // GradientBoosting's raw predictions are C-ordered (n, K): class sums are numpy pairwise sums.
    if (legacy) kernels::LogSumExpProbaRows(raw.data(), n, K, true, true, p.data());
    else kernels::SoftmaxRows(raw.data(), n, K, true, p.data());
    return p;
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    std::vector<double> raw = Raw(x);
    const std::size_t n = raw.size() / K;
    if (!classifier) return NumericOutput(n, 0, std::move(raw));
    if (m == Method::kDecisionFunction) return NumericOutput(n, K == 1 ? 0 : K, std::move(raw));
    if (m == Method::kPredict) {
      std::vector<std::size_t> idx(n);
      bool by_proba = legacy && link != Link::kHalfLogit;
      std::vector<double> p = by_proba ? Proba(raw, n) : std::vector<double>{};
      const std::size_t C = classes->size();
      for (std::size_t r = 0; r < n; ++r) {
        if (!by_proba && K == 1) {
          idx[r] = raw[r] >= 0 ? 1 : 0;
          continue;
        }
        const double* s = by_proba ? p.data() + r * C : raw.data() + r * K;
        std::size_t w = by_proba ? C : K, best = 0;
        for (std::size_t j = 1; j < w; ++j) {
          if (s[j] > s[best] || (std::isnan(s[j]) && !std::isnan(s[best]))) best = j;
        }
        idx[r] = best;
      }
      return boosting::LabelsOutput(*classes, std::move(idx));
    }
    std::vector<double> p = Proba(raw, n);
    if (m == Method::kPredictLogProba) {
      for (double& v : p) v = std::log(v);
    }
    return boosting::ProbaOutput(*classes, n, std::move(p));
  }
};

// The init estimator: constants where its state says them, else an estimator run at predict time.
void ReadInit(Fields& f, GradientBoosting* e) {
  const std::size_t K = e->K;
  const Value* init = f.Find("init_");
  if (!init || init->is_none()) f.Fail("init_", "missing: the model is not fitted");
  if (init->is_text()) {
    if (init->text != "zero") f.Fail("init_", fmt::format("unknown init '{}'", init->text));
    e->init_raw.assign(K, 0.0);
    return;
  }
  if (init->kind != Kind::kObject) f.Fail("init_", fmt::format("expected an estimator, found {}", init->Repr(40)));
  const std::string cls = boosting::ClassName(*init);
  const std::string ip = f.At("init_");
  const Value* st = init->State();
  auto attr = [&](std::string_view name) -> const Value& {
    const Value* v = st && st->kind == Kind::kDict ? st->Get(name) : nullptr;
    if (!v) throw Error::InvalidModel(fmt::format("{}.{}: missing", ip, name));
    return *v;
  };
  // Built-in init estimators of scikit-learn <= 0.20 (gradient_boosting.py): raw = init_.predict(X).
  if (cls == "MeanEstimator" || cls == "QuantileEstimator" || cls == "LogOddsEstimator" || cls == "ScaledLogOddsEstimator") {
    std::string_view name = cls == "MeanEstimator" ? "mean" : cls == "QuantileEstimator" ? "quantile" : "prior";
    std::vector<double> v = ToDoubles(attr(name), ip + "." + std::string(name));
    if (v.size() != K) throw Error::InvalidModel(fmt::format("{}.{}: has {} values for {} trees per stage", ip, name, v.size(), K));
    e->init_raw = v;
    return;
  }
  if (cls == "PriorProbabilityEstimator") {
    std::vector<double> v = ToDoubles(attr("priors"), ip + ".priors");
    if (v.size() != K) throw Error::InvalidModel(fmt::format("{}.priors: has {} values for {} trees per stage", ip, v.size(), K));
    e->init_raw = v;  // the priors themselves: <= 0.20 did not take their logarithm
    return;
  }
  if (cls == "ZeroEstimator") {
    e->init_raw.assign(K, 0.0);
    return;
  }
  // DummyRegressor: constant_ for every strategy.
  if (cls == "DummyRegressor" && !e->classifier) {
    std::vector<double> c = ToDoubles(attr("constant_"), ip + ".constant_");
    if (c.size() != 1) throw Error::InvalidModel(fmt::format("{}.constant_: expected one value, got {}", ip, c.size()));
    e->init_raw.assign(1, c[0]);
    return;
  }
  // DummyClassifier(strategy='prior'), the default: its predict_proba is class_prior_ on every row.
  if (cls == "DummyClassifier" && e->classifier) {
    const Value* s = st && st->kind == Kind::kDict ? st->Get("strategy") : nullptr;
    const Value* n_out = st && st->kind == Kind::kDict ? st->Get("n_outputs_") : nullptr;
    if (s && s->is_text() && s->text == "prior" && (!n_out || (n_out->kind == Kind::kInt && n_out->integer == 1))) {
      std::vector<double> prior = ToDoubles(attr("class_prior_"), ip + ".class_prior_");
      std::size_t C = e->classes->size();
      if (prior.size() != C) throw Error::InvalidModel(fmt::format("{}.class_prior_: has {} values for {} classes", ip, prior.size(), C));
      e->init_raw.assign(K, 0.0);
      e->ProbaToRaw(prior.data(), C, e->init_raw.data());
      return;
    }
  }
  if (!VersionAtLeast(f.version(), 0, 21)) {
    throw Error::Unsupported(fmt::format("{}: a {} init estimator in a model written by scikit-learn {} is not supported", ip, cls, f.version()));
  }
  // GradientBoosting fits and runs init_ on float32 input. An estimator that kept float32 fitted
  // arrays (a linear model's coef_, ...) then predicts in float32 through BLAS, whose rounding and
  // summation order cannot be reproduced to 1e-9; refuse rather than return float32-level errors.
  if (st && st->kind == Kind::kDict) {
    for (const auto& [k, v] : st->entries) {
      if (k->is_text() && !k->text.empty() && k->text.back() == '_' && v->kind == Kind::kArray &&
          v->array->dtype.kind == DTypeKind::kFloat && v->array->dtype.itemsize == 4) {
        throw Error::Unsupported(fmt::format(
            "{}: the init estimator {} was fitted on float32 input ({} is float32), so scikit-learn computes its "
            "predictions in float32 with BLAS, which skbridge cannot reproduce within 1e-9",
            ip, cls, k->text));
      }
    }
  }
  e->init_est = f.ctx().Decode(*init, ip);
  e->init_proba = e->classifier;
  Method need = e->init_proba ? Method::kPredictProba : Method::kPredict;
  if (!e->init_est->Has(need)) f.Fail("init_", fmt::format("{} has no {}", cls, MethodName(need)));
}

}  // namespace

std::shared_ptr<Estimator> DecodeGradientBoosting(Fields& f) {
  auto e = std::make_shared<GradientBoosting>();
  e->classifier = boosting::ClassName(f.object()) == "GradientBoostingClassifier";
  f.ReadCommon(e.get(), e->classifier);
  std::size_t n_classes = 0;
  if (e->classifier) {
    if (!e->classes) f.Fail("classes_", "missing");
    n_classes = e->classes->size();
    if (n_classes < 2) f.Fail("classes_", fmt::format("expected at least 2 classes, got {}", n_classes));
  }
  boosting::LossInfo loss = boosting::ReadLoss(f, n_classes);
  e->link = loss.link;
  e->legacy = loss.legacy;
  e->modern_link = !loss.legacy && loss.attr != "loss";
  if (loss.attr == "loss") {  // no loss object stored: the writing version decides
    e->legacy = !VersionAtLeast(f.version(), 1, 4);
    e->modern_link = !e->legacy;
  }
  e->clip_eps = VersionAtLeast(f.version(), 1, 8) ? kEps64 : kEps32;
  if (e->classifier && loss.link != Link::kLogit && loss.link != Link::kHalfLogit && loss.link != Link::kSoftmax) {
    f.Fail(loss.attr, fmt::format("{} is not a classification loss", loss.class_name));
  }
  if (!e->classifier && loss.link != Link::kIdentity) f.Fail(loss.attr, fmt::format("{} is not a regression loss", loss.class_name));
  if (loss.link == Link::kHalfLogit && n_classes != 2) f.Fail(loss.attr, "the exponential loss needs exactly 2 classes");

  // estimators_: (n_stages, K) object array of DecisionTreeRegressor.
  const Value& ests = f.Get("estimators_");
  if (ests.kind != Kind::kArray || ests.array->dtype.kind != DTypeKind::kObject || ests.array->ndim() != 2) {
    f.Fail("estimators_", fmt::format("expected a 2-d object array, found {}", ests.Repr(40)));
  }
  const NdArray& a = *ests.array;
  const std::size_t stages = static_cast<std::size_t>(a.shape[0]), K = static_cast<std::size_t>(a.shape[1]);
  const std::size_t expect_k = e->classifier ? (n_classes == 2 ? 1 : n_classes) : 1;
  if (K != expect_k) f.Fail("estimators_", fmt::format("has {} trees per stage, expected {}", K, expect_k));
  if (stages == 0) f.Fail("estimators_", "is empty: the model is not fitted");
  e->K = K;
  const double lr = f.Float("learning_rate");
  std::vector<kernels::HgbTreeSpec> trees;
  std::size_t n_features = e->input.n_features;
  for (std::size_t s = 0; s < stages; ++s) {
    for (std::size_t k = 0; k < K; ++k) {
      // Object arrays list items in memory order; estimators_ is C-ordered unless flagged.
      std::size_t i = a.fortran_order ? k * stages + s : s * K + k;
      const Value* t = a.objects[i];
      std::string tp = fmt::format("{}[{}, {}]", f.At("estimators_"), s, k);
      if (t->kind != Kind::kObject) throw Error::InvalidModel(fmt::format("{}: expected a DecisionTreeRegressor, found {}", tp, t->Repr(40)));
      Fields tf(*t, &f.ctx(), tp);
      kernels::TreeModel tree = DecodeTreeOf(tf);
      if (tree.n_outputs != 1 || tree.max_n_classes != 1) {
        throw Error::InvalidModel(fmt::format("{}.tree_: expected a single-output regression tree", tp));
      }
      if (e->input.n_features && tree.n_features != e->input.n_features) {
        throw Error::InvalidModel(fmt::format("{}.tree_: has {} features, the model {}", tp, tree.n_features, e->input.n_features));
      }
      // predict_stages: x <= threshold on float32 x, NaN (never accepted) right, missing_go_to_left
      // ignored; the leaf adds scale * value.
      kernels::HgbTreeSpec spec;
      const std::size_t nn = tree.node_count;
      spec.value.resize(nn);
      spec.feature.resize(nn);
      spec.threshold = tree.threshold;
      spec.left.resize(nn);
      spec.right.resize(nn);
      spec.is_leaf.resize(nn);
      for (std::size_t nd = 0; nd < nn; ++nd) {
        spec.is_leaf[nd] = tree.is_leaf(nd);
        spec.value[nd] = lr * tree.value(nd)[0];
        spec.feature[nd] = spec.is_leaf[nd] ? 0 : tree.feature[nd];
        spec.left[nd] = tree.left[nd];
        spec.right[nd] = tree.right[nd];
      }
      trees.push_back(std::move(spec));
    }
  }
  if (!n_features) {
    for (const auto& t : trees) {
      for (std::size_t nd = 0; nd < t.feature.size(); ++nd) n_features = std::max<std::size_t>(n_features, t.feature[nd] + 1);
    }
    e->input.n_features = n_features;
  }
  ReadInit(f, e.get());
  auto forest = std::make_shared<kernels::HgbForest>(n_features, K, e->init_est ? std::vector<double>(K, 0.0) : e->init_raw,
                                                     std::vector<std::vector<std::uint32_t>>{}, false);
  for (std::size_t i = 0; i < trees.size(); ++i) {
    std::string err = forest->Add(trees[i]);
    if (!err.empty()) throw Error::InvalidModel(fmt::format("{}[{}, {}].tree_.nodes: {}", f.At("estimators_"), i / K, i % K, err));
  }
  e->trees = std::move(forest);
  return e;
}

// ---------------------------------------------------------------------------------------------
// AdaBoost

namespace {

class AdaBoostClassifier : public Estimator {
 public:
  std::vector<std::shared_ptr<const Estimator>> estimators;
  std::vector<double> weights;  // estimator_weights_ (all of it: its sum normalises)
  double weight_sum = 0;        // numpy's sum of estimator_weights_
  bool samme_r = false;
  bool samme_symmetric = false;  // >= 1.4: SAMME votes -w/(K-1) for the other classes
  bool old_proba = false;        // < 0.22: predict_proba from the weighted class probabilities
  std::unordered_map<std::string, std::size_t> class_index;

  bool Has(Method m) const override {
    return m == Method::kPredict || m == Method::kPredictProba || m == Method::kPredictLogProba || m == Method::kDecisionFunction;
  }

  // Each estimator's predicted class index per row.
  std::vector<std::size_t> PredictedIndex(const Estimator& est, const Table& x, std::size_t i) const {
    Output o = est.Run(Method::kPredict, x);
    if (!o.labels || o.labels->size() != x.rows) {
      throw Error::InvalidModel(fmt::format("{}.estimators_[{}]: predict did not give one label per row", path, i));
    }
    std::vector<std::size_t> idx(x.rows);
    for (std::size_t r = 0; r < x.rows; ++r) {
      auto it = class_index.find(o.labels->Text(r));
      idx[r] = it == class_index.end() ? SIZE_MAX : it->second;  // a label outside classes_ matches none
    }
    return idx;
  }

  std::vector<double> EstimatorProba(const Estimator& est, const Table& x, std::size_t i) const {
    Output o = est.Run(Method::kPredictProba, x);
    const std::size_t C = classes->size();
    if (o.cols != C || o.values.size() != x.rows * C) {
      throw Error::InvalidModel(fmt::format("{}.estimators_[{}]: predict_proba gave {} columns for {} classes", path, i, o.cols, C));
    }
    return std::move(o.values);
  }

  // _samme_proba: (K - 1) * (log p - mean-free), p clipped below at eps.
  void AddSammeProba(std::vector<double> p, std::size_t n, std::vector<double>& acc) const {
    const std::size_t C = classes->size();
    for (double& v : p) v = std::log(std::max(v, kEps64));
    for (std::size_t r = 0; r < n; ++r) {
      double* lp = p.data() + r * C;
      double s = kernels::PairwiseSum(lp, C);
      for (std::size_t j = 0; j < C; ++j) acc[r * C + j] += static_cast<double>(C - 1) * (lp[j] - (1.0 / static_cast<double>(C)) * s);
    }
  }

  // (n, C) before the binary reduction.
  std::vector<double> Votes(const Table& x) const {
    const std::size_t n = x.rows, C = classes->size();
    std::vector<double> acc(n * C, 0.0);
    for (std::size_t i = 0; i < estimators.size(); ++i) {
      if (samme_r) {
        AddSammeProba(EstimatorProba(*estimators[i], x, i), n, acc);
        continue;
      }
      std::vector<std::size_t> idx = PredictedIndex(*estimators[i], x, i);
      const double w = weights[i];
      const double other = samme_symmetric ? -1.0 / static_cast<double>(C - 1) * w : 0.0;
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t j = 0; j < C; ++j) acc[r * C + j] += idx[r] == j ? w : other;
      }
    }
    return acc;
  }

  std::vector<double> Decision(const Table& x) const {
    const std::size_t n = x.rows, C = classes->size();
    std::vector<double> pred = Votes(x);
    for (double& v : pred) v /= weight_sum;
    if (C != 2) return pred;
    std::vector<double> d(n);
    for (std::size_t r = 0; r < n; ++r) d[r] = -pred[2 * r] + pred[2 * r + 1];
    return d;
  }

  std::vector<double> Proba(const Table& x) const {
    const std::size_t n = x.rows, C = classes->size();
    if (old_proba) {
      // scikit-learn < 0.22: weighted mean of the estimators' probabilities (SAMME) or of their
      // SAMME.R terms, exp((1 / (K - 1)) * mean), normalised per row.
      std::vector<double> acc(n * C, 0.0);
      for (std::size_t i = 0; i < estimators.size(); ++i) {
        std::vector<double> p = EstimatorProba(*estimators[i], x, i);
        if (samme_r) {
          AddSammeProba(std::move(p), n, acc);
        } else {
          for (std::size_t j = 0; j < n * C; ++j) acc[j] += p[j] * weights[i];
        }
      }
      for (double& v : acc) v /= weight_sum;
      for (double& v : acc) v = std::exp((1.0 / static_cast<double>(C - 1)) * v);
      for (std::size_t r = 0; r < n; ++r) {
        double s = kernels::PairwiseSum(acc.data() + r * C, C);
        if (s == 0) s = 1;
        for (std::size_t j = 0; j < C; ++j) acc[r * C + j] /= s;
      }
      return acc;
    }
    std::vector<double> d = Decision(x);
    std::vector<double> p(n * C);
    if (C == 2) {
      std::vector<double> two(2 * n);
      for (std::size_t r = 0; r < n; ++r) {
        two[2 * r] = -d[r] / 2;
        two[2 * r + 1] = d[r] / 2;
      }
      kernels::SoftmaxRows(two.data(), n, 2, false, p.data());
    } else {
      for (double& v : d) v /= static_cast<double>(C - 1);
      kernels::SoftmaxRows(d.data(), n, C, true, p.data());
    }
    return p;
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    if (input.n_features && x.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, x.cols));
    }
    const std::size_t n = x.rows, C = classes->size();
    switch (m) {
      case Method::kDecisionFunction: {
        std::vector<double> d = Decision(x);
        return NumericOutput(n, C == 2 ? 0 : C, std::move(d));
      }
      case Method::kPredict: {
        std::vector<double> d = Decision(x);
        std::vector<std::size_t> idx(n);
        for (std::size_t r = 0; r < n; ++r) {
          if (C == 2) {
            idx[r] = d[r] > 0 ? 1 : 0;
            continue;
          }
          const double* s = d.data() + r * C;
          std::size_t best = 0;
          for (std::size_t j = 1; j < C; ++j) {
            if (s[j] > s[best] || (std::isnan(s[j]) && !std::isnan(s[best]))) best = j;
          }
          idx[r] = best;
        }
        return boosting::LabelsOutput(*classes, std::move(idx));
      }
      default: {
        std::vector<double> p = Proba(x);
        if (m == Method::kPredictLogProba) {
          for (double& v : p) v = std::log(v);
        }
        return boosting::ProbaOutput(*classes, n, std::move(p));
      }
    }
  }
};

class AdaBoostRegressor : public Estimator {
 public:
  std::vector<std::shared_ptr<const Estimator>> estimators;
  std::vector<double> weights;

  bool Has(Method m) const override { return m == Method::kPredict; }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    if (input.n_features && x.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, x.cols));
    }
    const std::size_t n = x.rows, E = estimators.size();
    std::vector<double> pred(n * E);  // (n, E) as numpy's predictions.T
    for (std::size_t i = 0; i < E; ++i) {
      Output o = estimators[i]->Run(Method::kPredict, x);
      if (o.labels || o.values.size() != n) {
        throw Error::InvalidModel(fmt::format("{}.estimators_[{}]: predict did not give one value per row", path, i));
      }
      for (std::size_t r = 0; r < n; ++r) pred[r * E + i] = o.values[r];
    }
    // Weighted median: sort each row's predictions (NaN last, as numpy), cumulate the weights in
    // that order, take the first estimator whose cumulative weight reaches half the total.
    std::vector<double> y(n);
    std::vector<std::size_t> order(E);
    std::vector<double> cdf(E);
    for (std::size_t r = 0; r < n; ++r) {
      const double* p = pred.data() + r * E;
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (std::isnan(p[a])) return false;
        if (std::isnan(p[b])) return true;
        return p[a] < p[b];
      });
      double c = 0;
      for (std::size_t j = 0; j < E; ++j) cdf[j] = (c += weights[order[j]]);
      const double half = 0.5 * cdf[E - 1];
      std::size_t med = 0;
      for (std::size_t j = 0; j < E; ++j) {
        if (cdf[j] >= half) {
          med = j;
          break;
        }
      }
      y[r] = p[order[med]];
    }
    return NumericOutput(n, 0, std::move(y));
  }
};

std::vector<std::shared_ptr<const Estimator>> DecodeEstimatorList(Fields& f, std::string_view name) {
  const Value& v = f.Get(name);
  std::vector<const Value*> items;
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) items = v.items;
  else if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject) items = v.array->objects;
  else f.Fail(name, fmt::format("expected a list of estimators, found {}", v.Repr(40)));
  if (items.empty()) f.Fail(name, "is empty: the model is not fitted");
  std::vector<std::shared_ptr<const Estimator>> out;
  for (std::size_t i = 0; i < items.size(); ++i) out.push_back(f.ctx().Decode(*items[i], fmt::format("{}[{}]", f.At(name), i)));
  return out;
}

}  // namespace

std::shared_ptr<Estimator> DecodeAdaBoostClassifier(Fields& f) {
  auto e = std::make_shared<AdaBoostClassifier>();
  f.ReadCommon(e.get(), true);
  if (!e->classes) f.Fail("classes_", "missing");
  const std::size_t C = e->classes->size();
  if (C < 2) {
    throw Error::Unsupported(fmt::format("{}: AdaBoostClassifier fitted on a single class is not supported", f.path()));
  }
  for (std::size_t c = 0; c < C; ++c) e->class_index.emplace(e->classes->Text(c), c);
  e->estimators = DecodeEstimatorList(f, "estimators_");
  e->weights = f.Doubles("estimator_weights_");
  if (e->weights.size() < e->estimators.size()) {
    f.Fail("estimator_weights_", fmt::format("has {} weights for {} estimators", e->weights.size(), e->estimators.size()));
  }
  e->weight_sum = kernels::PairwiseSum(e->weights.data(), e->weights.size());
  std::string algorithm = f.Has("algorithm") && f.Get("algorithm").is_text() ? f.Str("algorithm") : "SAMME";
  // From 1.6 `algorithm` is deprecated and ignored: every model is SAMME.
  e->samme_r = algorithm == "SAMME.R" && !VersionAtLeast(f.version(), 1, 6);
  if (algorithm != "SAMME" && algorithm != "SAMME.R" && algorithm != "deprecated") {
    f.Fail("algorithm", fmt::format("unknown algorithm '{}'", algorithm));
  }
  e->samme_symmetric = VersionAtLeast(f.version(), 1, 4);
  e->old_proba = !VersionAtLeast(f.version(), 0, 22);
  for (std::size_t i = 0; i < e->estimators.size(); ++i) {
    Method need = e->samme_r || e->old_proba ? Method::kPredictProba : Method::kPredict;
    if (!e->estimators[i]->Has(need)) {
      throw Error::InvalidModel(fmt::format("{}[{}]: has no {}", f.At("estimators_"), i, MethodName(need)));
    }
    if (e->samme_r || e->old_proba) {
      const auto& sub = e->estimators[i]->classes;
      if (sub && !(*sub == *e->classes) && sub->size() != C) {
        throw Error::InvalidModel(fmt::format("{}[{}]: has {} classes, the ensemble {}", f.At("estimators_"), i, sub->size(), C));
      }
    }
  }
  if (!e->input.n_features) e->input = e->estimators[0]->input;
  return e;
}

std::shared_ptr<Estimator> DecodeAdaBoostRegressor(Fields& f) {
  auto e = std::make_shared<AdaBoostRegressor>();
  f.ReadCommon(e.get(), false);
  e->estimators = DecodeEstimatorList(f, "estimators_");
  e->weights = f.Doubles("estimator_weights_");
  if (e->weights.size() < e->estimators.size()) {
    f.Fail("estimator_weights_", fmt::format("has {} weights for {} estimators", e->weights.size(), e->estimators.size()));
  }
  e->weights.resize(e->estimators.size());
  for (std::size_t i = 0; i < e->estimators.size(); ++i) {
    if (!e->estimators[i]->Has(Method::kPredict)) {
      throw Error::InvalidModel(fmt::format("{}[{}]: has no predict", f.At("estimators_"), i));
    }
  }
  if (!e->input.n_features) e->input = e->estimators[0]->input;
  return e;
}

}  // namespace skbridge::est
