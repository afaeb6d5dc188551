// skbridge port, GradientBoosting* (and the loss objects HistGradientBoosting* shares): loss
// objects and parameters across 1.1 / 1.4, multiclass raw-prediction starts.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- 1b. loss objects --------------------------------------------------------------------------
//
// GradientBoosting* held sklearn.ensemble._gb_losses objects up to 1.3 (1.2: _loss, 0.23: loss_)
// and sklearn._loss.loss.Half*Loss objects from 1.4; HistGradientBoosting* held
// sklearn.ensemble._hist_gradient_boosting.loss objects (loss_) up to 1.0 and Half*Loss objects
// (_loss) from 1.1. Prediction reads only the link of the loss (identity / logit / softmax), so the
// target's loss object is built from the source's kind. GradientBoosting's other losses and its
// multiclass models (whose raw predictions start differently across 1.4) are in GbLosses.
Porter::LossKind Porter::KindOfLoss(const Value* loss, std::int64_t* k) {
  const Value* cls = loss && loss->kind == Kind::kObject ? loss->Class() : nullptr;
  if (!cls) return LossKind::kOther;
  std::string name(cls->name);
  const Value* st = StateOf(loss);
  if (const Value* kv = st ? st->Get("n_classes") : nullptr; kv && kv->kind == Kind::kInt) *k = kv->integer;
  if (const Value* kv = st ? st->Get("K") : nullptr; kv && kv->kind == Kind::kInt) *k = kv->integer;
  if (name == "LeastSquaresError" || name == "LeastSquares" || name == "HalfSquaredError") return LossKind::kSquared;
  if (name == "BinomialDeviance" || name == "BinaryCrossEntropy" || name == "HalfBinomialLoss") return LossKind::kBinomial;
  if (name == "MultinomialDeviance" || name == "CategoricalCrossEntropy" || name == "HalfMultinomialLoss") return LossKind::kMultinomial;
  return LossKind::kOther;
}

/// The target's sklearn._loss.loss object of `kind` (n_classes k for multinomial).
Value* Porter::HalfLoss(LossKind kind, std::int64_t k, bool constant_hessian) {
  const double inf = std::numeric_limits<double>::infinity();
  std::string_view cls, cy, link;
  Value *y_true, *y_pred, *n_classes;
  switch (kind) {
    case LossKind::kSquared:
      cls = "HalfSquaredError", cy = "CyHalfSquaredError", link = "IdentityLink";
      y_true = Interval(-inf, inf, false, false), y_pred = Interval(-inf, inf, false, false), n_classes = None();
      break;
    case LossKind::kBinomial:
      cls = "HalfBinomialLoss", cy = "CyHalfBinomialLoss", link = "LogitLink";
      y_true = Interval(0, 1, true, true), y_pred = Interval(0, 1, false, false), n_classes = Int(2);
      break;
    default:
      cls = "HalfMultinomialLoss", cy = "CyHalfMultinomialLoss", link = "MultinomialLogit";
      y_true = Interval(0, inf, true, false), y_pred = Interval(0, 1, false, false), n_classes = Int(k);
      break;
  }
  Value* closs = file_.graph.New(Kind::kObject);  // CyX(): a stateless extension type
  closs->object->form = ObjectForm::kReduce;
  closs->object->callable = Global("sklearn._loss._loss", cy);
  closs->object->args = Tuple({});
  Value* st = Dict({{"closs", closs}, {"link", NewObj("sklearn._loss.link", link, nullptr)}, {"n_classes", n_classes},
                    {"approx_hessian", Bool(false)}, {"constant_hessian", Bool(constant_hessian)},
                    {"interval_y_true", y_true}, {"interval_y_pred", y_pred}});
  if (*target_.sklearn >= Version{1, 9, 0}) {
    Set(st, "xp", None()), Set(st, "device", None());
    if (kind == LossKind::kMultinomial) Set(st, "class_indexing_offsets", None()), Set(st, "y_true_int", None()), Set(st, "y_true_one_hot", None());
  }
  return NewObj("sklearn._loss.loss", cls, st);
}

void Porter::Losses() {
  const Version tgt = *target_.sklearn;
  for (const auto& o : objects_) {
    if (!o.state || !o.class_path.starts_with("sklearn.ensemble.")) continue;
    std::string cls(ShortName(o.class_path));
    bool gb = cls == "GradientBoostingClassifier" || cls == "GradientBoostingRegressor";
    bool hgb = cls == "HistGradientBoostingClassifier" || cls == "HistGradientBoostingRegressor";
    if (!gb && !hgb) continue;
    if (gb && GbLosses(o)) continue;  // absolute / Huber / quantile / exponential / multinomial: GradientBoosting section
    const char* held_key = o.state->Get("_loss") ? "_loss" : o.state->Get("loss_") ? "loss_" : nullptr;
    if (!held_key) continue;
    const Value* held = o.state->Get(held_key);
    const Value* hcls = held->kind == Kind::kObject ? held->Class() : nullptr;
    if (!hcls) continue;
    bool src_half = std::string_view(hcls->text) == "sklearn._loss.loss";
    bool tgt_half = gb ? tgt >= Version{1, 4, 0} : tgt >= Version{1, 1, 0};
    if (src_half == tgt_half) continue;
    std::int64_t k = 1;
    LossKind kind = KindOfLoss(held, &k);
    std::string from = fmt::format("{}.{}", std::string(hcls->text), std::string(hcls->name));
    if (hgb && kind == LossKind::kOther && HgbLinkedLoss(o, held, tgt_half)) continue;
    if (kind == LossKind::kOther) {
      throw Error::Unsupported(fmt::format("{}: its loss {} has no measured counterpart in scikit-learn {}", o.path, from, tgt.Str()));
    }
    Value* loss;
    if (tgt_half) {
      if (const Value* n = o.state->Get("n_trees_per_iteration_"); kind == LossKind::kMultinomial && k < 3 && n && n->kind == Kind::kInt) k = n->integer;
      if (kind == LossKind::kMultinomial && k < 3) throw Error::Unsupported(o.path + ": multiclass loss without its class count");
      loss = HalfLoss(kind, k, hgb && kind == LossKind::kSquared);
    } else if (gb) {
      std::string_view name = kind == LossKind::kSquared ? "LeastSquaresError" : "BinomialDeviance";
      loss = NewObj("sklearn.ensemble._gb_losses", name, Dict({{"K", Int(1)}}));
    } else {
      std::string_view name = kind == LossKind::kSquared ? "LeastSquares" : kind == LossKind::kBinomial ? "BinaryCrossEntropy" : "CategoricalCrossEntropy";
      loss = NewObj("sklearn.ensemble._hist_gradient_boosting.loss", name, Dict({{"hessians_are_constant", Bool(kind == LossKind::kSquared)}}));
    }
    // the key the target reads: GB 0.23 loss_, 1.2+ _loss; HGB 0.23 loss_, 1.1+ _loss
    std::string key = tgt < Version{1, 0, 0} ? "loss_" : "_loss";
    std::erase_if(o.state->entries, [](const auto& e) { return e.first->is_text() && (e.first->text == "_loss" || e.first->text == "loss_"); });
    Set(o.state, key, loss);
    if (gb && tgt_half && !o.state->Get("n_trees_per_iteration_")) Set(o.state, "n_trees_per_iteration_", Int(1));
    if (hgb && kind == LossKind::kMultinomial) {
      // raw predictions: (n_trees_per_iteration, n_samples) before 1.0, (n_samples, K) after; the
      // baseline (K, 1) <-> (1, K) holds the same numbers in the same order
      const Value* b = o.state->Get("_baseline_prediction");
      if (!b || b->kind != Kind::kArray || b->array->ndim() != 2) throw Error::Unsupported(o.path + ": multiclass baseline is not a 2-d array");
      auto out = std::make_shared<NdArray>(*b->array);
      if (out->shape[0] != 1 && out->shape[1] != 1) throw Error::Unsupported(o.path + ": unexpected multiclass baseline shape");
      std::swap(out->shape[0], out->shape[1]);
      out->fortran_order = false;
      Set(o.state, "_baseline_prediction", ArrayValue(out));
    }
    const Value* param = o.state->Get("loss");
    if (param && param->is_text()) {
      std::string p(param->text), np = p;
      if (tgt >= Version{1, 2, 0} && p == "ls") np = "squared_error";
      if (tgt >= Version{1, 3, 0} && p == "deviance") np = "log_loss";
      if (tgt < Version{1, 0, 0} && p == "squared_error") np = gb ? "ls" : "least_squares";
      if (tgt < Version{1, 0, 0} && p == "log_loss") np = gb ? "deviance" : kind == LossKind::kBinomial ? "binary_crossentropy" : "categorical_crossentropy";
      if (!gb && tgt >= Version{1, 0, 0} && p == "least_squares") np = "squared_error";
      if (!gb && tgt >= Version{1, 1, 0} && (p == "binary_crossentropy" || p == "categorical_crossentropy")) np = "log_loss";
      if (np != p) Set(o.state, "loss", Str(np));
    }
    Change(o.path, fmt::format("{} {} -> {}.{} (the same link: identity / logit / softmax)", held_key, from,
                               std::string(loss->Class()->text), std::string(loss->Class()->name)));
  }
}

// ---- GradientBoosting losses beyond squared error / log loss ----------------------------------
//
// Prediction reads only the loss's link and, for classifiers, its probability mapping:
//   regressors (<= 1.3 RegressionLossFunction.get_init_raw_predictions, >= 1.4 _init_raw_predictions
//   with an identity link): init_.predict(X) + the trees, whatever the loss;
//   exponential: 0.5 * log(p / (1 - p)) of init_ (<= 1.3 ExponentialLoss) = HalfLogitLink.link (>= 1.4),
//   probabilities expit(2 * raw) in both (ExponentialLoss._raw_prediction_to_proba / predict_proba);
//   multinomial: see ShiftFirstStage.
// The loss parameters are carried over as fit left them: alpha (<= 1.3) = quantile (>= 1.4; 1.4
// PinballLoss keeps it in CyPinballLoss.quantile), Huber's gamma (<= 1.3) = CyHuberLoss.delta
// (>= 1.4 set_huber_delta, the same alpha-percentile of the residuals).

/// GradientBoosting's loss parameter under the target's name: 1.0 renamed 'ls' / 'lad' to
/// 'squared_error' / 'absolute_error' (the old names removed in 1.2), 1.1 'deviance' to 'log_loss'
/// (removed in 1.3).
void Porter::GbLossParam(const Obj& o) {
  const Value* param = o.state->Get("loss");
  if (!param || !param->is_text()) return;
  const Version tgt = *target_.sklearn;
  static const std::map<std::string, std::string> kOld = {{"squared_error", "ls"}, {"absolute_error", "lad"}, {"log_loss", "deviance"}};
  std::string p(param->text), np = p;
  if (tgt < Version{1, 0, 0} && kOld.count(p)) np = kOld.at(p);
  for (const auto& [renamed, old] : kOld) {
    if (p == old && tgt >= (old == "deviance" ? Version{1, 3, 0} : Version{1, 2, 0})) np = renamed;
  }
  if (np == p) return;
  Set(o.state, "loss", Str(np));
  Change(o.path, fmt::format("loss '{}' -> '{}' (its name in scikit-learn {})", p, np, tgt.Str()));
}

Porter::GbKind Porter::GbKindOf(std::string_view name) {
  if (name == "LeastAbsoluteError" || name == "AbsoluteError") return GbKind::kAbsolute;
  if (name == "HuberLossFunction" || name == "HuberLoss") return GbKind::kHuber;
  if (name == "QuantileLossFunction" || name == "PinballLoss") return GbKind::kQuantile;
  if (name == "ExponentialLoss") return GbKind::kExponential;
  if (name == "MultinomialDeviance" || name == "HalfMultinomialLoss") return GbKind::kMultinomial;
  return GbKind::kNone;
}

/// A GradientBoosting model's loss parameter, and its loss object when that is not squared error
/// or binary log loss (which Losses ports) across 1.4. True when the loss was handled here.
bool Porter::GbLosses(const Obj& o) {
  GbLossParam(o);
  const Version tgt = *target_.sklearn;
  const char* held_key = o.state->Get("_loss") ? "_loss" : o.state->Get("loss_") ? "loss_" : nullptr;
  const Value* held = held_key ? o.state->Get(held_key) : nullptr;
  const Value* hcls = held && held->kind == Kind::kObject ? held->Class() : nullptr;
  if (!hcls) return false;
  bool src_half = std::string_view(hcls->text) == "sklearn._loss.loss", tgt_half = tgt >= Version{1, 4, 0};
  GbKind kind = GbKindOf(hcls->name);
  if (src_half == tgt_half || kind == GbKind::kNone) return false;
  std::int64_t k = 1;
  if (kind == GbKind::kMultinomial) KindOfLoss(held, &k);
  Value* loss = GbLoss(o, held, kind, k, tgt_half);
  // the key the target reads: 0.23 loss_, 1.1+ _loss
  std::erase_if(o.state->entries, [](const auto& e) { return e.first->is_text() && (e.first->text == "_loss" || e.first->text == "loss_"); });
  Set(o.state, tgt < Version{1, 0, 0} ? "loss_" : "_loss", loss);
  if (tgt_half && !o.state->Get("n_trees_per_iteration_")) Set(o.state, "n_trees_per_iteration_", Int(kind == GbKind::kMultinomial ? k : 1));
  Change(o.path, fmt::format("{} {}.{} -> {}.{}", held_key, std::string(hcls->text), std::string(hcls->name), std::string(loss->Class()->text),
                             std::string(loss->Class()->name)));
  return true;
}

/// The double parameter of a pickled CyHuberLoss / CyPinballLoss: CyX(param) (1.9 __reduce__) or
/// __pyx_unpickle_CyX(CyX, checksum, (param,)) (1.4 Cython auto-pickle).
std::optional<double> Porter::CyParam(const Value* closs) {
  if (!closs || closs->kind != Kind::kObject || !closs->object->args || closs->object->args->kind != Kind::kTuple) return std::nullopt;
  const Value* args = closs->object->args;
  if (args->items.size() == 3 && args->items[2]->kind == Kind::kTuple) args = args->items[2];
  if (args->items.size() != 1) return std::nullopt;
  const Value* v = args->items[0];
  if (v->kind == Kind::kFloat) return v->real;
  return std::nullopt;
}

Value* Porter::CyLoss(std::string_view cls, std::optional<double> param) {
  Value* c = file_.graph.New(Kind::kObject);  // CyX() / CyX(param): the constructor of 1.4 and 1.9 alike
  c->object->form = ObjectForm::kReduce;
  c->object->callable = Global("sklearn._loss._loss", cls);
  c->object->args = param ? Tuple({Float(*param)}) : Tuple({});
  return c;
}

/// The target's loss object for a GradientBoosting absolute / Huber / quantile / exponential /
/// multinomial loss; the multinomial one also moves the init offset into the first stage.
Value* Porter::GbLoss(const Obj& o, const Value* held, GbKind kind, std::int64_t k, bool tgt_half) {
  const Value* held_state = StateOf(held);
  std::optional<double> alpha, gamma;
  if (held_state) {
    alpha = AsReal(held_state->Get("alpha"));                                   // <= 1.3 Huber / Quantile
    if (!alpha) alpha = AsReal(held_state->Get("quantile"));                     // >= 1.4 HuberLoss
    if (!alpha && kind == GbKind::kQuantile) alpha = CyParam(held_state->Get("closs"));  // >= 1.4 PinballLoss
    gamma = AsReal(held_state->Get("gamma"));                                   // <= 1.3 Huber
    if (!gamma && kind == GbKind::kHuber) gamma = CyParam(held_state->Get("closs"));     // >= 1.4 HuberLoss
  }
  if (!alpha) alpha = AsReal(o.state->Get("alpha"));  // the estimator's parameter, which fit passed on
  if ((kind == GbKind::kHuber || kind == GbKind::kQuantile) && !alpha) {
    throw Error::Unsupported(o.path + ": a quantile / Huber gradient boosting loss without its alpha");
  }
  if (kind == GbKind::kMultinomial) {
    if (k < 3) {
      const Value* n = o.state->Get("n_classes_");
      if (n && n->kind == Kind::kInt) k = n->integer;
    }
    if (k < 3) throw Error::Unsupported(o.path + ": multiclass loss without its class count");
    ShiftFirstStage(o, k, /*from_symmetric=*/!tgt_half);
  }
  const double inf = std::numeric_limits<double>::infinity();
  if (!tgt_half) {
    std::string_view name;
    Value* st = Dict({{"K", Int(kind == GbKind::kMultinomial ? k : 1)}});
    switch (kind) {
      case GbKind::kAbsolute: name = "LeastAbsoluteError"; break;
      case GbKind::kHuber:
        name = "HuberLossFunction";
        Set(st, "alpha", Float(*alpha)), Set(st, "gamma", gamma ? static_cast<const Value*>(Float(*gamma)) : None());
        break;
      case GbKind::kQuantile:
        name = "QuantileLossFunction";
        Set(st, "alpha", Float(*alpha)), Set(st, "percentile", Float(*alpha * 100));  // <= 1.3 __init__: alpha * 100
        break;
      case GbKind::kExponential: name = "ExponentialLoss"; break;
      default: name = "MultinomialDeviance"; break;
    }
    return NewObj("sklearn.ensemble._gb_losses", name, st);
  }
  if (kind == GbKind::kMultinomial) return HalfLoss(LossKind::kMultinomial, k, false);
  // >= 1.4 BaseLoss.__init__ plus each class's __init__ (1.4 / 1.9 loss.py); GradientBoosting always
  // passes a sample_weight array, so constant_hessian is False
  std::string_view cls, link = "IdentityLink";
  Value* closs;
  Value* n_classes = None();
  Value* y_true = Interval(-inf, inf, false, false);
  Value* y_pred = Interval(-inf, inf, false, false);
  bool approx_hessian = true;
  switch (kind) {
    case GbKind::kAbsolute: cls = "AbsoluteError", closs = CyLoss("CyAbsoluteError", std::nullopt); break;
    case GbKind::kHuber: cls = "HuberLoss", closs = CyLoss("CyHuberLoss", gamma.value_or(0.5)); break;
    case GbKind::kQuantile: cls = "PinballLoss", closs = CyLoss("CyPinballLoss", *alpha); break;
    default:
      cls = "ExponentialLoss", closs = CyLoss("CyExponentialLoss", std::nullopt), link = "HalfLogitLink", n_classes = Int(2);
      y_true = Interval(0, 1, true, true), y_pred = Interval(0, 1, false, false), approx_hessian = false;
      break;
  }
  Value* st = Dict({{"closs", closs}, {"link", NewObj("sklearn._loss.link", link, nullptr)}, {"n_classes", n_classes},
                    {"approx_hessian", Bool(approx_hessian)}, {"constant_hessian", Bool(false)},
                    {"interval_y_true", y_true}, {"interval_y_pred", y_pred}});
  if (kind == GbKind::kHuber) Set(st, "quantile", Float(*alpha));  // HuberLoss keeps it outside Cython
  if (*target_.sklearn >= Version{1, 9, 0}) Set(st, "xp", None()), Set(st, "device", None());
  return NewObj("sklearn._loss.loss", cls, st);
}

// Multiclass GradientBoostingClassifier: the raw predictions start from link(p) of init_'s
// predict_proba p (clipped to [eps, 1 - eps], eps = float32 eps), then add learning_rate times
// each stage's tree leaf. <= 1.3 (MultinomialDeviance.get_init_raw_predictions) links with log p,
// >= 1.4 (MultinomialLogit.link) with log(p / gmean(p)), the symmetric multinomial logit. With
// the default init_, DummyClassifier(strategy='prior'), p is class_prior_ for every row, so the
// two starts differ by a constant per class, d_k = (source link - target link)_k: adding
// d_k / learning_rate to every node value of the first-stage tree of class k makes the target
// add exactly that (up to rounding) to every row, so decision_function, predict_proba and every
// staged output are the source's. init_ 'zero' starts from 0 in every version.
void Porter::ShiftFirstStage(const Obj& o, std::int64_t k, bool from_symmetric) {
  const Value* init = o.state->Get("init_");
  if (init && init->is_text() && init->text == "zero") return;
  const Value* init_state = StateOf(init);
  const Value* strategy = init_state ? init_state->Get("strategy") : nullptr;
  const Value* prior = init_state ? init_state->Get("class_prior_") : nullptr;
  if (!init || !init->GlobalPath().ends_with(".DummyClassifier") || !strategy || !strategy->is_text() || strategy->text != "prior") {
    throw Error::Unsupported(fmt::format(
        "{}: a multiclass gradient boosting model whose init_ is {} (not DummyClassifier(strategy='prior')): scikit-learn >= 1.4 "
        "starts the raw predictions from the symmetric multinomial logit of init_'s probabilities, earlier versions from their log, "
        "and only a constant init_ lets the difference be folded into the first-stage trees",
        o.path, init ? init->Repr() : "missing"));
  }
  if (!prior || prior->kind != Kind::kArray || prior->array->dtype.kind != DTypeKind::kFloat || prior->array->dtype.itemsize != 8 ||
      prior->array->size() != k) {
    throw Error::Unsupported(o.path + ".init_: class_prior_ is not a float64 array of one probability per class");
  }
  auto lr = AsReal(o.state->Get("learning_rate"));
  if (!lr || *lr == 0) throw Error::Unsupported(o.path + ": learning_rate is not a non-zero number");
  const Value* est = o.state->Get("estimators_");
  if (!est || est->kind != Kind::kArray || est->array->dtype.kind != DTypeKind::kObject || est->array->ndim() != 2 ||
      est->array->shape[1] != k || est->array->shape[0] < 1) {
    throw Error::Unsupported(o.path + ": estimators_ is not an object array of one tree per class per stage");
  }
  const double eps = std::ldexp(1.0, -23);  // np.finfo(np.float32).eps
  std::vector<double> logp(static_cast<std::size_t>(k));
  double mean = 0;
  for (std::int64_t c = 0; c < k; ++c) {
    logp[c] = std::log(std::clamp(prior->array->view<double>()[c], eps, 1 - eps));
    mean += logp[c];
  }
  const double gm = std::exp(mean / static_cast<double>(k));  // scipy.stats.gmean
  const std::int64_t stages = est->array->shape[0];
  for (std::int64_t c = 0; c < k; ++c) {
    double p = std::clamp(prior->array->view<double>()[c], eps, 1 - eps);
    double symmetric = std::log(p / gm), plain = logp[c];
    double shift = (from_symmetric ? symmetric - plain : plain - symmetric) / *lr;
    const Value* tree_est = est->array->objects[static_cast<std::size_t>(est->array->fortran_order ? c * stages : c)];
    const Value* tree = StateOf(tree_est) ? StateOf(tree_est)->Get("tree_") : nullptr;
    Value* tree_state = Mut(StateOf(tree));
    const Value* values = tree_state ? tree_state->Get("values") : nullptr;
    if (!values || values->kind != Kind::kArray || values->array->dtype.kind != DTypeKind::kFloat || values->array->dtype.itemsize != 8 ||
        values->array->size() != values->array->shape[0]) {
      throw Error::Unsupported(fmt::format("{}.estimators_[0, {}]: not a single-output regression tree", o.path, c));
    }
    auto out = CopyHeader(*values->array);
    out->dtype = values->array->dtype;
    Allocate(out.get(), values->array->nbytes);
    auto src = values->array->view<double>();
    auto* dst = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
    for (std::size_t i = 0; i < src.size(); ++i) dst[i] = src[i] + shift;
    Set(tree_state, "values", ArrayValue(out));
  }
  Change(o.path, fmt::format("first-stage tree values shifted by (log p - log(p / gmean p)) / learning_rate per class: scikit-learn {} "
                             "starts the raw predictions from {} of init_'s class prior",
                             target_.sklearn->Str(), from_symmetric ? "log p" : "the symmetric multinomial logit"));
}

// ---- GradientBoosting init_ before 0.21 ----------------------------------------------------------
//
// Up to 0.20 a fitted GradientBoosting* held its start value in an estimator of
// sklearn.ensemble.gradient_boosting (0.20 gradient_boosting.py): MeanEstimator{mean} and
// QuantileEstimator{alpha, quantile} predict that constant, LogOddsEstimator{prior} /
// ScaledLogOddsEstimator{prior} (exponential loss, scale 0.5) predict prior = scale * log(pos/neg),
// ZeroEstimator predicts 0. 0.21 removed them; its losses start from a Dummy* init_ instead
// (get_init_raw_predictions: the regressor's predict, or scale * log(p / (1 - p)) of the
// classifier's predict_proba), or from zeros with init_ = 'zero'. So each becomes the Dummy* that
// reproduces its start value. PriorProbabilityEstimator (multiclass) started from the priors
// themselves, where 0.21+ starts from their log: no Dummy* expresses that.
void Porter::LegacyInitEstimators() {
  for (const auto& o : objects_) {
    if (!o.state || !ShortName(o.class_path).starts_with("GradientBoosting")) continue;
    const Value* init = o.state->Get("init_");
    const Value* cls = init && init->kind == Kind::kObject ? init->Class() : nullptr;
    if (!cls || !std::string_view(cls->text).ends_with("gradient_boosting")) continue;
    const std::string name(cls->name);
    const Value* st = StateOf(init);
    auto number = [&](const char* key) -> double {
      auto v = AsReal(st ? st->Get(key) : nullptr);
      if (!v) throw Error::Unsupported(fmt::format("{}.init_: a {} without a numeric {}", o.path, name, key));
      return *v;
    };
    const Value* version = o.state->Get("_sklearn_version");
    Value* dummy = nullptr;
    if (name == "MeanEstimator" || name == "QuantileEstimator") {
      double value = number(name == "MeanEstimator" ? "mean" : "quantile");
      auto constant = std::make_shared<NdArray>();
      constant->shape = {1, 1};
      Allocate(constant.get(), sizeof(double));
      std::memcpy(const_cast<std::byte*>(constant->data), &value, sizeof(double));
      Value* d = Dict({{"strategy", Str(name == "MeanEstimator" ? "mean" : "quantile")},
                       {"constant", None()},
                       {"quantile", name == "MeanEstimator" ? None() : Float(number("alpha"))},
                       {"constant_", ArrayValue(constant)},
                       {"n_outputs_", Int(1)}});
      if (version) Set(d, "_sklearn_version", version);
      dummy = NewObj("sklearn.dummy", "DummyRegressor", d);
    } else if (name == "LogOddsEstimator" || name == "ScaledLogOddsEstimator") {
      const double scale = name == "ScaledLogOddsEstimator" ? 0.5 : 1.0;
      const double prior = number("prior");
      const double p = 1.0 / (1.0 + std::exp(-prior / scale));
      const double eps = std::ldexp(1.0, -23);  // 0.21+ clips p to [float32 eps, 1 - eps]
      if (!(p > eps && p < 1 - eps)) {
        throw Error::Unsupported(fmt::format("{}.init_: a {} with prior {} (a class probability below float32 eps), which 0.21+ "
                                             "clips: no DummyClassifier reproduces it",
                                             o.path, name, prior));
      }
      const Value* classes = o.state->Get("classes_");
      if (!classes || classes->kind != Kind::kArray || classes->array->size() != 2) {
        throw Error::Unsupported(o.path + ": a binary gradient boosting classifier without its two classes_");
      }
      Value* d = Dict({{"strategy", Str("prior")}, {"_strategy", Str("prior")}, {"random_state", None()}, {"constant", None()},
                       {"classes_", classes}, {"n_classes_", Int(2)}, {"class_prior_", Float64Array({1.0 - p, p})},
                       {"n_outputs_", Int(1)}, {"sparse_output_", Bool(false)}});
      if (version) Set(d, "_sklearn_version", version);
      dummy = NewObj("sklearn.dummy", "DummyClassifier", d);
    } else if (name == "ZeroEstimator") {
      Set(o.state, "init_", Str("zero"));
      Change(o.path, "init_ ZeroEstimator -> 'zero' (0.21+: zero start values)");
      continue;
    } else {
      throw Error::Unsupported(fmt::format("{}.init_: {}.{} (scikit-learn <= 0.20) started the raw predictions from the class priors "
                                           "themselves; 0.21+ starts from their log, and no init_ reproduces that",
                                           o.path, std::string(cls->text), name));
    }
    Set(o.state, "init_", dummy);
    Change(o.path, fmt::format("init_ {} -> {} (the same start value; 0.21 removed the 0.20 init estimators)", name,
                               std::string(dummy->Class()->name)));
  }
}

}  // namespace skbridge::port_detail
