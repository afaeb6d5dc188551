// skbridge port: rewrite a model's pickled state for another scikit-learn / numpy / Python / joblib.
//
// The transforms, in order (each records PortChanges with the object path it touched):
//   1. refusals the doctor already knows are not portable (silent behaviour changes);
//   2. globals: numpy.core <-> numpy._core by target numpy major; every scikit-learn / scipy global
//      the target does not resolve is renamed to the module path under which the same name resolves
//      there (measured knowledge, src/compat/data); a name with no such path is a refusal;
//   3. tree nodes 7 <-> 8 fields (missing_go_to_left), classifier tree values counts -> fractions;
//   4. attributes the target reads or always holds that the source lacks, from a table of
//      derivations (n_features_in_ <-> n_features_, estimator <-> base_estimator, ...);
//   5. writer options: pickle protocol, numpy paths, joblib alignment;
//   6. the doctor on the result: any remaining load / predict failure is a refusal.
#include "skbridge/port.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "compat/knowledge.h"
#include "compat/rules.h"
#include "pickle/walk.h"
#include "skbridge/error.h"

namespace skbridge {
namespace {

using compat::EnvKnowledge;

Value* Mut(const Value* v) { return const_cast<Value*>(v); }  // the graph is ours to edit

std::string_view ShortName(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

struct Obj {
  std::string path;
  Value* object;
  std::string class_path;
  Value* state;  ///< the state dict, or nullptr
};

class Porter {
 public:
  Porter(ModelFile& file, const Target& target, const PortOptions& options) : file_(file), target_(target), options_(options) {}

  PortReport Run() {
    if (!target_.sklearn) throw Error::InvalidInput("port: the target needs sklearn=VERSION");
    env_ = compat::FindEnvironment(*target_.sklearn);
    if (!env_) {
      std::string known;
      for (const auto& e : compat::KnownEnvironments()) known += (known.empty() ? "" : ", ") + e.sklearn.Str();
      throw Error::Unsupported(fmt::format("no measured knowledge of scikit-learn {} (known: {}): cannot port faithfully",
                                           target_.sklearn->Str(), known));
    }
    numpy_ = target_.numpy.value_or(env_->numpy);
    python_ = target_.python.value_or(env_->python);
    joblib_ = target_.joblib.value_or(env_->joblib);
    if (!file_.missing_side_files.empty()) throw Error::Unsupported("legacy joblib side files are missing: " + file_.missing_side_files[0]);

    // 1. what the doctor already knows cannot be ported. Findings about the file as a whole
    // (globals, numpy paths, protocol, container) are left to the stages below, which rewrite or
    // drop those globals first and refuse precisely on what remains.
    DoctorReport before = Doctor(file_, target_);
    for (const auto& f : before.findings) {
      if (f.path == "file") continue;
      if (!f.portable) throw Error::Unsupported(fmt::format("{}: {} ({})", f.path, f.message, f.change));
    }
    Collect();
    RefuseLostBehaviour();
    Glms();
    AdaBoostSamme();
    Losses();
    CyPickles();
    RemainderColumnLists();
    PassthroughScorers();
    SgdLossObjects();
    ScipyLayouts();
    NumpyRemovedAliases();
    RenameGlobals();
    RandomStates();
    Collect();  // class paths changed
    Trees();
    HistGradientBoosting();
    Attributes();
    Versions();
    ChooseWriteOptions();
    RefreshGlobals();
    Verify();
    report_.target = target_;
    return std::move(report_);
  }

 private:
  void Change(std::string path, std::string what) { report_.changes.push_back({std::move(path), std::move(what)}); }

  // Behaviour the source offers that no state of the target's class can express (measured live):
  // methods the target's class lacks, and a prediction rule it does not have. Refused, naming it.
  void RefuseLostBehaviour() {
    const Version tgt = *target_.sklearn;
    auto written = [](const Obj& o) -> std::optional<Version> {
      const Value* v = o.state ? o.state->Get("_sklearn_version") : nullptr;
      return v && v->is_text() ? Version::Parse(v->text) : std::nullopt;
    };
    auto text_is = [](const Obj& o, std::string_view key, std::string_view value) {
      const Value* v = o.state ? o.state->Get(key) : nullptr;
      return v && v->is_text() && v->text == value;
    };
    struct Rule {
      std::string_view cls;
      std::function<bool(const Obj&, const Version& src)> applies;
      std::string_view reason;
    };
    const Version v1_3{1, 3, 0}, v1_5{1, 5, 0};
    const std::vector<Rule> rules = {
        {"NearestCentroid", [&](const Obj& o, const Version& s) { return s >= v1_5 && tgt < v1_5 && text_is(o, "metric", "euclidean"); },
         "with metric 'euclidean' the original offers decision_function, predict_proba and predict_log_proba (added in 1.5), "
         "which the target's NearestCentroid does not have"},
        {"NearestCentroid", [&](const Obj& o, const Version& s) { return s >= v1_5 && tgt < v1_5 && !NearestCentroidUniform(o); },
         "its class priors are not uniform: 1.5+ predict takes the prior-weighted discriminant, the target the plain nearest centroid"},
        {"ClassifierChain", [&](const Obj&, const Version& s) { return s >= v1_3 && tgt < v1_3; },
         "the original offers predict_log_proba (added to ClassifierChain in 1.3), which the target's ClassifierChain does not have"},
    };
    for (const auto& o : objects_) {
      auto src = written(o);
      if (!src) continue;
      std::string_view name = ShortName(o.class_path);
      for (const auto& r : rules) {
        if (name == r.cls && r.applies(o, *src)) {
          throw Error::Unsupported(fmt::format("{}: no faithful port of {} from scikit-learn {} to {}: {}", o.path, o.class_path,
                                               src->Str(), tgt.Str(), r.reason));
        }
      }
    }
  }

  // ---- 1b. loss objects --------------------------------------------------------------------------
  //
  // GradientBoosting* held sklearn.ensemble._gb_losses objects up to 1.3 (1.2: _loss, 0.23: loss_)
  // and sklearn._loss.loss.Half*Loss objects from 1.4; HistGradientBoosting* held
  // sklearn.ensemble._hist_gradient_boosting.loss objects (loss_) up to 1.0 and Half*Loss objects
  // (_loss) from 1.1. Prediction reads only the link of the loss (identity / logit / softmax), so the
  // target's loss object is built from the source's kind. GradientBoosting's other losses and its
  // multiclass models (whose raw predictions start differently across 1.4) are in GbLosses.
  enum class LossKind { kSquared, kBinomial, kMultinomial, kOther };

  LossKind KindOfLoss(const Value* loss, std::int64_t* k) {
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

  Value* NewObj(std::string_view module, std::string_view name, Value* state) {
    Value* v = file_.graph.New(Kind::kObject);
    v->object->form = ObjectForm::kNewObj;
    v->object->callable = Global(module, name);
    v->object->args = Tuple({});
    v->object->state = state;
    return v;
  }
  Value* Dict(std::vector<std::pair<std::string_view, const Value*>> items) {
    Value* d = file_.graph.New(Kind::kDict);
    for (auto& [k, v] : items) d->entries.emplace_back(Str(k), v);
    return d;
  }
  Value* Interval(double low, double high, bool low_inc, bool high_inc) {
    return NewObj("sklearn._loss.link", "Interval",
                  Dict({{"low", Float(low)}, {"high", Float(high)}, {"low_inclusive", Bool(low_inc)}, {"high_inclusive", Bool(high_inc)}}));
  }

  /// The target's sklearn._loss.loss object of `kind` (n_classes k for multinomial).
  Value* HalfLoss(LossKind kind, std::int64_t k, bool constant_hessian) {
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

  void Losses() {
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
  void GbLossParam(const Obj& o) {
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

  enum class GbKind { kAbsolute, kHuber, kQuantile, kExponential, kMultinomial, kNone };

  static GbKind GbKindOf(std::string_view name) {
    if (name == "LeastAbsoluteError" || name == "AbsoluteError") return GbKind::kAbsolute;
    if (name == "HuberLossFunction" || name == "HuberLoss") return GbKind::kHuber;
    if (name == "QuantileLossFunction" || name == "PinballLoss") return GbKind::kQuantile;
    if (name == "ExponentialLoss") return GbKind::kExponential;
    if (name == "MultinomialDeviance" || name == "HalfMultinomialLoss") return GbKind::kMultinomial;
    return GbKind::kNone;
  }

  /// A GradientBoosting model's loss parameter, and its loss object when that is not squared error
  /// or binary log loss (which Losses ports) across 1.4. True when the loss was handled here.
  bool GbLosses(const Obj& o) {
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
  static std::optional<double> CyParam(const Value* closs) {
    if (!closs || closs->kind != Kind::kObject || !closs->object->args || closs->object->args->kind != Kind::kTuple) return std::nullopt;
    const Value* args = closs->object->args;
    if (args->items.size() == 3 && args->items[2]->kind == Kind::kTuple) args = args->items[2];
    if (args->items.size() != 1) return std::nullopt;
    const Value* v = args->items[0];
    if (v->kind == Kind::kFloat) return v->real;
    return std::nullopt;
  }
  static std::optional<double> Real(const Value* v) {
    if (v && v->kind == Kind::kFloat) return v->real;
    if (v && v->kind == Kind::kInt && !v->is_big_int()) return static_cast<double>(v->integer);
    // a numpy float64 scalar (Huber's gamma is np.percentile's result)
    if (v && v->kind == Kind::kArray && v->array->is_scalar && v->array->dtype.kind == DTypeKind::kFloat && v->array->dtype.itemsize == 8 &&
        v->array->dtype.byteorder != '>')
      return v->array->view<double>()[0];
    return std::nullopt;
  }

  Value* CyLoss(std::string_view cls, std::optional<double> param) {
    Value* c = file_.graph.New(Kind::kObject);  // CyX() / CyX(param): the constructor of 1.4 and 1.9 alike
    c->object->form = ObjectForm::kReduce;
    c->object->callable = Global("sklearn._loss._loss", cls);
    c->object->args = param ? Tuple({Float(*param)}) : Tuple({});
    return c;
  }

  /// The target's loss object for a GradientBoosting absolute / Huber / quantile / exponential /
  /// multinomial loss; the multinomial one also moves the init offset into the first stage.
  Value* GbLoss(const Obj& o, const Value* held, GbKind kind, std::int64_t k, bool tgt_half) {
    const Value* held_state = StateOf(held);
    std::optional<double> alpha, gamma;
    if (held_state) {
      alpha = Real(held_state->Get("alpha"));                                   // <= 1.3 Huber / Quantile
      if (!alpha) alpha = Real(held_state->Get("quantile"));                     // >= 1.4 HuberLoss
      if (!alpha && kind == GbKind::kQuantile) alpha = CyParam(held_state->Get("closs"));  // >= 1.4 PinballLoss
      gamma = Real(held_state->Get("gamma"));                                   // <= 1.3 Huber
      if (!gamma && kind == GbKind::kHuber) gamma = CyParam(held_state->Get("closs"));     // >= 1.4 HuberLoss
    }
    if (!alpha) alpha = Real(o.state->Get("alpha"));  // the estimator's parameter, which fit passed on
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
  void ShiftFirstStage(const Obj& o, std::int64_t k, bool from_symmetric) {
    const Value* init = o.state->Get("init_");
    if (init && init->is_text() && init->text == "zero") return;
    const Value* init_state = StateOf(init);
    const Value* strategy = init_state ? init_state->Get("strategy") : nullptr;
    const Value* prior = init_state ? init_state->Get("class_prior_") : nullptr;
    if (!init || ShortName(init->GlobalPath()) != "DummyClassifier" || !strategy || !strategy->is_text() || strategy->text != "prior") {
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
    auto lr = Real(o.state->Get("learning_rate"));
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

  // ---- AdaBoostClassifier: SAMME across 1.4 --------------------------------------------------------
  //
  // decision_function is sum_m w_m * vote_m(x) / sum_m w_m (estimator_weights_ w). SAMME's vote for
  // a sample whose tree m predicts class c was w for c and 0 for the others up to 1.3; from 1.4 it
  // is w for c and -w/(K-1) for the others (_weight_boosting.py decision_function). SAMME.R (which
  // < 1.6 offers) instead adds (K-1) (log p - mean log p) of each tree's predict_proba p. A >= 1.4
  // SAMME model is therefore rebuilt for an older target as SAMME.R whose trees predict, at every
  // node, p = softmax(u) with u_k = w (1 for the node's predicted class c, -1/(K-1) for the others)
  // / (K-1): then (K-1)(log p - mean log p) is exactly the new vote (u has mean 0), so the target's
  // decision_function, predict, predict_proba and staged outputs are the source's. The trees still
  // predict class c. The other way (a <= 1.3 SAMME model into >= 1.4) has no such rewrite: 1.9 has
  // only SAMME, whose votes cannot express the old ones with the same estimators.
  void AdaBoostSamme() {
    const Version tgt = *target_.sklearn;
    for (const auto& o : objects_) {
      if (!o.state || ShortName(o.class_path) != "AdaBoostClassifier" || !o.state->Get("estimators_")) continue;
      const Version written = WrittenBy(&o);
      const Value* alg = o.state->Get("algorithm");
      // 1.6-1.8 hold algorithm='deprecated', 1.9 none: SAMME either way
      bool samme = written >= Version{1, 6, 0} || !alg || (alg->is_text() && alg->text == "SAMME");
      bool src_new = written >= Version{1, 4, 0}, tgt_new = tgt >= Version{1, 4, 0};
      if (!samme || src_new == tgt_new) continue;
      if (!src_new) {
        throw Error::Unsupported(fmt::format(
            "{}: a SAMME AdaBoostClassifier written by scikit-learn {}: from 1.4 a SAMME vote is +w for the predicted class and "
            "-w/(K-1) for the others (before: +w and 0), so decision_function would become K/(K-1)·d - 1/(K-1) and predict_proba "
            "would change; scikit-learn {}'s votes cannot express the old ones with the same estimators",
            o.path, written.Str(), tgt.Str()));
      }
      SammeAsSammeR(o);
    }
  }

  void SammeAsSammeR(const Obj& o) {
    const Value* k_value = o.state->Get("n_classes_");
    const Value* est = o.state->Get("estimators_");
    const Value* weights = o.state->Get("estimator_weights_");
    if (!k_value || k_value->kind != Kind::kInt || k_value->integer < 2 || !est || est->kind != Kind::kList || !weights ||
        weights->kind != Kind::kArray || weights->array->dtype.kind != DTypeKind::kFloat || weights->array->dtype.itemsize != 8 ||
        weights->array->ndim() != 1 || weights->array->size() < static_cast<std::int64_t>(est->items.size())) {
      throw Error::Unsupported(o.path + ": AdaBoostClassifier without n_classes_ / a list of estimators_ / float64 estimator_weights_");
    }
    const std::int64_t k = k_value->integer;
    const double km1 = static_cast<double>(k - 1);
    auto w = weights->array->view<double>();
    // the steepest vote must keep p above the float64 eps that _samme_proba clips at: scale every
    // weight alike (decision_function divides by their sum) when a vote would be steeper than e^30
    double steepest = 0;
    for (std::size_t m = 0; m < est->items.size(); ++m) steepest = std::max(steepest, std::abs(w[m]) * static_cast<double>(k) / (km1 * km1));
    const double scale = steepest > 30 ? 30 / steepest : 1.0;
    for (std::size_t m = 0; m < est->items.size(); ++m) {
      const Value* e = est->items[m];
      std::string_view ecls = ShortName(e->GlobalPath());
      const Value* tree = StateOf(e) ? StateOf(e)->Get("tree_") : nullptr;
      Value* tree_state = Mut(StateOf(tree));
      const Value* values = tree_state ? tree_state->Get("values") : nullptr;
      if ((ecls != "DecisionTreeClassifier" && ecls != "ExtraTreeClassifier") || !values || values->kind != Kind::kArray ||
          values->array->dtype.kind != DTypeKind::kFloat || values->array->dtype.itemsize != 8 || values->array->ndim() != 3 ||
          values->array->shape[1] != 1 || values->array->shape[2] != k || values->array->fortran_order) {
        throw Error::Unsupported(fmt::format("{}.estimators_[{}]: a {} (not a single-output classification tree over the {} classes): "
                                             "SAMME votes can be rewritten as SAMME.R probabilities only in tree leaves",
                                             o.path, m, e->Repr(), k));
      }
      auto out = CopyHeader(*values->array);
      out->dtype = values->array->dtype;
      Allocate(out.get(), values->array->nbytes);
      auto src = values->array->view<double>();
      auto* dst = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
      const double wm = w[m] * scale;
      for (std::int64_t r = 0; r < values->array->shape[0]; ++r) {
        const double* row = &src[static_cast<std::size_t>(r * k)];
        std::int64_t c = std::max_element(row, row + k) - row;  // the tree's prediction: the first largest
        // softmax of u_k = wm * (k == c ? 1 : -1/(K-1)) / (K-1), shifted by its largest entry
        double top = std::max(wm, -wm / km1) / km1, sum = 0;
        for (std::int64_t j = 0; j < k; ++j) sum += dst[r * k + j] = std::exp(wm * (j == c ? 1.0 : -1.0 / km1) / km1 - top);
        for (std::int64_t j = 0; j < k; ++j) dst[r * k + j] /= sum;
      }
      Set(tree_state, "values", ArrayValue(out));
    }
    if (scale != 1.0) {
      std::vector<double> scaled(w.begin(), w.end());
      for (double& x : scaled) x *= scale;
      Set(o.state, "estimator_weights_", Float64Array(scaled));
    }
    Set(o.state, "algorithm", Str("SAMME.R"));
    Change(o.path, fmt::format("SAMME (scikit-learn >= 1.4 votes) -> SAMME.R: every tree node's values set to the softmax that "
                               "reproduces its vote{}", scale != 1.0 ? fmt::format(" (estimator_weights_ scaled by {})", scale) : ""));
  }

  // ---- GLMs: PoissonRegressor / GammaRegressor / TweedieRegressor ---------------------------------
  //
  // predict is link.inverse(X @ coef_ + intercept_) in every version; only where the link lives
  // changed. 0.23 (glm.py) holds _family_instance (sklearn._loss.glm_distribution.*Distribution) and
  // _link_instance (sklearn.linear_model._glm.link.LogLink / IdentityLink); 1.1+ holds _base_loss
  // (sklearn._loss.loss.HalfPoissonLoss / HalfGammaLoss / HalfTweedieLoss (log link) /
  // HalfTweedieLossIdentity), whose .link.inverse predict calls. Both are rebuilt from the family
  // (Poisson power 1, Gamma power 2, Tweedie its power) and the link, as each version's fit does.
  void Glms() {
    const bool tgt_loss = *target_.sklearn >= Version{1, 1, 0};
    for (const auto& o : objects_) {
      if (!o.state || !o.class_path.starts_with("sklearn.linear_model._glm")) continue;
      std::string cls(ShortName(o.class_path));
      if (cls != "PoissonRegressor" && cls != "GammaRegressor" && cls != "TweedieRegressor") continue;
      const Value* family = o.state->Get("_family_instance");
      const Value* link_instance = o.state->Get("_link_instance");
      const Value* base_loss = o.state->Get("_base_loss");
      // the family's power and whether the link is log (else identity)
      std::optional<double> power;
      const Value* power_value = nullptr;  // as the source holds it (int or float), for 0.23 _power
      bool log_link;
      if (family && link_instance && !base_loss) {
        if (tgt_loss == false) continue;
        const Value* fs = StateOf(family);
        power_value = fs ? fs->Get("_power") : nullptr;
        power = Real(power_value);
        std::string_view link_cls = ShortName(link_instance->GlobalPath());
        if (!power || (link_cls != "LogLink" && link_cls != "IdentityLink")) {
          throw Error::Unsupported(fmt::format("{}: a GLM with family {} and link {}: not a Tweedie family with a log or identity link",
                                               o.path, family->Repr(), link_instance->Repr()));
        }
        log_link = link_cls == "LogLink";
      } else if (base_loss && !family) {
        if (tgt_loss) continue;
        std::string_view loss_cls = ShortName(base_loss->GlobalPath());
        const Value* ls = StateOf(base_loss);
        if (loss_cls == "HalfPoissonLoss") power = 1, power_value = Int(1);
        if (loss_cls == "HalfGammaLoss") power = 2, power_value = Int(2);
        if (loss_cls == "HalfTweedieLoss" || loss_cls == "HalfTweedieLossIdentity") {
          power_value = o.state->Get("power");  // the parameter fit passed on (float(power) in closs)
          power = Real(power_value);
          if (ls && power != CyParam(ls->Get("closs"))) power.reset();
        }
        if (!power) throw Error::Unsupported(fmt::format("{}: a GLM with loss {}: no family of scikit-learn {} matches it", o.path,
                                                         std::string(loss_cls), target_.sklearn->Str()));
        log_link = loss_cls != "HalfTweedieLossIdentity";
      } else {
        continue;
      }
      std::erase_if(o.state->entries, [](const auto& e) {
        return e.first->is_text() && (e.first->text == "_family_instance" || e.first->text == "_link_instance" || e.first->text == "_base_loss");
      });
      if (tgt_loss) {
        Set(o.state, "_base_loss", GlmLoss(cls, *power, log_link));
        if (cls != "TweedieRegressor") std::erase_if(o.state->entries, [](const auto& e) { return e.first->is_text() && e.first->text == "link"; });
        Change(o.path, fmt::format("_family_instance / _link_instance -> _base_loss {} (power {}, the same {} link)",
                                   GlmLossName(cls, log_link), *power, log_link ? "log" : "identity"));
      } else {
        Set(o.state, "_family_instance", GlmFamily(cls, *power, power_value));
        Set(o.state, "_link_instance", NewObj("sklearn.linear_model._glm.link", log_link ? "LogLink" : "IdentityLink", nullptr));
        if (cls != "TweedieRegressor") Set(o.state, "link", Str("log"));  // 0.23 Poisson/Gamma __init__(link='log')
        Change(o.path, fmt::format("_base_loss -> _family_instance (power {}) / _link_instance ({} link)", *power, log_link ? "log" : "identity"));
      }
    }
  }

  static std::string_view GlmLossName(std::string_view estimator, bool log_link) {
    if (estimator == "PoissonRegressor") return "HalfPoissonLoss";
    if (estimator == "GammaRegressor") return "HalfGammaLoss";
    return log_link ? "HalfTweedieLoss" : "HalfTweedieLossIdentity";
  }

  /// 1.1+ _get_loss: PoissonRegressor HalfPoissonLoss, GammaRegressor HalfGammaLoss, TweedieRegressor
  /// HalfTweedieLoss(power) / HalfTweedieLossIdentity(power); intervals as their __init__ sets them.
  Value* GlmLoss(std::string_view estimator, double power, bool log_link) {
    const double inf = std::numeric_limits<double>::infinity();
    std::string_view cls = GlmLossName(estimator, log_link);
    bool tweedie = cls.starts_with("HalfTweedie");
    Value* closs = CyLoss(fmt::format("Cy{}", cls), tweedie ? std::optional<double>(power) : std::nullopt);
    Value* y_true = power <= 0 ? Interval(-inf, inf, false, false) : power < 2 ? Interval(0, inf, true, false) : Interval(0, inf, false, false);
    Value* y_pred = log_link || power > 0 ? Interval(0, inf, false, false) : Interval(-inf, inf, false, false);
    Value* st = Dict({{"closs", closs}, {"link", NewObj("sklearn._loss.link", log_link ? "LogLink" : "IdentityLink", nullptr)},
                      {"approx_hessian", Bool(false)}, {"constant_hessian", Bool(false)}, {"n_classes", None()},
                      {"interval_y_true", y_true}, {"interval_y_pred", y_pred}});
    if (*target_.sklearn >= Version{1, 9, 0}) Set(st, "xp", None()), Set(st, "device", None());
    return NewObj("sklearn._loss.loss", cls, st);
  }

  /// 0.23 glm_distribution: {Poisson,Gamma,Tweedie}Distribution with the state its power setter
  /// leaves: _power and _lower_bound = DistributionBoundary(value, inclusive).
  Value* GlmFamily(std::string_view estimator, double power, const Value* power_value) {
    std::string_view cls = estimator == "PoissonRegressor" ? "PoissonDistribution" : estimator == "GammaRegressor" ? "GammaDistribution" : "TweedieDistribution";
    Value* bound = NewObj("sklearn._loss.glm_distribution", "DistributionBoundary", nullptr);
    if (power <= 0) {
      bound->object->args = Tuple({Float(-std::numeric_limits<double>::infinity()), Bool(false)});
    } else if (power < 1) {
      throw Error::Unsupported(fmt::format("a Tweedie power {} between 0 and 1 has no distribution in scikit-learn 0.23", power));
    } else {
      bound->object->args = Tuple({Int(0), Bool(power < 2)});
    }
    return NewObj("sklearn._loss.glm_distribution", cls, Dict({{"_lower_bound", bound}, {"_power", power_value}}));
  }

  // Cython pickles a stateless extension type as __pyx_unpickle_CyX(CyX, checksum, ()) up to 1.4;
  // 1.9 has no __pyx_unpickle_ for most of them and pickles them as CyX() (CyX(param) for the
  // parametrised ones, _loss.pyx.tp __reduce__). Calling the class builds the same object in every
  // version from 1.2 on.
  void CyPickles() {
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      if (v->kind != Kind::kObject || v->object->form != ObjectForm::kReduce || !v->object->callable || v->object->state) continue;
      const Value* c = v->object->callable;
      if (c->kind != Kind::kGlobal || c->text != "sklearn._loss._loss" || !std::string_view(c->name).starts_with("__pyx_unpickle_Cy")) continue;
      auto own = env_->resolves.find(fmt::format("{}.{}", std::string(c->text), std::string(c->name)));
      if (own != env_->resolves.end() && own->second) continue;
      const Value* args = v->object->args;
      if (!args || args->kind != Kind::kTuple || args->items.size() != 3 || args->items[0]->kind != Kind::kGlobal ||
          args->items[2]->kind != Kind::kTuple)
        continue;
      // a parametrised loss (CyHuberLoss delta, CyPinballLoss quantile, CyHalfTweedieLoss power) pickles
      // its one double as the state; 1.9 pickles it as CyX(param), which 1.4's constructor also takes
      const auto& state = args->items[2]->items;
      if (state.size() > 1 || (state.size() == 1 && state[0]->kind != Kind::kFloat)) continue;
      v->object->callable = args->items[0];
      v->object->args = Tuple(state);
      Change("file", fmt::format("{}.{}(...) -> {}({}) (a Cython loss)", std::string(c->text), std::string(c->name),
                                 std::string(args->items[0]->name), state.empty() ? "" : state[0]->Repr()));
    }
  }

  void Collect() {
    objects_.clear();
    source_.reset();
    WalkObjects(file_.graph.root, Limits{}.max_depth, [&](const std::string& path, const Value& v) {
      Value* state = Mut(v.State());
      objects_.push_back({path, Mut(&v), v.GlobalPath(), state && state->kind == Kind::kDict ? state : nullptr});
      const Value* ver = state && state->kind == Kind::kDict ? state->Get("_sklearn_version") : nullptr;
      if (ver && ver->is_text()) {
        auto parsed = Version::Parse(ver->text);
        if (parsed && (!source_ || *parsed < *source_)) source_ = parsed;
      }
    });
  }

  Value* Str(std::string_view s) {
    Value* v = file_.graph.New(Kind::kStr);
    v->text = file_.graph.Store(std::string(s));
    return v;
  }
  Value* None() { return file_.graph.New(Kind::kNone); }
  Value* Bool(bool b) {
    Value* v = file_.graph.New(Kind::kBool);
    v->boolean = b;
    return v;
  }
  Value* Int(std::int64_t i) {
    Value* v = file_.graph.New(Kind::kInt);
    v->integer = i;
    return v;
  }
  Value* Global(std::string_view module, std::string_view name) {
    Value* v = file_.graph.New(Kind::kGlobal);
    v->text = file_.graph.Store(std::string(module));
    v->name = file_.graph.Store(std::string(name));
    return v;
  }
  Value* Tuple(std::vector<const Value*> items) {
    Value* v = file_.graph.New(Kind::kTuple);
    v->items = std::move(items);
    return v;
  }
  Value* ArrayValue(std::shared_ptr<const NdArray> a) {
    Value* v = file_.graph.New(Kind::kArray);
    v->array = std::move(a);
    return v;
  }
  void Set(Value* state, std::string_view key, const Value* value) {
    for (auto& [k, v] : state->entries) {
      if (k->is_text() && k->text == key) {
        v = value;
        return;
      }
    }
    state->entries.emplace_back(Str(key), value);
  }

  // ---- 2. globals ------------------------------------------------------------------------------

  /// The nodes reachable from the root: rewrites (the loss objects) leave the replaced nodes behind.
  std::set<const Value*> Reachable() {
    std::set<const Value*> seen;
    std::vector<const Value*> todo{file_.graph.root};
    auto push = [&](const Value* v) { if (v && !seen.count(v)) todo.push_back(v); };
    while (!todo.empty()) {
      const Value* v = todo.back();
      todo.pop_back();
      if (!v || !seen.insert(v).second) continue;
      for (const Value* i : v->items) push(i);
      for (const auto& [k, x] : v->entries) push(k), push(x);
      if (v->kind == Kind::kObject && v->object) {
        push(v->object->callable), push(v->object->args), push(v->object->kwargs), push(v->object->state);
        for (const Value* i : v->object->list_items) push(i);
        for (const auto& [k, x] : v->object->dict_items) push(k), push(x);
      }
    }
    return seen;
  }

  void RenameGlobals() {
    const std::set<const Value*> live = Reachable();
    bool numpy2 = numpy_.major >= 2;
    std::map<std::string, std::string> renamed;  // old -> new, reported once each
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* g = file_.graph.node(i);
      if (g->kind != Kind::kGlobal || !live.count(g)) continue;
      std::string module(g->text), name(g->name);
      std::string path = module + "." + name;
      std::string new_module = module;
      if (module == "numpy.core" || module.starts_with("numpy.core.")) {
        if (numpy2) new_module = "numpy._core" + module.substr(10);
      } else if (module == "numpy._core" || module.starts_with("numpy._core.")) {
        if (!numpy2) new_module = "numpy.core" + module.substr(11);
      } else if (module.starts_with("sklearn") || module.starts_with("scipy")) {
        auto it = env_->resolves.find(path);
        if (it != env_->resolves.end() && it->second) continue;
        std::string best = compat::TargetPathFor(*env_, module, name);
        if (!best.empty() && !best.ends_with("." + name)) {  // renamed in the target (1.3's *Distance64)
          name = best.substr(best.rfind('.') + 1);
          g->name = file_.graph.Store(name);
        }
        if (best.empty()) {
          if (it == env_->resolves.end() && !module.starts_with("sklearn")) continue;  // unmeasured scipy: keep
          if (it == env_->resolves.end()) {
            throw Error::Unsupported(fmt::format("{} was not measured in scikit-learn {}: cannot tell whether it exists there", path,
                                                 target_.sklearn->Str()));
          }
          throw Error::Unsupported(fmt::format("{} does not exist in scikit-learn {} under any module path (a class or function "
                                               "added later or removed): no faithful port",
                                               path, target_.sklearn->Str()));
        }
        new_module = best.substr(0, best.size() - name.size() - 1);
      }
      if (new_module != module && module.starts_with("numpy")) {
        auto old_ok = env_->resolves.find(path);
        auto new_ok = env_->resolves.find(new_module + "." + name);
        if (old_ok != env_->resolves.end() && old_ok->second && (new_ok == env_->resolves.end() || !new_ok->second)) new_module = module;
      }
      if (new_module == module && std::string_view(g->name) == path.substr(module.size() + 1)) continue;
      g->text = file_.graph.Store(new_module);
      std::string to = new_module + "." + name;
      if (renamed.emplace(path, to).second) Change("file", fmt::format("global {} -> {}", path, to));
    }
  }

  // scikit-learn 1.5-1.6 keep ColumnTransformer's remainder columns in a _RemainderColsList (a
  // UserList that warns on access; 1.5 _column_transformer.py), pickled as the class with state
  // {data: [column indices], future_dtype, warning_*}; 1.7 removed the class, and versions before 1.5
  // never had it. Every version reads the same columns from a plain list of indices.
  void RemainderColumnLists() {
    auto own = env_->resolves.find("sklearn.compose._column_transformer._RemainderColsList");
    if (own != env_->resolves.end() && own->second) return;
    int n = 0;
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      const Value* cls = v->kind == Kind::kObject ? v->Class() : nullptr;
      if (!cls || cls->text != "sklearn.compose._column_transformer" || cls->name != "_RemainderColsList") continue;
      const Value* st = v->object->state;
      const Value* data = st && st->kind == Kind::kDict ? st->Get("data") : nullptr;
      if (!data || data->kind != Kind::kList) throw Error::Unsupported("a _RemainderColsList without its list of columns");
      std::vector<const Value*> items = data->items;
      v->kind = Kind::kList;  // in place: every reference to it (transformers_, _remainder) now sees a list
      v->items = std::move(items);
      ++n;
    }
    if (n) Change("file", fmt::format("{} ColumnTransformer remainder column list(s) (_RemainderColsList) -> plain list", n));
  }

  // SGD* keep the loss object they were fitted with (loss_function_, 1.4+ _loss_function_), which
  // only fit / partial_fit read (predict uses coef_, predict_proba the loss name). 1.9 builds
  // log_loss as sklearn._loss._loss.CyHalfBinomialLoss where <= 1.4 built _sgd_fast.Log: when the
  // target has no class of that name anywhere, the object is dropped, as a model that was never
  // fitted further would not miss it.
  void SgdLossObjects() {
    int n = 0;
    for (const auto& o : objects_) {
      if (!o.state || !ShortName(o.class_path).starts_with("SGD")) continue;
      for (const char* key : {"loss_function_", "_loss_function_"}) {
        const Value* v = o.state->Get(key);
        const Value* cls = v && v->kind == Kind::kObject ? v->Class() : nullptr;
        if (!cls) continue;
        std::string name(cls->name);
        if (name.starts_with("__pyx_unpickle_")) name = name.substr(15);
        std::string path = std::string(cls->text) + "." + name;
        auto own = env_->resolves.find(path);
        if ((own != env_->resolves.end() && own->second) || !compat::TargetPathFor(*env_, cls->text, name).empty()) continue;
        std::erase_if(o.state->entries, [&](const auto& e) { return e.first->is_text() && e.first->text == key; });
        Change(o.path, fmt::format("{} ({}) dropped: scikit-learn {} has no such class, and only fit reads it", key, path,
                                   target_.sklearn->Str()));
        ++n;
      }
    }
  }

  // A search fitted with scoring=None holds scorer_ = check_scoring(estimator): up to 1.3 the
  // function sklearn.metrics._scorer._passthrough_scorer, from 1.4 a _PassthroughScorer object
  // holding the search's (unfitted) estimator (1.4 / 1.9 _scorer.py). Either calls estimator.score;
  // only score() reads scorer_, never predict.
  void PassthroughScorers() {
    auto has = [&](const char* path) {
      auto r = env_->resolves.find(path);
      return r != env_->resolves.end() && r->second;
    };
    const bool want_object = has("sklearn.metrics._scorer._PassthroughScorer");
    const bool want_function = has("sklearn.metrics._scorer._passthrough_scorer");
    int n = 0;
    if (want_function && !want_object) {
      for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
        Value* v = file_.graph.node(i);
        const Value* cls = v->kind == Kind::kObject ? v->Class() : nullptr;
        if (!cls || cls->text != "sklearn.metrics._scorer" || cls->name != "_PassthroughScorer") continue;
        v->kind = Kind::kGlobal;  // in place: every reference now names the function
        v->text = file_.graph.Store("sklearn.metrics._scorer");
        v->name = file_.graph.Store("_passthrough_scorer");
        ++n;
      }
    } else if (want_object && !want_function) {
      for (const auto& o : objects_) {
        if (!o.state || !o.class_path.ends_with("SearchCV")) continue;
        const Value* scorer = o.state->Get("scorer_");
        if (!scorer || scorer->kind != Kind::kGlobal || scorer->text != "sklearn.metrics._scorer" || scorer->name != "_passthrough_scorer") continue;
        const Value* estimator = o.state->Get("estimator");
        if (!estimator) throw Error::Unsupported(o.path + ": a search without its estimator");
        Set(o.state, "scorer_", NewObj("sklearn.metrics._scorer", "_PassthroughScorer", Dict({{"_estimator", estimator}})));
        ++n;
      }
    }
    if (n) {
      Change("file", fmt::format("{} search scorer(s) scoring=None -> {}", n,
                                 want_object ? "_PassthroughScorer(estimator) (1.4+)" : "_passthrough_scorer (before 1.4)"));
    }
  }

  // numpy.random objects, by the numpy that pickled them (numpy/random/_pickle.py):
  //   < 1.24     __randomstate_ctor(name) / __generator_ctor(name), then BUILD with the state dict;
  //   1.24-1.26  the same with a second argument, the bit generator constructor (numpy PR 22014);
  //   >= 2.0     the bit generator object itself, __bit_generator_ctor(<class>) with BUILD (state dict,
  //              seed sequence), and a Generator without a state of its own (numpy PR 26260).
  // A numpy 1 target gets the one-argument form, which every numpy reads; the state dict carries
  // the whole generator state (the seed sequence only serves spawn(), which a fitted model never
  // calls), so the rebuilt generator continues the same stream.
  void RandomStates() {
    if (numpy_.major >= 2) return;
    auto is_ctor = [](const Value* v, std::string_view name) {
      const Value* c = v && v->kind == Kind::kObject ? v->object->callable : nullptr;
      return c && c->kind == Kind::kGlobal && c->text == "numpy.random._pickle" && c->name == name;
    };
    std::set<std::string> known = {"MT19937", "PCG64", "Philox", "SFC64"};
    if (numpy_ >= Version{1, 21, 0}) known.insert("PCG64DXSM");  // added in numpy 1.21
    auto name_of = [&](const Value* arg) -> std::string {
      std::string name = arg && arg->kind == Kind::kGlobal ? std::string(arg->name) : arg && arg->is_text() ? std::string(arg->text) : "";
      if (name.empty()) throw Error::Unsupported("a numpy.random object whose bit generator is neither a name nor a class");
      if (!known.count(name)) {
        throw Error::Unsupported(fmt::format("a numpy.random bit generator {} that numpy {} does not have", name, numpy_.Str()));
      }
      return name;
    };
    int rewritten = 0;
    // bit generators first: a RandomState / Generator takes its name and state from them
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      if (!is_ctor(v, "__bit_generator_ctor")) continue;
      const Value* args = v->object->args;
      if (!args || args->kind != Kind::kTuple || args->items.empty()) continue;
      bool numpy2 = args->items[0]->kind == Kind::kGlobal;
      if (!numpy2 && args->items.size() == 1) continue;
      v->object->args = Tuple({Str(name_of(args->items[0]))});
      const Value* st = v->object->state;
      if (st && st->kind == Kind::kTuple && !st->items.empty()) v->object->state = st->items[0];  // (state dict, seed sequence)
      ++rewritten;
    }
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      bool random_state = is_ctor(v, "__randomstate_ctor");
      if (!random_state && !is_ctor(v, "__generator_ctor")) continue;
      const Value* args = v->object->args;
      if (!args || args->kind != Kind::kTuple || args->items.empty()) continue;
      const Value* first = args->items[0];
      if (first->is_text() && args->items.size() == 1) continue;
      if (is_ctor(first, "__bit_generator_ctor")) {
        const Value* bargs = first->object->args;
        if (!bargs || bargs->kind != Kind::kTuple || bargs->items.size() != 1) throw Error::Unsupported("an unexpected numpy.random bit generator pickle");
        if (!v->object->state || v->object->state->is_none()) v->object->state = first->object->state;  // a numpy 2 Generator
        first = bargs->items[0];
      }
      if (!v->object->state || v->object->state->kind != Kind::kDict) {
        throw Error::Unsupported("a numpy.random generator pickled without its state dict");
      }
      v->object->args = Tuple({Str(name_of(first))});
      ++rewritten;
    }
    if (rewritten) Change("file", fmt::format("{} numpy.random object(s) rebuilt by bit generator name, as numpy {} reads them", rewritten, numpy_.Str()));
  }

  // ---- 3. trees --------------------------------------------------------------------------------

  Version WrittenBy(const Obj* o) const {
    const Value* ver = o && o->state ? o->state->Get("_sklearn_version") : nullptr;
    if (ver && ver->is_text()) {
      if (auto v = Version::Parse(ver->text)) return *v;
    }
    return source_.value_or(Version{0, 0, 0});
  }

  void Trees() {
    bool target8 = *target_.sklearn >= Version{1, 3, 0};
    bool target_fractions = *target_.sklearn >= Version{1, 4, 0};
    std::map<const Value*, const Obj*> parent_of;  // Tree object -> its estimator
    for (const auto& o : objects_) {
      if (!o.state) continue;
      const Value* t = o.state->Get("tree_");
      if (t && t->kind == Kind::kObject) parent_of[t] = &o;
    }
    int relayout = 0, normalised = 0;
    std::string first_relayout, first_norm;
    for (const auto& o : objects_) {
      if (!o.class_path.ends_with("._tree.Tree")) continue;
      if (!o.state) continue;
      const Value* nodes = o.state->Get("nodes");
      if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured()) continue;
      const NdArray& a = *nodes->array;
      bool has8 = a.dtype.Field("missing_go_to_left") != nullptr;
      auto p = parent_of.find(o.object);
      const Obj* parent = p == parent_of.end() ? nullptr : p->second;
      if (has8 != target8) {
        Set(o.state, "nodes", ArrayValue(has8 ? Drop8(a, o.path, RandomSplitterFlags(parent)) : Add8(a)));
        if (relayout++ == 0) first_relayout = o.path;
      }
      bool classifier = parent && parent->class_path.ends_with("TreeClassifier");
      if (classifier && target_fractions && WrittenBy(parent) < Version{1, 4, 0}) {
        const Value* values = o.state->Get("values");
        if (!values || values->kind != Kind::kArray) throw Error::Unsupported(o.path + ": tree without a values array");
        Set(o.state, "values", ArrayValue(Normalise(*values->array, o.path)));
        if (normalised++ == 0) first_norm = o.path;
      }
    }
    if (relayout) {
      Change(first_relayout, fmt::format("tree nodes {} -> {} fields ({}){}", target8 ? 7 : 8, target8 ? 8 : 7,
                                         target8 ? "missing_go_to_left=0 added" : "missing_go_to_left dropped",
                                         relayout > 1 ? fmt::format(", and {} more trees", relayout - 1) : ""));
    }
    if (relayout && !target8) {
      // Drop8 refused every tree that learned where NaN goes; the rest send NaN to the child with
      // more training samples, which a tree before 1.3 cannot do: it rejects NaN input instead.
      report_.restrictions.push_back(fmt::format("rows with missing values (NaN): the original's trees route them to the larger child; "
                                                 "scikit-learn {} rejects NaN input (ValueError) — every other row predicts the same",
                                                 target_.sklearn->Str()));
    }
    if (normalised) {
      Change(first_norm, fmt::format("tree values: class counts -> fractions (scikit-learn >= 1.4 semantics){}",
                                     normalised > 1 ? fmt::format(", and {} more trees", normalised - 1) : ""));
    }
  }

  static std::shared_ptr<NdArray> CopyHeader(const NdArray& a) {
    auto out = std::make_shared<NdArray>();
    out->shape = a.shape;
    out->fortran_order = a.fortran_order;
    out->is_scalar = a.is_scalar;
    return out;
  }
  static void Allocate(NdArray* out, std::size_t nbytes) {
    auto buf = std::make_shared<std::vector<std::uint64_t>>((nbytes + 7) / 8 + 1, 0);
    out->data = reinterpret_cast<const std::byte*>(buf->data());
    out->nbytes = nbytes;
    out->owner = buf;
  }

  // 8 -> 7 fields. scikit-learn >= 1.3 routes NaN at a split node by missing_go_to_left. When the
  // node saw no missing values in training, the flag is set by a fixed rule: the child with more
  // training samples (missing_go_to_left = n_left > n_right, _splitter.pyx). A flag that breaks that
  // rule was learned from missing values: the model was fitted with NaN and relies on routing it,
  // which a 7-field tree cannot express (before 1.3 trees reject NaN at predict) -> refuse. A flag
  // that follows the rule carries no learned information; the 7-field tree predicts identically on
  // every finite input, and the target rejects NaN inputs with an error rather than answering
  // differently.
  //
  // Extra-trees (splitter 'random') written by 1.3-1.5 are the exception: their RandomSplitter never
  // sets the flag (0 on every node: measured on the 1.4.2 fixtures) and those versions reject NaN
  // input for them (_classes.py _more_tags: allow_nan only for splitter 'best'; missing-value support
  // for extra-trees came in 1.6), so their flags carry nothing and are dropped unchecked.
  bool RandomSplitterFlags(const Obj* tree_estimator) const {
    const Value* splitter = tree_estimator && tree_estimator->state ? tree_estimator->state->Get("splitter") : nullptr;
    return splitter && splitter->is_text() && splitter->text == "random" && WrittenBy(tree_estimator) < Version{1, 6, 0};
  }

  std::shared_ptr<NdArray> Drop8(const NdArray& a, const std::string& path, bool meaningless_flags) {
    const DTypeField* m = a.dtype.Field("missing_go_to_left");
    const DTypeField* left = a.dtype.Field("left_child");
    const DTypeField* right = a.dtype.Field("right_child");
    const DTypeField* count = a.dtype.Field("n_node_samples");
    if (m->type.itemsize != 1 || !left || left->type.itemsize != 8 || !right || right->type.itemsize != 8 || !count || count->type.itemsize != 8) throw Error::Unsupported(path + ": unexpected tree node dtype");
    auto out = CopyHeader(a);
    out->dtype = a.dtype;
    std::erase_if(out->dtype.fields, [](const DTypeField& f) { return f.name == "missing_go_to_left"; });
    std::int64_t size = 0;
    for (const auto& f : out->dtype.fields) size = std::max(size, f.offset + f.type.itemsize);
    if (m->offset < size) throw Error::Unsupported(path + ": missing_go_to_left is not the last node field");
    out->dtype.itemsize = size;
    std::int64_t n = a.size();
    Allocate(out.get(), static_cast<std::size_t>(n * size));
    auto* dst = const_cast<std::byte*>(out->data);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::byte* rec = a.data + i * a.dtype.itemsize;
      std::int64_t left_child, right_child;
      std::memcpy(&left_child, rec + left->offset, 8);
      std::memcpy(&right_child, rec + right->offset, 8);
      auto go_left = static_cast<std::uint8_t>(rec[m->offset]);
      if (!meaningless_flags && left_child >= 0 && right_child >= 0 && left_child < n && right_child < n) {
        std::int64_t nl, nr;
        std::memcpy(&nl, a.data + left_child * a.dtype.itemsize + count->offset, 8);
        std::memcpy(&nr, a.data + right_child * a.dtype.itemsize + count->offset, 8);
        if ((go_left != 0) != (nl > nr)) {
          throw Error::Unsupported(fmt::format("{}: node {} routes missing values (NaN) {} although its {} child had more training "
                                               "samples: the tree was fitted with missing values, which trees before scikit-learn 1.3 "
                                               "cannot route (tree nodes 8 -> 7 fields)",
                                               path, i, go_left ? "left" : "right", go_left ? "right" : "left"));
        }
      }
      std::memcpy(dst + i * size, rec, static_cast<std::size_t>(size));
    }
    return out;
  }

  // 7 -> 8 fields: a tree from before 1.3 never saw missing values, so each split node gets the
  // flag the 1.3+ splitters record for a node without them: n_left > n_right (_splitter.pyx; for
  // extra-trees from 1.6). A learned-looking flag would also make the doctor think it saw NaN.
  std::shared_ptr<NdArray> Add8(const NdArray& a) {
    const DTypeField* left = a.dtype.Field("left_child");
    const DTypeField* right = a.dtype.Field("right_child");
    const DTypeField* count = a.dtype.Field("n_node_samples");
    auto out = CopyHeader(a);
    out->dtype = a.dtype;
    std::int64_t old = a.dtype.itemsize;
    DTypeField f;
    f.name = "missing_go_to_left";
    f.type.kind = DTypeKind::kUInt;
    f.type.itemsize = 1;
    f.type.byteorder = '|';
    f.offset = old;
    out->dtype.fields.push_back(f);
    out->dtype.itemsize = old + 8;  // numpy pads the record to the 8-byte alignment of the struct
    std::int64_t n = a.size();
    Allocate(out.get(), static_cast<std::size_t>(n * out->dtype.itemsize));
    auto* dst = const_cast<std::byte*>(out->data);
    for (std::int64_t i = 0; i < n; ++i) {
      std::byte* rec = dst + i * out->dtype.itemsize;
      std::memcpy(rec, a.data + i * old, static_cast<std::size_t>(old));
      if (!left || !right || !count || left->type.itemsize != 8 || right->type.itemsize != 8 || count->type.itemsize != 8) continue;
      std::int64_t l, r, nl, nr;
      std::memcpy(&l, rec + left->offset, 8);
      std::memcpy(&r, rec + right->offset, 8);
      if (l < 0 || r < 0 || l >= n || r >= n) continue;
      std::memcpy(&nl, a.data + l * old + count->offset, 8);
      std::memcpy(&nr, a.data + r * old + count->offset, 8);
      rec[f.offset] = std::byte{nl > nr ? std::uint8_t{1} : std::uint8_t{0}};
    }
    return out;
  }

  std::shared_ptr<NdArray> Normalise(const NdArray& a, const std::string& path) {
    if (a.dtype.kind != DTypeKind::kFloat || a.dtype.itemsize != 8 || a.ndim() != 3 || a.fortran_order) {
      throw Error::Unsupported(path + ": tree values are not a C-ordered float64 (nodes, outputs, classes) array");
    }
    auto out = CopyHeader(a);
    out->dtype = a.dtype;
    Allocate(out.get(), a.nbytes);
    auto src = a.view<double>();
    auto* dst = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
    std::int64_t rows = a.shape[0] * a.shape[1], k = a.shape[2];
    for (std::int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (std::int64_t c = 0; c < k; ++c) sum += src[r * k + c];
      for (std::int64_t c = 0; c < k; ++c) dst[r * k + c] = sum > 0 ? src[r * k + c] / sum : src[r * k + c];
    }
    return out;
  }

  // ---- 3b. HistGradientBoosting ----------------------------------------------------------------
  //
  // The fitted state of HistGradientBoosting* in the measured versions (gradient_boosting.py,
  // binning.py, predictor.py, common.pxd of each):
  //   - the _BinMapper is bin_mapper_ in 0.23 and _bin_mapper later; later binners hold
  //     is_categorical_, which make_known_categories_bitsets reads when predicting;
  //   - TreePredictor.nodes is the packed record node_struct that the Cython predictors view as is:
  //     0.23 has 11 fields with 'threshold'; 1.2 calls it num_threshold and adds is_categorical and
  //     bitset_idx (its predictors also hold binned_/raw_left_cat_bitsets); 1.4 makes feature_idx
  //     an intp (1.4's __setstate__ casts older records; 1.2 and 0.23 do not);
  //   - 1.4+ encodes categorical features with a fitted _preprocessor (a ColumnTransformer: an
  //     OrdinalEncoder for the categorical columns, placed first, and a FunctionTransformer of
  //     partial(check_array, ...) for the others) and its trees split on the codes; 1.2 has no
  //     preprocessor and splits on the raw category values (cast to uint8), 0.23 has no
  //     categorical splits at all.
  static bool IsHgb(std::string_view cls) { return cls == "HistGradientBoostingClassifier" || cls == "HistGradientBoostingRegressor"; }
  static constexpr std::string_view kBinMapper = "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper";

  /// Whether the target's pickled state of `class_path` always holds `key` (measured).
  bool TargetHolds(std::string_view class_path, std::string_view key) const {
    auto r = env_->state_keys.find(std::string(class_path));
    return r != env_->state_keys.end() && r->second.count(std::string(key));
  }

  /// Renames a dict key in place (keeps its position); `key` is the new key's str node.
  static void RenameKey(Value* dict, std::string_view from, const Value* key) {
    for (auto& entry : dict->entries) {
      if (entry.first->is_text() && entry.first->text == from) entry.first = key;
    }
  }

  void HistGradientBoosting() {
    const bool categorical_target = TargetHolds(kBinMapper, "is_categorical_");
    for (const auto& o : objects_) {
      if (!o.state || !IsHgb(ShortName(o.class_path))) continue;
      HgbPreprocessor(o);
      // bin_mapper_ (0.23) <-> _bin_mapper, scorer_ (0.23) <-> _scorer: the same objects
      for (auto [old_key, new_key] : {std::pair<std::string_view, std::string_view>{"bin_mapper_", "_bin_mapper"}, {"scorer_", "_scorer"}}) {
        bool want_old = TargetHolds(o.class_path, old_key), want_new = TargetHolds(o.class_path, new_key);
        std::string_view have = o.state->Get(old_key) ? old_key : o.state->Get(new_key) ? new_key : std::string_view{};
        std::string_view want = want_old && !want_new ? old_key : want_new && !want_old ? new_key : have;
        if (have.empty() || want == have || o.state->Get(want)) continue;
        RenameKey(o.state, have, Str(want));
        Change(o.path, fmt::format("{} renamed {} (the name scikit-learn {} reads)", have, want, target_.sklearn->Str()));
      }
      const Value* loss = o.state->Get("loss");
      if (ShortName(o.class_path) == "HistGradientBoostingClassifier" && loss && loss->is_text() && loss->text == "auto" &&
          *target_.sklearn >= Version{1, 3, 0}) {
        Set(o.state, "loss", Str("log_loss"));  // 'auto' was removed in 1.3; both mean the log loss for the class count
        Change(o.path, "loss 'auto' -> 'log_loss' (removed in scikit-learn 1.3)");
      }
    }
    int converted = 0;
    std::string first;
    for (const auto& o : objects_) {
      if (!o.state) continue;
      if (o.class_path.ends_with("._hist_gradient_boosting.predictor.TreePredictor")) {
        if (HgbPredictor(o, categorical_target) && converted++ == 0) first = o.path;
      }
    }
    if (converted) {
      Change(first, fmt::format("TreePredictor nodes -> the node record of scikit-learn {}{}", target_.sklearn->Str(),
                                converted > 1 ? fmt::format(", and {} more predictors", converted - 1) : ""));
    }
  }

  // 1.4+ categorical preprocessor: a FunctionTransformer of partial(check_array, force_all_finite=
  // False) (<= 1.5) or ensure_all_finite=False (1.6+: the keyword was renamed in 1.6 and the old
  // one removed in 1.8, utils/validation.py); the same check under the target's keyword. A target
  // without a preprocessor (< 1.4) cannot take the model: see the refusal.
  void HgbPreprocessor(const Obj& o) {
    const Value* pre = o.state->Get("_preprocessor");
    if (!pre || pre->is_none()) return;
    const Version tgt = *target_.sklearn;
    if (!TargetHolds(o.class_path, "_preprocessor")) {
      const bool raw_categories = TargetHolds(kBinMapper, "is_categorical_");
      throw Error::Unsupported(fmt::format(
          "{}: its categorical features are encoded by a fitted OrdinalEncoder (_preprocessor, scikit-learn >= 1.4) and its "
          "trees split on those codes, with the categorical columns moved first; {}",
          o.path,
          raw_categories ? fmt::format("scikit-learn {} has no preprocessor: it splits on the raw values cast to uint8, so a value "
                                       "that is not one of the known categories (2.5, 300) would follow a category's branch "
                                       "instead of the missing-value branch, and string categories cannot be given at all",
                                       tgt.Str())
                         : fmt::format("scikit-learn {} has no categorical splits", tgt.Str())));
    }
    const char* want = tgt >= Version{1, 6, 0} ? "ensure_all_finite" : "force_all_finite";
    const char* other = tgt >= Version{1, 6, 0} ? "force_all_finite" : "ensure_all_finite";
    std::function<void(const Value*, int)> visit = [&](const Value* v, int depth) {
      if (!v || depth > 12) return;
      if (v->kind == Kind::kObject) {
        const Value* st = v->State();
        if (v->GlobalPath() == "functools.partial" && st && st->kind == Kind::kTuple && st->items.size() >= 3) {
          const Value* func = st->items[0];
          Value* kw = Mut(st->items[2]);
          bool check_array = func && func->kind == Kind::kGlobal && func->GlobalPath().starts_with("sklearn.") &&
                             func->GlobalPath().ends_with(".check_array");
          if (check_array && kw->kind == Kind::kDict && kw->Get(other) && !kw->Get(want)) {
            RenameKey(kw, other, Str(want));
            Change(o.path + "._preprocessor", fmt::format("partial(check_array, {}=...) -> {}=... (the keyword of scikit-learn {})",
                                                          other, want, tgt.Str()));
          }
          return;
        }
        visit(st, depth + 1);
        return;
      }
      for (const Value* i : v->items) visit(i, depth + 1);
      for (const auto& [k, x] : v->entries) visit(x, depth + 1);
    };
    visit(pre, 0);
  }

  struct NodeField {
    std::string_view name;
    DTypeKind kind;
    std::int64_t size;
  };

  /// The target's node_struct (common.pxd), packed.
  std::vector<NodeField> HgbNodeLayout(bool categorical_target) const {
    const bool intp = *target_.sklearn >= Version{1, 4, 0};
    std::vector<NodeField> f = {{"value", DTypeKind::kFloat, 8}, {"count", DTypeKind::kUInt, 4},
                                {"feature_idx", intp ? DTypeKind::kInt : DTypeKind::kUInt, intp ? 8 : 4},
                                {categorical_target ? "num_threshold" : "threshold", DTypeKind::kFloat, 8},
                                {"missing_go_to_left", DTypeKind::kUInt, 1}, {"left", DTypeKind::kUInt, 4}, {"right", DTypeKind::kUInt, 4},
                                {"gain", DTypeKind::kFloat, 8}, {"depth", DTypeKind::kUInt, 4}, {"is_leaf", DTypeKind::kUInt, 1},
                                {"bin_threshold", DTypeKind::kUInt, 1}};
    if (categorical_target) f.push_back({"is_categorical", DTypeKind::kUInt, 1}), f.push_back({"bitset_idx", DTypeKind::kUInt, 4});
    return f;
  }

  static std::int64_t ReadInt(const std::byte* p, const DType& t) {
    switch (t.itemsize) {
      case 1: return t.kind == DTypeKind::kInt ? static_cast<std::int64_t>(static_cast<std::int8_t>(p[0])) : static_cast<std::int64_t>(static_cast<std::uint8_t>(p[0]));
      case 2: { std::uint16_t u; std::memcpy(&u, p, 2); return t.kind == DTypeKind::kInt ? static_cast<std::int16_t>(u) : u; }
      case 4: { std::uint32_t u; std::memcpy(&u, p, 4); return t.kind == DTypeKind::kInt ? static_cast<std::int64_t>(static_cast<std::int32_t>(u)) : u; }
      default: { std::int64_t i; std::memcpy(&i, p, 8); return i; }
    }
  }

  /// Converts one TreePredictor to the target's node record and bitsets; false when already there.
  bool HgbPredictor(const Obj& o, bool categorical_target) {
    const Value* nodes = o.state->Get("nodes");
    if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured() || nodes->array->ndim() != 1) {
      throw Error::Unsupported(o.path + ": TreePredictor without a 1-d structured nodes array");
    }
    const NdArray& a = *nodes->array;
    const std::vector<NodeField> layout = HgbNodeLayout(categorical_target);
    bool same = a.dtype.fields.size() == layout.size();
    std::int64_t offset = 0;
    DType dtype;
    dtype.kind = DTypeKind::kVoid;
    dtype.byteorder = '|';
    for (std::size_t i = 0; i < layout.size(); ++i) {
      DTypeField f;
      f.name = std::string(layout[i].name);
      f.type.kind = layout[i].kind;
      f.type.itemsize = layout[i].size;
      f.type.byteorder = layout[i].size == 1 ? '|' : '<';
      f.offset = offset;
      offset += layout[i].size;
      if (same) {
        const DTypeField& s = a.dtype.fields[i];
        same = s.name == f.name && s.offset == f.offset && s.type.kind == f.type.kind && s.type.itemsize == f.type.itemsize;
      }
      dtype.fields.push_back(std::move(f));
    }
    dtype.itemsize = offset;
    same = same && a.dtype.itemsize == offset;
    // the source's fields, under the target's names (threshold <-> num_threshold: the same split value)
    std::vector<const DTypeField*> from;
    for (const auto& f : dtype.fields) {
      const DTypeField* s = a.dtype.Field(f.name);
      if (!s && f.name == "num_threshold") s = a.dtype.Field("threshold");
      if (!s && f.name == "threshold") s = a.dtype.Field("num_threshold");
      if (!s && f.name != "is_categorical" && f.name != "bitset_idx") throw Error::Unsupported(fmt::format("{}: its nodes lack {}", o.path, f.name));
      if (s && (s->type.kind == DTypeKind::kFloat) != (f.type.kind == DTypeKind::kFloat)) throw Error::Unsupported(fmt::format("{}: unexpected node field {}", o.path, f.name));
      from.push_back(s);
    }
    const std::int64_t n = a.size();
    const DTypeField* cat = a.dtype.Field("is_categorical");
    if (!categorical_target && cat) {
      for (std::int64_t i = 0; i < n; ++i) {
        if (ReadInt(a.data + i * a.dtype.itemsize + cat->offset, cat->type) != 0) {
          throw Error::Unsupported(fmt::format("{}: node {} splits on categories (a categorical feature); scikit-learn {} has no "
                                               "categorical splits",
                                               o.path, i, target_.sklearn->Str()));
        }
      }
    }
    bool changed = false;
    if (!same) {
      auto out = std::make_shared<NdArray>();
      out->shape = a.shape;
      out->dtype = dtype;
      Allocate(out.get(), static_cast<std::size_t>(n * dtype.itemsize));
      auto* dst = const_cast<std::byte*>(out->data);
      for (std::int64_t i = 0; i < n; ++i) {
        const std::byte* rec = a.data + i * a.dtype.itemsize;
        std::byte* to = dst + i * dtype.itemsize;
        for (std::size_t k = 0; k < dtype.fields.size(); ++k) {
          const DTypeField& f = dtype.fields[k];
          const DTypeField* s = from[k];
          if (!s) continue;  // is_categorical / bitset_idx of a 0.23 node: 0 (a numeric split)
          if (f.type.kind == DTypeKind::kFloat) {
            if (s->type.itemsize != 8) throw Error::Unsupported(fmt::format("{}: node field {} is not float64", o.path, f.name));
            std::memcpy(to + f.offset, rec + s->offset, 8);
            continue;
          }
          std::int64_t v = ReadInt(rec + s->offset, s->type);
          std::int64_t max = f.type.itemsize >= 8 ? std::numeric_limits<std::int64_t>::max() : (std::int64_t{1} << (8 * f.type.itemsize)) - 1;
          if (v < 0 || v > max) throw Error::Unsupported(fmt::format("{}: node {} field {} = {} does not fit {}", o.path, i, f.name, v, f.type.Str()));
          std::memcpy(to + f.offset, &v, static_cast<std::size_t>(f.type.itemsize));  // little-endian low bytes
        }
      }
      Set(o.state, "nodes", ArrayValue(out));
      changed = true;
    }
    for (const char* key : {"binned_left_cat_bitsets", "raw_left_cat_bitsets"}) {
      if (categorical_target && !o.state->Get(key)) {
        Set(o.state, key, HgbEmptyBitsets());  // no categorical split: no bitsets (predictor.py: (n_categorical_splits, 8))
        changed = true;
      } else if (!categorical_target && o.state->Get(key)) {
        std::erase_if(o.state->entries, [&](const auto& e) { return e.first->is_text() && e.first->text == key; });
        changed = true;
      }
    }
    return changed;
  }

  Value* HgbEmptyBitsets() {
    auto a = std::make_shared<NdArray>();
    a->dtype.kind = DTypeKind::kUInt;
    a->dtype.itemsize = 4;
    a->shape = {0, 8};
    Allocate(a.get(), 0);
    return ArrayValue(a);
  }

  Value* HgbUInt8Zeros(std::int64_t n) {
    auto a = std::make_shared<NdArray>();
    a->dtype.kind = DTypeKind::kUInt;
    a->dtype.itemsize = 1;
    a->dtype.byteorder = '|';
    a->shape = {n};
    Allocate(a.get(), static_cast<std::size_t>(n));
    return ArrayValue(a);
  }

  // HistGradientBoosting losses other than squared error / log loss: absolute error (identity
  // link) and Poisson (log link: 0.23 loss.py Poisson.inverse_link_function = np.exp, 1.2+
  // link.py LogLink.inverse = np.exp). Prediction reads only the link, so the target's loss object
  // of the same kind gives the same numbers. Returns false for a loss it does not know.
  bool HgbLinkedLoss(const Obj& o, const Value* held, bool tgt_half) {
    const Value* hcls = held->Class();
    std::string name(hcls->name);
    bool absolute = name == "LeastAbsoluteDeviation" || name == "AbsoluteError";
    bool poisson = name == "Poisson" || name == "HalfPoissonLoss";
    if (!absolute && !poisson) return false;
    const Value* st = StateOf(held);
    auto flag = [&](const char* key, bool fallback) {
      const Value* v = st ? st->Get(key) : nullptr;
      return v && v->kind == Kind::kBool ? v->boolean : fallback;
    };
    // constant hessians: only without sample weights (the same fact under both names)
    bool constant = flag(tgt_half ? "hessians_are_constant" : "constant_hessian", absolute);
    Value* loss;
    const Version tgt = *target_.sklearn;
    if (tgt_half) {
      const double inf = std::numeric_limits<double>::infinity();
      Value* closs = file_.graph.New(Kind::kObject);  // CyX(): a stateless extension type
      closs->object->form = ObjectForm::kReduce;
      closs->object->callable = Global("sklearn._loss._loss", absolute ? "CyAbsoluteError" : "CyHalfPoissonLoss");
      closs->object->args = Tuple({});
      Value* state = Dict({{"closs", closs}, {"link", NewObj("sklearn._loss.link", absolute ? "IdentityLink" : "LogLink", nullptr)},
                           {"n_classes", None()}, {"approx_hessian", Bool(absolute)}, {"constant_hessian", Bool(absolute && constant)},
                           {"interval_y_true", absolute ? Interval(-inf, inf, false, false) : Interval(0, inf, true, false)},
                           {"interval_y_pred", absolute ? Interval(-inf, inf, false, false) : Interval(0, inf, false, false)}});
      if (tgt >= Version{1, 9, 0}) Set(state, "xp", None()), Set(state, "device", None());
      loss = NewObj("sklearn._loss.loss", absolute ? "AbsoluteError" : "HalfPoissonLoss", state);
    } else {
      loss = NewObj("sklearn.ensemble._hist_gradient_boosting.loss", absolute ? "LeastAbsoluteDeviation" : "Poisson",
                    Dict({{"hessians_are_constant", Bool(absolute && constant)}}));
    }
    std::string_view held_key = o.state->Get("_loss") ? "_loss" : "loss_";
    std::erase_if(o.state->entries, [](const auto& e) { return e.first->is_text() && (e.first->text == "_loss" || e.first->text == "loss_"); });
    Set(o.state, TargetHolds(o.class_path, "loss_") ? "loss_" : "_loss", loss);
    const Value* param = o.state->Get("loss");
    if (absolute && param && param->is_text()) {
      // renamed in 1.0 (gradient_boosting.py)
      std::string_view p = tgt >= Version{1, 0, 0} ? "absolute_error" : "least_absolute_deviation";
      if (param->text != p) Set(o.state, "loss", Str(p));
    }
    Change(o.path, fmt::format("{} {}.{} -> {}.{} (the same {} link)", held_key, std::string(hcls->text), name,
                               std::string(loss->Class()->text), std::string(loss->Class()->name), absolute ? "identity" : "log"));
    return true;
  }

  // ---- 4. attributes ---------------------------------------------------------------------------

  Value* Float(double d) {
    Value* v = file_.graph.New(Kind::kFloat);
    v->real = d;
    return v;
  }
  Value* Float64Array(const std::vector<double>& xs) {
    auto a = std::make_shared<NdArray>();
    a->dtype = DType{};  // <f8
    a->shape = {static_cast<std::int64_t>(xs.size())};
    Allocate(a.get(), xs.size() * sizeof(double));
    if (!xs.empty()) std::memcpy(const_cast<std::byte*>(a->data), xs.data(), xs.size() * sizeof(double));
    return ArrayValue(a);
  }
  static const Value* StateOf(const Value* v) {
    const Value* st = v && v->kind == Kind::kObject ? v->State() : nullptr;
    return st && st->kind == Kind::kDict ? st : nullptr;
  }

  // One row of the derivation table: for class `cls` (short name, or "*" for any), the attribute
  // `key` the target holds or reads and the source lacks. Either `derive` builds it from what the
  // object holds (nullptr: cannot here), or `derive` is empty and `why` records the target-source
  // evidence that no prediction method (predict*, decision_function, transform, score_samples,
  // inverse_transform) reads it, so it may stay absent.
  struct AttrRule {
    std::string_view cls;
    std::string_view key;
    std::function<const Value*(const Obj&)> derive;  ///< empty: unused by prediction
    std::string_view why;
  };

  const std::vector<AttrRule>& AttrRules() {
    if (!attr_rules_.empty()) return attr_rules_;
    const Version tgt = *target_.sklearn;
    auto get = [](const Obj& o, const char* k) { return o.state->Get(k); };
    auto copy = [&](const char* from) { return [from, get](const Obj& o) { return get(o, from); }; };
    auto none = [this](const Obj&) -> const Value* { return None(); };
    auto boolean = [this](bool b) { return [this, b](const Obj&) -> const Value* { return Bool(b); }; };
    auto integer = [this](std::int64_t i) { return [this, i](const Obj&) -> const Value* { return Int(i); }; };
    auto real = [this](double d) { return [this, d](const Obj&) -> const Value* { return Float(d); }; };
    auto text = [this](std::string_view t) { return [this, t](const Obj&) -> const Value* { return Str(t); }; };
    auto int_of = [](const Value* v) -> std::optional<std::int64_t> {
      if (v && v->kind == Kind::kInt) return v->integer;
      return std::nullopt;
    };
    auto glm_features = [this, get](const Obj& o) -> const Value* {
      const Value* c = get(o, "coef_");
      return c && c->kind == Kind::kArray && c->array->ndim() == 1 ? Int(c->array->shape[0]) : nullptr;
    };
    attr_rules_ = {
        // removed hyperparameters an older target still holds; the value reproduces what the newer
        // model did (it never had them).
        {"*", "normalize", boolean(false), "removed in 1.2 (Lars family 1.4): a newer model never normalized; 0.23/1.2 "
                                           "LinearModel._decision_function reads coef_/intercept_ only"},
        {"*", "min_impurity_split", none, "0.23 BaseDecisionTree reads it in fit only (None = off, as newer models)"},
        {"*", "n_jobs", none, "parallelism only; default None"},
        {"*", "verbose", [this, tgt](const Obj& o) -> const Value* {
           // SimpleImputer 1.1-1.2: 'deprecated' (1.2.1 _validate_input warns on anything else)
           if (ShortName(o.class_path) == "SimpleImputer" && tgt >= Version{1, 1, 0}) return Str("deprecated");
           return Int(0);
         }, "logging only, default 0 (SimpleImputer 1.1-1.2: 'deprecated')"},
        {"*", "C", [this](const Obj& o) -> const Value* {
           std::string_view c = ShortName(o.class_path);
           return c.starts_with("SGD") || c == "Perceptron" ? Float(1.0) : nullptr;
         }, "1.9 SGD*/Perceptron/PassiveAggressive no longer hold C; older BaseSGD reads it in fit only (default 1.0)"},
        {"LinearRegression", "tol", real(1e-6), "1.9 LinearRegression: tol only for the sparse lsqr fit (default 1e-6)"},
        {"*", "copy", boolean(true), "copies input only"},
        {"*", "copy_X", boolean(true), "copies input only"},
        {"*", "iid", text("deprecated"), "0.23 BaseSearchCV: iid read in fit only"},
        {"IsolationForest", "behaviour", text("deprecated"), "0.23 IsolationForest: behaviour read in fit only"},
        {"AdaBoostClassifier", "algorithm", [this, tgt](const Obj&) -> const Value* { return tgt >= Version{1, 4, 0} ? Str("SAMME") : nullptr; },
         "1.9 always applies SAMME; 1.4-1.5 default to SAMME.R, so the value must be SAMME. Into < 1.4 (whose SAMME votes "
         "differ) AdaBoostSamme rewrites the model as SAMME.R"},
        {"*", "presort", text("deprecated"), "0.23 BaseDecisionTree: presort read in fit only ('deprecated' default)"},
        // hyperparameters added after the model was written (real files of 0.18-0.21 in the wild corpus);
        // the default is what the older model did
        {"SVC", "break_ties", boolean(false), "0.22: break_ties=False is the older one-vs-one vote"},
        {"NuSVC", "break_ties", boolean(false), "0.22: break_ties=False is the older one-vs-one vote"},
        {"LogisticRegression", "l1_ratio", none, "0.21: elastic-net mixing, read in fit only; None = no elastic net, as before"},
        {"GaussianNB", "priors", none, "0.17-era files lack it; None = priors from the training data (class_prior_), as they did"},
        {"SGDClassifier", "early_stopping", boolean(false), "0.20: fit only; False as before"},
        {"SGDRegressor", "early_stopping", boolean(false), "0.20: fit only; False as before"},
        {"SGDClassifier", "validation_fraction", real(0.1), "0.20: fit only (early stopping)"},
        {"SGDRegressor", "validation_fraction", real(0.1), "0.20: fit only (early stopping)"},
        {"SGDClassifier", "n_iter_no_change", integer(5), "0.20: fit only (early stopping)"},
        {"SGDRegressor", "n_iter_no_change", integer(5), "0.20: fit only (early stopping)"},
        {"LogisticRegression", "solver", text("liblinear"), "a file without solver predates 0.15, when liblinear was the only solver "
                                                             "(predict_proba's 'auto' one-vs-rest test reads it)"},
        {"LogisticRegression", "max_iter", integer(100), "0.17-era files lack it; fit only, default 100"},
        {"LogisticRegression", "warm_start", boolean(false), "0.17-era files lack it; fit only, default False"},
        {"SGDClassifier", "max_iter", integer(1000), "0.19 replaced n_iter by max_iter; fit only, default 1000"},
        {"SGDRegressor", "max_iter", integer(1000), "0.19 replaced n_iter by max_iter; fit only, default 1000"},
        {"SGDClassifier", "tol", none, "0.19: stopping tolerance, fit only; None = no tolerance, as the older model"},
        {"SGDRegressor", "tol", none, "0.19: stopping tolerance, fit only; None = no tolerance, as the older model"},
        {"GaussianNB", "var_smoothing", real(1e-9), "0.20: added to the variances at fit only; predict reads the fitted variances"},
        {"CountVectorizer", "_stop_words_id", none, "1.x transform memoises its stop-word check by id(stop_words) via getattr (None: check once)"},
        {"TfidfVectorizer", "_stop_words_id", none, "1.x transform memoises its stop-word check by id(stop_words) via getattr (None: check once)"},
        {"SimpleImputer", "_fill_dtype", [this, get](const Obj& o) -> const Value* {
           return get(o, "_fit_dtype") ? get(o, "_fit_dtype") : Derive(o, "_fit_dtype");
         }, "1.9 renamed _fit_dtype (X.dtype at fit) to _fill_dtype"},
        {"OneHotEncoder", "feature_name_combiner", text("concat"), "1.3+: read by get_feature_names_out only; default 'concat'"},
        {"OneHotEncoder", "sparse", [this, tgt, get](const Obj& o) -> const Value* {
           if (tgt >= Version{1, 2, 0}) return Str("deprecated");  // 1.2.1 fit: sparse != 'deprecated' overrides sparse_output
           const Value* so = get(o, "sparse_output");
           return so && so->kind == Kind::kBool ? so : nullptr;
         }, "renamed sparse_output in 1.2; < 1.2 transform reads sparse"},
        {"*", "max_categories", none, "infrequent categories off (the source had none)"},
        {"*", "min_frequency", none, "infrequent categories off (the source had none)"},
        {"*", "encoded_missing_value", real(std::nan("")), "1.1 OrdinalEncoder default; a 0.23 encoder rejected missing values"},
        {"ColumnTransformer", "_has_str_cols", [this, get](const Obj& o) -> const Value* {
           const Value* t = get(o, "transformers_");
           if (!t || (t->kind != Kind::kList && t->kind != Kind::kTuple)) return nullptr;
           bool str = false;
           for (const Value* item : t->items) {
             if (item->items.size() < 3) return nullptr;
             const Value* cols = item->items[2];
             if (cols->is_text()) str = true;
             if ((cols->kind == Kind::kList || cols->kind == Kind::kTuple) && !cols->items.empty() && cols->items[0]->is_text()) str = true;
           }
           return Bool(str);
         }, "0.23 ColumnTransformer.fit: any column selection given as strings (only guards column reordering)"},
        {"ColumnTransformer", "_n_features", copy("n_features_in_"), "<= 1.2 fit: X.shape[1], = n_features_in_"},
        {"KNNImputer", "_valid_mask", [this, get](const Obj& o) { return KnnValidMask(get(o, "_mask_fit_X")); },
         "1.1+ fit: ~np.all(_mask_fit_X, axis=0); 0.23 transform computed the same mask from _mask_fit_X"},
        {"TfidfTransformer", "_idf_diag", [this](const Obj& o) { return TfidfIdfDiag(o); },
         "<= 1.4 fit: sp.diags(idf_, format='csr'); 1.5+ holds idf_ itself"},
        {"TfidfTransformer", "n_features_in_", [this](const Obj& o) -> const Value* {
           const Value* idf = o.state->Get("idf_") ? o.state->Get("idf_") : Derive(o, "idf_");
           return idf && idf->kind == Kind::kArray && idf->array->ndim() == 1 ? Int(idf->array->size()) : nullptr;
         }, "1.0+ fit: the vocabulary size = the length of idf_"},
        {"ColumnTransformer", "_transformer_to_input_indices", [this](const Obj& o) { return CtInputIndices(o); },
         "1.2+ fit: {name: _get_column_indices(X, columns)} plus 'remainder'; resolved from transformers_ / _remainder"},
        {"ColumnTransformer", "feature_names_in_", [get](const Obj& o) -> const Value* {
           const Value* f = get(o, "_feature_names_in");
           return f && f->kind == Kind::kArray ? f : nullptr;
         }, "0.23 _feature_names_in: the DataFrame's column names (renamed in 1.0)"},
        {"ColumnTransformer", "verbose_feature_names_out", boolean(true), "1.0+ default; prefixes output names (get_feature_names_out, "
                                                                         "pandas output) only"},
        {"ColumnTransformer", "output_indices_", {}, "1.2-1.9 _column_transformer.py: transform never reads it (get_feature_names_out "
                                                     "fallback and set_output bookkeeping only)"},
        {"PCA", "n_oversamples", integer(10), "randomized svd in fit only; default 10"},
        {"TruncatedSVD", "n_oversamples", integer(10), "randomized svd in fit only; default 10"},
        {"PCA", "power_iteration_normalizer", text("auto"), "randomized svd in fit only; default 'auto'"},
        {"TruncatedSVD", "power_iteration_normalizer", text("auto"), "randomized svd in fit only; default 'auto'"},
        {"DummyClassifier", "n_features_in_", [this, tgt](const Obj&) -> const Value* { return tgt < Version{1, 0, 0} ? None() : nullptr; },
         "0.23 Dummy*.fit sets it to None (no input validation)"},
        {"DummyRegressor", "n_features_in_", [this, tgt](const Obj&) -> const Value* { return tgt < Version{1, 0, 0} ? None() : nullptr; },
         "0.23 Dummy*.fit sets it to None (no input validation)"},
        {"KBinsDiscretizer", "dtype", none, "1.2+ transform: None keeps float64/float32 as 0.23 did"},
        {"KBinsDiscretizer", "quantile_method", text("linear"), "1.9: fit only; np.percentile's linear method as before"},
        {"GaussianNB", "var_", copy("sigma_"), "renamed from sigma_ in 1.0 (same variances)"},
        {"GaussianNB", "sigma_", copy("var_"), "0.23 name of var_"},
        {"MLPClassifier", "best_validation_score_", none, "None unless early stopping (the source did not stop early)"},
        {"MLPRegressor", "best_validation_score_", none, "None unless early stopping (the source did not stop early)"},
        {"PolynomialFeatures", "_max_degree", [&, int_of, get](const Obj& o) -> const Value* {
           auto d = int_of(get(o, "degree"));
           return d ? Int(*d) : nullptr;
         }, "1.0+ fit: _max_degree = degree for an int degree"},
        {"PolynomialFeatures", "_min_degree", [&, int_of, get](const Obj& o) -> const Value* {
           return int_of(get(o, "degree")) ? Int(0) : nullptr;
         }, "1.0+ fit: _min_degree = 0 for an int degree"},
        {"TfidfVectorizer", "norm", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("norm") : nullptr; },
         "0.23 TfidfVectorizer.norm is a property of its _tfidf"},
        {"TfidfVectorizer", "use_idf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("use_idf") : nullptr; },
         "0.23 property of _tfidf"},
        {"TfidfVectorizer", "smooth_idf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("smooth_idf") : nullptr; },
         "0.23 property of _tfidf"},
        {"TfidfVectorizer", "sublinear_tf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("sublinear_tf") : nullptr; },
         "0.23 property of _tfidf"},
        {"GradientBoostingClassifier", "_loss", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 3, 0} ? get(o, "loss_") : nullptr; },
         "1.1-1.2 renamed loss_ (the same _gb_losses object) to _loss"},
        {"GradientBoostingRegressor", "_loss", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 3, 0} ? get(o, "loss_") : nullptr; },
         "1.1-1.2 renamed loss_ (the same _gb_losses object) to _loss"},
        {"GradientBoostingClassifier", "loss_", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 0, 0} ? get(o, "_loss") : nullptr; },
         "0.23 name of the same _gb_losses object (1.1-1.3 _loss)"},
        {"GradientBoostingRegressor", "loss_", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 0, 0} ? get(o, "_loss") : nullptr; },
         "0.23 name of the same _gb_losses object (1.1-1.3 _loss)"},
        {"GradientBoostingClassifier", "oob_scores_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
        {"GradientBoostingRegressor", "oob_scores_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
        {"GradientBoostingClassifier", "oob_score_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
        {"GradientBoostingRegressor", "oob_score_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
        {"StackingClassifier", "_label_encoder", copy("_le"), "renamed from _le in 1.0 (the same LabelEncoder)"},
        {"StackingClassifier", "_le", copy("_label_encoder"), "0.23 name of _label_encoder"},
        {"*", "importance_getter", text("auto"), "'auto' reads coef_ / feature_importances_ as < 0.24 did"},
        {"*", "class_weight_", [this](const Obj& o) -> const Value* {
           std::string c(ShortName(o.class_path));
           return c == "SVR" || c == "NuSVR" || c == "OneClassSVM" ? Float64Array({}) : nullptr;
         }, "0.23 BaseLibSVM.fit: regression models hold np.empty(0)"},
        {"*", "_effective_probability", [this, get](const Obj& o) -> const Value* {
           const Value* p = get(o, "probability");
           return p && p->kind == Kind::kBool ? p : Bool(false);
         }, "1.9 BaseLibSVM.fit: = probability (False when 'deprecated')"},
        {"*", "classes_", [get](const Obj& o) -> const Value* {
           std::string c(ShortName(o.class_path));
           if (c != "RidgeClassifier" && c != "RidgeClassifierCV") return nullptr;
           const Value* s = StateOf(get(o, "_label_binarizer"));
           return s ? s->Get("classes_") : nullptr;
         }, "< 1.9 RidgeClassifier.classes_ was the property _label_binarizer.classes_"},
        {"NearestCentroid", "class_prior_", [this, get](const Obj& o) -> const Value* {
           const Value* c = get(o, "classes_");
           if (!c || c->kind != Kind::kArray || c->array->ndim() != 1 || c->array->size() == 0) return nullptr;
           std::int64_t n = c->array->size();
           return Float64Array(std::vector<double>(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n)));
         }, "1.9 predict: uniform priors take the plain nearest-centroid path the source used"},
        {"LogisticRegressionCV", "use_legacy_attributes", boolean(true), "1.9 default True: the attribute layout of older versions"},
        {"MissingIndicator", "_precomputed", [this](const Obj& o) -> const Value* { return Bool(o.path.ends_with(".indicator_")); },
         "1.0+: an imputer's indicator_ is fitted on (and transforms) the precomputed missing mask; a standalone one is not"},
        {"MissingIndicator", "n_features_in_", copy("_n_features"), "the same count"},
        {"*", "force_alpha", boolean(false), "1.2+ _check_alpha in fit only; False = the alpha clipping older versions did"},
        {"BayesianRidge", "max_iter", copy("n_iter"), "renamed from n_iter in 1.3"},
        {"ARDRegression", "max_iter", copy("n_iter"), "renamed from n_iter in 1.3"},
        {"BayesianRidge", "n_iter", copy("max_iter"), "older name of max_iter"},
        {"ARDRegression", "n_iter", copy("max_iter"), "older name of max_iter"},
        {"GaussianProcessRegressor", "n_targets", none, "1.3+: used by sample_y before fit only"},
        {"IsotonicRegression", "X_thresholds_", copy("_necessary_X_"), "renamed in 0.24"},
        {"IsotonicRegression", "y_thresholds_", copy("_necessary_y_"), "renamed in 0.24"},
        {"IsotonicRegression", "_necessary_X_", copy("X_thresholds_"), "0.23 name"},
        {"IsotonicRegression", "_necessary_y_", copy("y_thresholds_"), "0.23 name"},
        {"MiniBatchKMeans", "_batch_size", copy("batch_size"), "1.0+ fit: min(batch_size, n_samples); used in fit only"},
        {"NMF", "_beta_loss", [&, get](const Obj& o) -> const Value* {
           const Value* b = get(o, "beta_loss");
           if (b && b->is_text()) {
             if (b->text == "frobenius") return Float(2.0);
             if (b->text == "kullback-leibler") return Float(1.0);
             if (b->text == "itakura-saito") return Float(0.0);
           }
           return b && (b->kind == Kind::kFloat || b->kind == Kind::kInt) ? b : nullptr;
         }, "1.0+ _check_params: _beta_check(beta_loss)"},
        {"RBFSampler", "_gamma", [get](const Obj& o) -> const Value* {
           const Value* g = get(o, "gamma");
           return g && (g->kind == Kind::kFloat || g->kind == Kind::kInt) ? g : nullptr;
         }, "1.2+ fit: _gamma = gamma for a numeric gamma"},
        {"FastICA", "_whiten", [this, get](const Obj& o) -> const Value* {
           const Value* w = get(o, "whiten");
           if (w && w->kind == Kind::kBool) return w->boolean ? Str("arbitrary-variance") : Bool(false);
           return w && w->is_text() && w->text != "warn" ? w : nullptr;
         }, "1.1+ fit: True -> 'arbitrary-variance'"},
        {"FastICA", "whiten_solver", text("svd"), "1.2+ fit only; 'svd' as before"},
        {"*", "alpha_per_target", boolean(false), "1.0+: one alpha for all targets, as before"},
        {"*", "store_cv_results", copy("store_cv_values"), "renamed in 1.5"},
        {"*", "store_cv_values", copy("store_cv_results"), "renamed in 1.5"},
        {"KernelPCA", "eigenvalues_", copy("lambdas_"), "renamed in 1.0"},
        {"KernelPCA", "eigenvectors_", copy("alphas_"), "renamed in 1.0"},
        {"KernelPCA", "lambdas_", copy("eigenvalues_"), "0.23 name"},
        {"KernelPCA", "alphas_", copy("eigenvectors_"), "0.23 name"},
        {"ClassifierChain", "chain_method", text("predict"), "1.6+ default: chains predict() as before"},
        {"*", "compute_inverse_components", boolean(false), "1.1+: inverse_transform computes pinv on demand"},
        {"GaussianRandomProjection", "dense_output", boolean(true), "0.23 GaussianRandomProjection passes dense_output=True"},
        {"LassoLarsIC", "noise_variance", none, "1.1+ fit only; None = estimated as before"},
        {"FactorAnalysis", "rotation", none, "0.24+: None = no rotation, as before"},
        {"RobustScaler", "unit_variance", boolean(false), "0.24+ default: no extra scaling, as before"},
        {"SplineTransformer", "handle_missing", text("error"), "1.8+ default"},
        {"SplineTransformer", "sparse_output", boolean(false), "1.2+ default: dense, as before"},
        {"*", "n_alphas", [&, get, int_of](const Obj& o) -> const Value* {
           auto a = int_of(get(o, "alphas"));
           return Int(a ? *a : 100);
         }, "1.9 merged n_alphas into alphas; fit only"},
        {"QuadraticDiscriminantAnalysis", "covariance_estimator", none, "1.9 default: empirical covariance, as before"},
        {"*", "_predict_1d", boolean(false), "1.3+ PLS: ravel a 1d target's prediction; older versions always returned 2d"},
        {"PolynomialFeatures", "_n_out_full", [&, int_of, get](const Obj& o) -> const Value* {
           return int_of(get(o, "degree")) ? get(o, "n_output_features_") : nullptr;
         }, "1.0+ fit: with _min_degree 0, _n_out_full = n_output_features_"},
        {"KBinsDiscretizer", "random_state", none, "1.1+: subsampling in fit only"},
        {"OneHotEncoder", "sparse_output", [tgt, get](const Obj& o) -> const Value* { return tgt >= Version{1, 2, 0} ? get(o, "sparse") : nullptr; },
         "1.2 renamed sparse to sparse_output"},
        {"*", "validation_scores_", none, "None unless early stopping (the source did not stop early)"},
        {"*", "covariance_estimator", none, "0.24+ default: the empirical / shrunk covariance, as before"},
        {"QuadraticDiscriminantAnalysis", "shrinkage", none, "1.9 default: no shrinkage, as before"},
        {"OrdinalEncoder", "handle_unknown", text("error"), "0.24+ default; 0.23 always raised on unknown categories"},
        {"OrdinalEncoder", "unknown_value", none, "0.24+ default with handle_unknown='error'"},
        {"GradientBoostingClassifier", "_n_classes", copy("n_classes_"), "1.1-1.2: the same count"},
        {"GradientBoostingRegressor", "n_classes_", integer(1), "0.23 GradientBoostingRegressor._validate_y: always 1"},
        {"IsolationForest", "_average_path_length_per_tree", [this](const Obj& o) { return IforestPerTree(o, /*average=*/true); },
         "1.3+ fit: per tree, _average_path_length(tree_.n_node_samples)"},
        {"IsolationForest", "_decision_path_lengths", [this](const Obj& o) { return IforestPerTree(o, /*average=*/false); },
         "1.3+ fit: per tree, tree_.compute_node_depths() (the root at depth 1)"},
        {"RandomTreesEmbedding", "_n_features_out", [this, get](const Obj& o) -> const Value* {
           // 1.0+ fit_transform: the one-hot output width = one column per leaf category (no drop)
           const Value* enc = StateOf(get(o, "one_hot_encoder_"));
           const Value* cats = enc ? enc->Get("categories_") : nullptr;
           const Value* drop = enc ? enc->Get("drop_idx_") : nullptr;
           if (!cats || (cats->kind != Kind::kList && cats->kind != Kind::kTuple) || (drop && !drop->is_none())) return nullptr;
           std::int64_t n = 0;
           for (const Value* c : cats->items) {
             if (c->kind != Kind::kArray || c->array->ndim() != 1) return nullptr;
             n += c->array->size();
           }
           return Int(n);
         }, "1.0+ fit_transform: one_hot_encoder_ output width, the sum of its categories_ sizes"},
        {"PoissonRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
        {"GammaRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
        {"TweedieRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
        {"KernelPCA", "gamma_", [this, get](const Obj& o) -> const Value* {
           const Value* g = get(o, "gamma");
           if (g && (g->kind == Kind::kFloat || g->kind == Kind::kInt)) return g;
           const Value* x = get(o, "X_fit_");
           if (g && g->kind == Kind::kNone && x && x->kind == Kind::kArray && x->array->ndim() == 2 && x->array->shape[1] > 0)
             return Float(1.0 / static_cast<double>(x->array->shape[1]));
           return nullptr;
         }, "1.3+ fit: gamma_ = gamma, or 1 / n_features (what pairwise_kernels used for gamma=None)"},
        {"KernelPCA", "iterated_power", text("auto"), "1.0+: randomized eigensolver in fit only"},
        {"NMF", "_n_components", [this, get](const Obj& o) -> const Value* {
           const Value* c = get(o, "components_");
           return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? Int(c->array->shape[0]) : nullptr;
         }, "1.0+ _check_params: n_components, or n_features for None = components_ rows"},
        {"KMeans", "precompute_distances", text("deprecated"), "0.23: deprecated, fit only"},
        {"ClassifierChain", "chain_method_", [this, get](const Obj& o) -> const Value* {
           const Value* c = get(o, "chain_method");
           return c && c->is_text() ? c : Str("predict");
         }, "1.6+ fit: the resolved chain_method ('predict' before 1.6)"},
        {"CategoricalNB", "min_categories", none, "0.24+ default: categories from the data, as before"},
        {"*", "_missing_indices", [this](const Obj& o) -> const Value* {
           // encoders before 0.24 rejected missing values: no category is NaN / None
           return WrittenBy(&o) < Version{0, 24, 0} ? file_.graph.New(Kind::kDict) : nullptr;
         }, "1.1+ _fit: {feature: index of the missing category}; empty for a pre-0.24 encoder (no missing support)"},
        {"OneHotEncoder", "_n_features_outs", [this, get](const Obj& o) -> const Value* {
           const Value* cats = get(o, "categories_");
           const Value* drop = get(o, "drop_idx_");
           if (!cats || (cats->kind != Kind::kList && cats->kind != Kind::kTuple)) return nullptr;
           const std::int64_t n_features = static_cast<std::int64_t>(cats->items.size());
           // drop_idx_: None, or per feature the dropped index (an int array, or 0.23+ object array
           // whose None means nothing dropped, as drop='if_binary' leaves non-binary features)
           auto dropped = [&](std::size_t i) -> std::optional<bool> {
             if (!drop || drop->kind == Kind::kNone) return false;
             if (drop->kind != Kind::kArray || drop->array->ndim() != 1 || drop->array->size() != n_features) return std::nullopt;
             if (drop->array->dtype.kind == DTypeKind::kInt) return true;
             if (drop->array->dtype.kind != DTypeKind::kObject || i >= drop->array->objects.size()) return std::nullopt;
             const Value* d = drop->array->objects[i];
             if (d->kind == Kind::kNone) return false;
             return d->kind == Kind::kInt ? std::optional<bool>(true) : std::nullopt;
           };
           Value* out = file_.graph.New(Kind::kList);
           for (std::size_t i = 0; i < cats->items.size(); ++i) {
             const Value* c = cats->items[i];
             auto d = dropped(i);
             if (c->kind != Kind::kArray || c->array->ndim() != 1 || !d) return nullptr;
             out->items.push_back(Int(c->array->size() - (*d ? 1 : 0)));
           }
           return out;
         }, "1.1+ _compute_n_features_outs: len(categories_[i]), minus 1 where a category is dropped (no infrequent ones)"},
        {"KBinsDiscretizer", "subsample", none, "1.1+: subsampling in fit only; None = all samples, as 0.23"},
        {"NearestCentroid", "priors", text("uniform"), "1.5+: fit computes class_prior_ from it; 'uniform' = the old plain rule"},
        {"QuadraticDiscriminantAnalysis", "solver", text("svd"), "1.9: fit only; 'svd' as before"},
        {"HistGradientBoostingClassifier", "max_features", real(1.0), "1.4+: feature subsampling while growing trees in fit; 1.0 = all, as before"},
        {"HistGradientBoostingRegressor", "max_features", real(1.0), "1.4+: feature subsampling while growing trees in fit; 1.0 = all, as before"},
        // ---- MiniBatchKMeans: 0.23 predict (_labels_inertia_minibatch) reads cluster_centers_, batch_size, verbose;
        // 1.0+ predict reads cluster_centers_, _n_threads. The rest is fit / partial_fit state.
        {"MiniBatchKMeans", "_n_since_last_reassign", {}, "1.0+ _kmeans.py: random reassignment in fit / partial_fit only"},
        {"MiniBatchKMeans", "n_steps_", {}, "1.0+ _kmeans.py: fit diagnostics (partial_fit counts on from it with getattr)"},
        {"MiniBatchKMeans", "_algorithm", {}, "0.23 _kmeans.py: KMeans._check_params sets it for KMeans.fit; MiniBatchKMeans never reads it"},
        {"MiniBatchKMeans", "counts_", {}, "0.23 _kmeans.py: partial_fit state only (1.0+ _counts)"},
        {"MiniBatchKMeans", "init_size_", {}, "0.23 _kmeans.py: fit only"},
        // 0.23 MiniBatchKMeans.__init__ passes only some parameters to KMeans.__init__: the others hold
        // KMeans' defaults, read by KMeans.fit only
        {"MiniBatchKMeans", "algorithm", text("auto"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
        {"MiniBatchKMeans", "copy_x", boolean(true), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
        {"MiniBatchKMeans", "n_jobs", text("deprecated"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
        {"MiniBatchKMeans", "precompute_distances", text("deprecated"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
        // ---- NMF: the regularisation of W in transform (update_H=False; H's terms unused there)
        {"NMF", "alpha_W", [this](const Obj& o) { return NmfAlphaW(o); }, "0.23 alpha scaled by n_features (see NmfAlphaW)"},
        {"NMF", "alpha_H", text("same"), "0.23 regularized W and H alike (regularization='both'); transform never reads H's terms"},
        {"NMF", "alpha", [this](const Obj& o) { return NmfAlpha(o); }, "1.0+ alpha_W scaled by n_features (see NmfAlpha)"},
        // ---- AdditiveChi2Sampler: the interval fit resolved (0.23-1.2 sample_interval_, 1.3-1.4
        // _sample_interval; 1.5+ holds neither and transform resolves it from the parameters)
        {"AdditiveChi2Sampler", "sample_interval_", [this](const Obj& o) { return Chi2Interval(o); }, "see Chi2Interval"},
        {"AdditiveChi2Sampler", "_sample_interval", [this](const Obj& o) { return Chi2Interval(o); }, "see Chi2Interval"},
        // ---- KernelPCA: 1.4+ fit builds KernelCenterer().set_output(transform="default")
        {"KernelCenterer", "_sklearn_output_config", [this](const Obj& o) -> const Value* {
           if (!o.path.ends_with("._centerer")) return nullptr;
           Value* d = file_.graph.New(Kind::kDict);
           d->entries.emplace_back(Str("transform"), Str("default"));
           return d;
         }, "1.4+ _kernel_pca.py fit: the centerer's output pinned to 'default' (numpy), as older centerers returned"},
        {"KernelCenterer", "_sklearn_output_config", {}, "set by set_output only: absent = the global transform_output, as before"},
        // ---- CategoricalNB
        {"CategoricalNB", "n_categories_", [this](const Obj& o) { return CategoricalNbCounts(o); },
         "1.0+ fit (min_categories None): X.max(axis=0) + 1 per feature = the columns of feature_log_prob_[i]; read by fit only"},
        // ---- BayesianRidge / ARDRegression (0.23 ARD holds neither; see BayesStd for their values)
        {"ARDRegression", "X_offset_", [this](const Obj& o) { return BayesFilled(o, 0.0); },
         "1.0-1.4 predict never reads it; zeros keep a later 1.9 std uncentred, as the 0.23 std was"},
        {"ARDRegression", "X_scale_", [this](const Obj& o) { return BayesFilled(o, 1.0); }, "1.0+: ones (no normalize)"},
        // ---- CalibratedClassifierCV (the inner classifiers: CalibratedClassifiers)
        {"CalibratedClassifierCV", "ensemble", boolean(true), "1.0+ fit only: 0.23 always kept one calibrated classifier per fold "
         "(ensemble=True); predict_proba averages calibrated_classifiers_ either way"},
        // fit-only attributes: absent is fine
        {"MiniBatchKMeans", "_ewa_inertia", {}, "1.0+ _kmeans.py: early stopping in fit only"},
        {"MiniBatchKMeans", "_ewa_inertia_min", {}, "1.0+ _kmeans.py: early stopping in fit only"},
        {"MiniBatchKMeans", "_no_improvement", {}, "1.0+ _kmeans.py: early stopping in fit only"},
        {"*", "oob_score_", {}, "fit diagnostics"},
        {"*", "_n_samples_bootstrap", {}, "1.4+ _forest.py: read by _get_estimators_indices (estimators_samples_, oob) only"},
        {"*", "_is_categorical_remapped", {}, "1.4 / 1.9 gradient_boosting.py: passed to the grower in fit only"},
        {"*", "n_iter_", {}, "fit diagnostics (BaseLibSVM, ARD): never read when predicting"},
        {"RidgeClassifier", "solver_", {}, "1.9 _ridge.py: set by fit, never read"},
        {"RidgeClassifierCV", "solver_", {}, "1.9 _ridge.py: set by fit, never read"},
        {"NearestCentroid", "deviations_", {}, "1.9 _nearest_centroid.py: shrinkage computation in fit only"},
        {"NearestCentroid", "within_class_std_dev_", {}, "1.5+ _nearest_centroid.py: read by decision_function / predict_proba / "
         "predict_log_proba only, methods an older model never had (absent there: AttributeError, never an answer); predict "
         "with the uniform class_prior_ derived above takes the plain nearest centroid"},
        {"*", "_n_feature_outs", {}, "1.2-1.9 _stacking.py: written by _concatenate_predictions, read by get_feature_names_out only"},
        {"_ConstantPredictor", "n_features_in_", {}, "1.2-1.9 _check_n_features(reset=False) skips the check when absent"},
        {"*", "oob_improvement_", {}, "GradientBoosting: fit diagnostics"},
        {"MiniBatchKMeans", "_counts", {}, "1.0+ _kmeans.py: partial_fit state only"},
        {"LassoLarsIC", "noise_variance_", {}, "1.1+: the criterion in fit only"},
        {"Birch", "partial_fit_", {}, "0.23 birch.py: partial_fit bookkeeping"},
        {"*", "_loss_function_", {}, "1.2-1.9 _stochastic_gradient.py: read only in fit_binary / _fit_one_class (predict uses coef_)"},
        {"*", "loss_function_", {}, "0.23-1.2 _stochastic_gradient.py: read only in fit_binary / _fit_one_class"},
        {"*", "_n_samples", {}, "1.4+ _forest.py: read by _get_estimators_indices (estimators_samples_, oob) only"},
        {"*", "_sample_weight", {}, "1.9 _bagging.py/_forest.py: read by estimators_samples_ only"},
        {"*", "lower_bounds_", {}, "1.9 mixture/_base.py: fit history"},
        {"*", "_best_coefs", {}, "1.9 _multilayer_perceptron.py: early stopping in fit only"},
        {"*", "_best_intercepts", {}, "1.9 _multilayer_perceptron.py: early stopping in fit only"},
        {"*", "stop_words_", {}, "0.23-1.4 text.py: set by fit (_limit_features) only, never read"},
        {"*", "_feature_subsample_rng", {}, "1.4+ HistGradientBoosting: read while growing trees in fit only"},
        {"*", "_num_iter", {}, "1.1+ BaseLibSVM: fit bookkeeping for n_iter_"},
        {"*", "cv_results_", {}, "RFECV: cross-validation record only"},
        {"*", "grid_scores_", {}, "RFECV: cross-validation record only"},
        {"*", "_checked_cv_orig", {}, "1.9 BaseSearchCV: fit bookkeeping"},
        {"DummyClassifier", "n_features_in_", {}, "1.9 dummy.py: predict* never validate X"},
        {"DummyRegressor", "n_features_in_", {}, "1.9 dummy.py: predict never validates X"},
        {"Birch", "fit_", {}, "0.23 birch.py: partial_fit bookkeeping"},
    };
    HgbAttrRules(&attr_rules_);
    return attr_rules_;
  }

  // HistGradientBoosting rows (see section 3b).
  void HgbAttrRules(std::vector<AttrRule>* rules) {
    auto get = [](const Obj& o, const char* k) { return o.state->Get(k); };
    for (std::string_view cls : {"HistGradientBoostingClassifier", "HistGradientBoostingRegressor"}) {
      rules->push_back({cls, "_n_features", [get](const Obj& o) { return get(o, "n_features_in_"); }, "0.24+ _raw_predict: X.shape[1], = n_features_in_"});
      rules->push_back({cls, "n_features_", [get](const Obj& o) { return get(o, "_n_features") ? get(o, "_n_features") : get(o, "n_features_in_"); },
                        "0.23 name of _n_features"});
      rules->push_back({cls, "is_categorical_", [this](const Obj& o) -> const Value* { return WrittenBy(&o) < Version{0, 24, 0} ? None() : nullptr; },
                        "None: no categorical features (0.23 had no categorical support)"});
      rules->push_back({cls, "categorical_features", [this](const Obj&) -> const Value* { return None(); },
                        "fit only; None = no categorical features, as the source had none"});
      rules->push_back({cls, "interaction_cst", [this](const Obj&) -> const Value* { return None(); }, "1.2+: fit only; None = no constraints, as before"});
      rules->push_back({cls, "_preprocessor", [this](const Obj&) -> const Value* { return None(); },
                        "1.4+ _preprocess_X: None validates X and predicts on the raw values, as every version before 1.4 did "
                        "(including 1.2's categorical splits on raw category values)"});
      rules->push_back({cls, "_scorer", [this](const Obj&) -> const Value* { return None(); }, "early stopping in fit only"});
      rules->push_back({cls, "scorer_", [this](const Obj&) -> const Value* { return None(); }, "0.23: early stopping in fit only"});
    }
    rules->push_back({"HistGradientBoostingClassifier", "class_weight", [this](const Obj&) -> const Value* { return None(); },
                      "1.2+: sample weights in fit only; None = unweighted, as before"});
    rules->push_back({"HistGradientBoostingRegressor", "quantile", [this](const Obj&) -> const Value* { return None(); },
                      "1.1+: read by the quantile loss only (the source's loss is another)"});
    rules->push_back({"HistGradientBoostingClassifier", "_label_encoder", [this, get](const Obj& o) -> const Value* {
                        const Value* classes = get(o, "classes_");
                        if (!classes || classes->kind != Kind::kArray) return nullptr;
                        return NewObj("sklearn.preprocessing._label", "LabelEncoder",
                                      Dict({{"classes_", classes}, {"_sklearn_version", Str(target_.sklearn->Str())}}));
                      },
                      "1.9 _encode_y: the LabelEncoder fitted on y, whose classes_ are classes_ (read in fit / warm start only)"});
    rules->push_back({"_BinMapper", "is_categorical_", [this, get](const Obj& o) -> const Value* {
                        const Value* n = get(o, "n_bins_non_missing_");
                        return n && n->kind == Kind::kArray && n->array->ndim() == 1 ? HgbUInt8Zeros(n->array->size()) : nullptr;
                      },
                      "0.24+ make_known_categories_bitsets: one uint8 flag per feature; all 0 for a 0.23 binner (no categorical support)"});
    rules->push_back({"_BinMapper", "is_categorical", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: None = no categorical features"});
    rules->push_back({"_BinMapper", "known_categories", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: None = no categorical features"});
    rules->push_back({"_BinMapper", "n_threads", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: binning threads in fit only"});
  }

  /// A table row for (class, key): class-specific rows first, then '*'.
  const AttrRule* FindRule(const Obj& o, const std::string& key, bool derivable) {
    std::string_view cls = ShortName(o.class_path);
    const AttrRule* any = nullptr;
    for (const auto& r : AttrRules()) {
      if (r.key != key || static_cast<bool>(r.derive) != derivable) continue;
      if (r.cls == cls) return &r;
      if (r.cls == "*" && !any) any = &r;
    }
    return any;
  }

  /// A value for `key` of object `o` derived from what it holds, or nullptr.
  const Value* Derive(const Obj& o, const std::string& key) {
    const Value* s = o.state;
    auto get = [&](const char* k) { return s->Get(k); };
    std::string cls(ShortName(o.class_path));
    if (const AttrRule* r = FindRule(o, key, true)) {
      if (const Value* v = r->derive(o)) return v;
    }
    if (key == "n_features_in_") {
      if (get("n_features_")) return get("n_features_");
      // a linear model fitted before 0.23: coef_ has one column per input feature
      const Value* coef = get("coef_");
      if (coef && coef->kind == Kind::kArray && (coef->array->ndim() == 1 || coef->array->ndim() == 2)) {
        return Int(coef->array->shape[coef->array->ndim() - 1]);
      }
      return nullptr;
    }
    if (key == "n_features_") {
      if (cls.starts_with("Bagging") || cls.find("Forest") != std::string::npos || cls.starts_with("ExtraTrees") ||
          cls.starts_with("GradientBoosting") || cls.starts_with("DecisionTree") || cls.starts_with("ExtraTree") ||
          cls.starts_with("RandomTrees") || cls.starts_with("IsolationForest") || cls.ends_with("NB")) {
        return get("n_features_in_");
      }
      return nullptr;
    }
    for (const auto& group : std::vector<std::vector<const char*>>{{"estimator", "base_estimator"}, {"estimator_", "base_estimator_", "_estimator"}}) {
      if (std::find_if(group.begin(), group.end(), [&](const char* g) { return key == g; }) == group.end()) continue;
      for (const char* g : group) {
        if (key != g && get(g)) {
          const Value* v = get(g);
          // 'deprecated' / 'warn' placeholders are not estimators
          if (v->is_text()) continue;
          return v;
        }
      }
      return nullptr;
    }
    if (key == "n_input_features_" && cls == "PolynomialFeatures") return get("n_features_in_");
    if (key == "keep_empty_features") return Bool(false);
    if (key == "_feature_names_in" && cls == "ColumnTransformer") return get("feature_names_in_") ? get("feature_names_in_") : None();
    if (key == "monotonic_cst") return None();
    if (key == "clip") return Bool(false);
    if (key == "positive") return Bool(false);
    if (key == "_infrequent_enabled") return Bool(false);
    if (key == "feature_names_out") return None();
    if (key == "_drop_idx_after_grouping") return get("drop_idx_");
    if (key == "_n_features_out") {
      // LinearDiscriminantAnalysis: _max_components; Birch: subcluster_centers_ rows; random
      // projections: n_components_; PLS: x_rotations_ columns; kernel samplers: n_components
      if (cls == "LinearDiscriminantAnalysis") return get("_max_components");
      if (cls == "Birch") {
        const Value* c = get("subcluster_centers_");
        return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? Int(c->array->shape[0]) : nullptr;
      }
      if (cls.ends_with("RandomProjection")) return get("n_components_");
      if (cls == "SkewedChi2Sampler" || cls == "RBFSampler") {
        const Value* w = get("random_weights_");
        return w && w->kind == Kind::kArray && w->array->ndim() == 2 ? Int(w->array->shape[1]) : nullptr;
      }
      if (cls.starts_with("PLS") || cls == "CCA") {
        const Value* r = get("x_rotations_");
        return r && r->kind == Kind::kArray && r->array->ndim() == 2 ? Int(r->array->shape[1]) : nullptr;
      }
      for (const char* k : {"components_", "cluster_centers_"}) {
        const Value* c = get(k);
        if (c && c->kind == Kind::kArray && c->array->ndim() == 2) return Int(c->array->shape[0]);
      }
      return nullptr;
    }
    if (key == "multi_class") {
      if (!cls.starts_with("LogisticRegression")) return nullptr;
      const Value* classes = get("classes_");
      const Value* solver = get("solver");
      if (!classes || classes->kind != Kind::kArray) return nullptr;
      if (classes->array->size() <= 2) return Str("auto");
      // a >= 1.8 multiclass model is multinomial (softmax); liblinear would be one-vs-rest in old versions
      if (solver && solver->is_text() && solver->text == "liblinear") return nullptr;
      return Str("multinomial");
    }
    if (key == "_fit_dtype") {
      const Value* st = get("statistics_");
      if (!st || st->kind != Kind::kArray) return nullptr;
      const DType& d = st->array->dtype;
      if (d.kind != DTypeKind::kFloat && d.kind != DTypeKind::kInt && d.kind != DTypeKind::kObject) return nullptr;
      std::string type = d.kind == DTypeKind::kObject ? "O8" : fmt::format("{}{}", d.kind == DTypeKind::kFloat ? 'f' : 'i', d.itemsize);
      Value* dt = file_.graph.New(Kind::kObject);
      dt->object->form = ObjectForm::kReduce;
      dt->object->callable = Global("numpy", "dtype");
      dt->object->args = Tuple({Str(type), Bool(false), Bool(true)});
      dt->object->state = Tuple({Int(3), Str(d.kind == DTypeKind::kObject ? "|" : "<"), None(), None(), None(), Int(-1), Int(-1),
                                 Int(d.kind == DTypeKind::kObject ? 63 : 0)});
      return dt;
    }
    if (key == "idf_") {
      const Value* diag = get("_idf_diag");
      if (!diag || diag->kind != Kind::kObject) return nullptr;
      const Value* ds = diag->State();
      if (!ds || ds->kind != Kind::kDict) return nullptr;
      const Value* data = ds->Get("data");
      const Value* indices = ds->Get("indices");
      const Value* shape = ds->Get("_shape");
      if (!data || !indices || !shape || data->kind != Kind::kArray || indices->kind != Kind::kArray || shape->kind != Kind::kTuple ||
          shape->items.size() != 2 || shape->items[0]->kind != Kind::kInt)
        return nullptr;
      std::int64_t n = shape->items[0]->integer;
      if (data->array->size() != n || data->array->dtype.kind != DTypeKind::kFloat || indices->array->dtype.kind != DTypeKind::kInt)
        return nullptr;
      // a csr diagonal: row i holds column i
      for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t col = indices->array->dtype.itemsize == 4 ? indices->array->view<std::int32_t>()[i] : indices->array->view<std::int64_t>()[i];
        if (col != i) return nullptr;
      }
      return data;
    }
    return nullptr;
  }

  void Attributes() {
    static const std::set<std::string> kMethods = {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
                                                   "score_samples", "inverse_transform", "fit", "kneighbors"};
    for (auto& o : objects_) {
      if (!o.state || !o.class_path.starts_with("sklearn.")) continue;
      std::string cls(ShortName(o.class_path));
      // a 0.23 TfidfTransformer's only fitted state is the private _idf_diag (or nothing, without idf)
      if (cls == "TfidfTransformer") TfidfWithoutIdf(o);
      if (!compat::IsFitted(*o.state) && !(cls == "TfidfTransformer" && o.state->Get("_idf_diag"))) {
        // an unfitted estimator (a meta-estimator's template): its parameters, as the target's
        // get_params / clone read them; derived where the table can, never a refusal
        auto r = env_->state_keys.find(o.class_path);
        if (r == env_->state_keys.end()) continue;
        std::vector<std::string> added;
        for (const auto& key : r->second) {
          if (key.empty() || key.back() == '_' || key.front() == '_' || o.state->Get(key)) continue;
          const Value* v = Derive(o, key);
          if (!v) continue;
          Set(o.state, key, v);
          added.push_back(key);
        }
        if (!added.empty()) {
          std::string list;
          for (const auto& k : added) list += (list.empty() ? "" : ", ") + k;
          Change(o.path, "parameters added: " + list);
        }
        continue;
      }
      std::set<std::string> wanted, required;
      if (auto r = env_->predict_reads.find(cls); r != env_->predict_reads.end()) {
        for (const auto& k : r->second) {
          if (kMethods.count(k) || k.find('(') != std::string::npos) continue;
          wanted.insert(k);
          required.insert(k);
        }
      }
      if (auto r = env_->state_keys.find(o.class_path); r != env_->state_keys.end()) {
        wanted.insert(r->second.begin(), r->second.end());
        required.insert(r->second.begin(), r->second.end());  // the target always holds them: assume it reads them
      }
      Version tgt = *target_.sklearn;
      bool tree_family = cls.starts_with("DecisionTree") || cls.starts_with("ExtraTree") || cls.find("Forest") != std::string::npos ||
                         cls.starts_with("GradientBoosting") || cls.starts_with("Bagging") || cls.starts_with("RandomTrees");
      if (tree_family && tgt < Version{1, 2, 0} && o.state->Get("n_features_in_")) wanted.insert("n_features_");
      if (cls == "PolynomialFeatures" && tgt < Version{1, 0, 0}) wanted.insert("n_input_features_"), required.insert("n_input_features_");
      if (cls == "GaussianNB" && tgt < Version{1, 0, 0}) wanted.insert("sigma_"), required.insert("sigma_");
      // encoders: 1.1+ transform reads _missing_indices (and OneHotEncoder _n_features_outs), which
      // the measured state_keys miss; measured live (AttributeError) from a 0.23 source
      if ((cls == "OneHotEncoder" || cls == "OrdinalEncoder") && tgt >= Version{1, 1, 0} && WrittenBy(&o) < Version{1, 0, 0}) {
        wanted.insert("_missing_indices"), required.insert("_missing_indices");
        if (cls == "OneHotEncoder") wanted.insert("_n_features_outs"), required.insert("_n_features_outs");
      }
      if (cls == "ColumnTransformer" && tgt >= Version{1, 0, 0} && o.state->Get("_feature_names_in")) wanted.insert("feature_names_in_");
      if (const Value* u = o.state->Get("use_idf"); cls == "TfidfTransformer" && u && u->kind == Kind::kBool && !u->boolean) {
        wanted.erase("idf_"), required.erase("idf_");  // 1.9 text.py: fit sets idf_ only with use_idf, transform uses it if present
      }
      if (cls == "SGDClassifier") SgdLoss(o);
      Pls(o);  // renames the statistics the target reads
      CalibratedClassifiers(o);  // the inner _CalibratedClassifier layout
      if (cls == "OneHotEncoder") OneHotInfrequent(o);
      if (cls == "SimpleImputer") SimpleImputerConstant(o);
      if (cls == "RidgeClassifier" || cls == "RidgeClassifierCV") RidgeBinaryCoef(o);
      if (cls == "ColumnTransformer") CtPassthrough(o);
      std::vector<std::string> added;
      for (const auto& key : wanted) {
        if (o.state->Get(key)) continue;
        if (cls == "IsotonicRegression" && key == "f_") continue;  // rebuilt by __setstate__
        const Value* v = Derive(o, key);
        if (!v && FindRule(o, key, false)) continue;  // unused by prediction (see the table's evidence)
        if (!v) {
          if (required.count(key)) {
            throw Error::Unsupported(fmt::format("{}: {} lacks {}, which scikit-learn {} reads when predicting, and skbridge cannot "
                                                 "derive it from the attributes it holds",
                                                 o.path, cls, key, target_.sklearn->Str()));
          }
          continue;
        }
        Set(o.state, key, v);
        added.push_back(key);
      }
      BayesStd(o);
      if (!added.empty()) {
        std::string list;
        for (const auto& k : added) list += (list.empty() ? "" : ", ") + k;
        Change(o.path, "attributes added: " + list);
      }
    }
  }

  // ---- NearestCentroid -------------------------------------------------------------------------

  /// 1.5+ predict takes the plain nearest centroid when np.isclose(class_prior_, 1 / n_classes)
  /// (rtol 1e-5, atol 1e-8) holds for every class (1.9 _nearest_centroid.py predict).
  static bool NearestCentroidUniform(const Obj& o) {
    const Value* p = o.state ? o.state->Get("class_prior_") : nullptr;
    if (!p) return true;  // before 1.5: no priors
    if (p->kind != Kind::kArray || p->array->ndim() != 1 || p->array->dtype.kind != DTypeKind::kFloat || p->array->dtype.itemsize != 8 ||
        p->array->size() == 0)
      return false;
    auto v = p->array->view<double>();
    const double uniform = 1.0 / static_cast<double>(p->array->size());
    for (std::int64_t i = 0; i < p->array->size(); ++i) {
      if (!(std::abs(v[i] - uniform) <= 1e-8 + 1e-5 * uniform)) return false;
    }
    return true;
  }

  // ---- AdditiveChi2Sampler ---------------------------------------------------------------------
  //
  // The interval of the sampling: the fitted one under either name, else what fit resolves from the
  // parameters (0.23-1.4 fit, 1.9 transform: sample_interval, or 0.8 / 0.5 / 0.4 for sample_steps
  // 1 / 2 / 3; other steps need sample_interval).
  const Value* Chi2Interval(const Obj& o) {
    for (const char* k : {"_sample_interval", "sample_interval_"}) {
      if (const Value* v = o.state->Get(k); v && Number(v)) return v;
    }
    const Value* given = o.state->Get("sample_interval");
    if (Number(given)) return given;
    const Value* steps = o.state->Get("sample_steps");
    if (!steps || steps->kind != Kind::kInt) return nullptr;
    if (steps->integer == 1) return Float(0.8);
    if (steps->integer == 2) return Float(0.5);
    if (steps->integer == 3) return Float(0.4);
    return nullptr;
  }

  // ---- CategoricalNB ----------------------------------------------------------------------------

  /// 1.0+ n_categories_ of a 0.23 model: 0.23 fit sized feature_log_prob_[i] (n_classes, X[:, i].max()
  /// + 1), which 1.0+ fit records as n_categories_[i] (int64, _validate_n_categories without
  /// min_categories).
  const Value* CategoricalNbCounts(const Obj& o) {
    const Value* logp = o.state->Get("feature_log_prob_");
    if (!logp || (logp->kind != Kind::kList && logp->kind != Kind::kTuple) || logp->items.empty()) return nullptr;
    std::vector<std::int64_t> counts;
    for (const Value* f : logp->items) {
      if (f->kind != Kind::kArray || f->array->ndim() != 2) return nullptr;
      counts.push_back(f->array->shape[1]);
    }
    auto a = std::make_shared<NdArray>();
    a->dtype.kind = DTypeKind::kInt;
    a->dtype.itemsize = 8;
    a->shape = {static_cast<std::int64_t>(counts.size())};
    Allocate(a.get(), counts.size() * sizeof(std::int64_t));
    std::memcpy(const_cast<std::byte*>(a->data), counts.data(), counts.size() * sizeof(std::int64_t));
    return ArrayValue(a);
  }

  // ---- BayesianRidge / ARDRegression ------------------------------------------------------------
  //
  // The mean is X @ coef_ + intercept_ everywhere. predict(X, return_std=True) computes the std on
  // X - X_offset_ in 1.9 (_bayes.py), on X in 1.0-1.4, and on (X - X_offset_) / X_scale_ in 0.23
  // with normalize=True (on X without). So: into 1.9 from older, X_offset_ becomes zeros (X - 0 is
  // X exactly); from 1.9 into 0.23, normalize=True with X_scale_ ones ((X - X_offset_) / 1 is
  // X - X_offset_ exactly); from 1.9 into 1.0-1.4 only a zero X_offset_ (fit_intercept=False) works.
  // A 0.23 normalize=True std ((X - X_offset_) / X_scale_) has no 1.0+ counterpart.

  /// An array of n_features copies of `fill` (n_features from coef_), or nullptr.
  const Value* BayesFilled(const Obj& o, double fill) {
    const Value* coef = o.state->Get("coef_");
    if (!coef || coef->kind != Kind::kArray || coef->array->ndim() != 1) return nullptr;
    return Float64Array(std::vector<double>(static_cast<std::size_t>(coef->array->size()), fill));
  }
  /// Whether `key` is a float64 array whose every value is `x`.
  static bool AllEqual(const Obj& o, const char* key, double x) {
    const Value* v = o.state->Get(key);
    if (!v || v->kind != Kind::kArray || v->array->dtype.kind != DTypeKind::kFloat || v->array->dtype.itemsize != 8) return false;
    auto d = v->array->view<double>();
    for (std::int64_t i = 0; i < v->array->size(); ++i) {
      if (d[i] != x) return false;
    }
    return true;
  }

  void BayesStd(const Obj& o) {
    std::string cls(ShortName(o.class_path));
    if (cls != "BayesianRidge" && cls != "ARDRegression") return;
    const Version src = WrittenBy(&o), tgt = *target_.sklearn;
    const Version v1_0{1, 0, 0}, v1_9{1, 9, 0};
    const bool src_centres = src >= v1_9, tgt_centres = tgt >= v1_9;
    const Value* normalize = o.state->Get("normalize");
    const bool normalized = src < v1_0 && normalize && normalize->kind == Kind::kBool && normalize->boolean;
    auto refuse = [&](std::string_view why) {
      throw Error::Unsupported(fmt::format("{}: {} predict(X, return_std=True): {}; the standard deviation would differ (the mean would "
                                           "not)", o.path, cls, why));
    };
    if (normalized && tgt >= v1_0) {
      refuse(fmt::format("scikit-learn {} (normalize=True) computed it on (X - X_offset_) / X_scale_; scikit-learn {} has no "
                         "normalize and computes it on {}", src.Str(), tgt.Str(), tgt_centres ? "X - X_offset_" : "X"));
    }
    if (!src_centres && tgt_centres) {
      if (AllEqual(o, "X_offset_", 0.0)) return;
      const Value* zeros = BayesFilled(o, 0.0);
      if (!zeros) refuse("coef_ is not a 1-d array");
      Set(o.state, "X_offset_", zeros);
      Change(o.path, fmt::format("X_offset_ -> zeros: scikit-learn {} computes the predictive std on X - X_offset_, {} on X", tgt.Str(), src.Str()));
    } else if (src_centres && !tgt_centres) {
      if (AllEqual(o, "X_offset_", 0.0)) return;
      if (tgt >= v1_0) {
        refuse(fmt::format("scikit-learn {} computed it on X - X_offset_ (a nonzero X_offset_: fitted with an intercept); scikit-learn {} "
                           "computes it on X and nothing in its state centres X", src.Str(), tgt.Str()));
      }
      if (!o.state->Get("X_scale_")) {
        if (const Value* ones = BayesFilled(o, 1.0)) Set(o.state, "X_scale_", ones);
      }
      if (!AllEqual(o, "X_scale_", 1.0) || !o.state->Get("X_offset_")) refuse("X_scale_ is not all ones or X_offset_ is missing");
      Set(o.state, "normalize", Bool(true));
      Change(o.path, fmt::format("normalize -> True with X_scale_ ones: scikit-learn {} computes the predictive std on (X - X_offset_) / "
                                 "X_scale_ only when normalizing, as {} does on X - X_offset_ (the mean ignores normalize)",
                                 tgt.Str(), src.Str()));
    }
  }

  // ---- CalibratedClassifierCV -----------------------------------------------------------------
  //
  // predict_proba averages calibrated_classifiers_ (every version). Each _CalibratedClassifier
  // calibrates the decision_function (else predict_proba) of its estimator one class at a time:
  //   0.23     base_estimator, calibrators_, classes_ (= label_encoder_.classes_, the classes given),
  //            label_encoder_, classes, method; n_classes = len(classes_)
  //   1.0+     estimator, calibrators, classes, method; n_classes = len(classes), the class indices
  //            from LabelEncoder().fit(classes)
  // (calibration.py of 0.23 / 1.2 / 1.9). The classes are the outer LabelEncoder's (sorted, unique),
  // so a LabelEncoder fitted on them reproduces the 0.23 label_encoder_. Normalisation agrees: a
  // zero row sum gives 0/0 = NaN -> 1/n_classes in 0.23, the uniform row in 1.0+.
  void CalibratedClassifiers(const Obj& o) {
    if (ShortName(o.class_path) != "CalibratedClassifierCV") return;
    const Value* list = o.state->Get("calibrated_classifiers_");
    if (!list || list->kind != Kind::kList) return;
    const Version tgt = *target_.sklearn;
    const bool tgt_new = tgt >= Version{1, 0, 0};
    int converted = 0;
    for (const Value* item : list->items) {
      Value* st = Mut(StateOf(item));
      auto refuse = [&](std::string_view why) {
        throw Error::Unsupported(fmt::format("{}: a calibrated classifier {}", o.path, why));
      };
      if (!st) refuse("without a state dict");
      const bool src_new = st->Get("calibrators") != nullptr;
      if (src_new == tgt_new) continue;
      const Value* method = st->Get("method");
      if (!method || !method->is_text() || (method->text != "sigmoid" && method->text != "isotonic"))
        refuse(fmt::format("with method {}: only 'sigmoid' and 'isotonic' exist in scikit-learn {}",
                           method && method->is_text() ? std::string(method->text) : "?", tgt.Str()));
      const Value* estimator = st->Get(src_new ? "estimator" : "base_estimator");
      const Value* calibrators = st->Get(src_new ? "calibrators" : "calibrators_");
      const Value* classes = st->Get(src_new ? "classes" : "classes_");
      if (!estimator || !calibrators || calibrators->kind != Kind::kList || !classes || classes->kind != Kind::kArray || classes->array->ndim() != 1)
        refuse("lacks its estimator, calibrators or classes array");
      st->entries.clear();  // in place: objects_ holds this dict
      if (tgt_new) {
        Set(st, "estimator", estimator), Set(st, "calibrators", calibrators), Set(st, "classes", classes), Set(st, "method", method);
      } else {
        Value* encoder = NewObj("sklearn.preprocessing._label", "LabelEncoder",
                                Dict({{"classes_", classes}, {"_sklearn_version", Str(tgt.Str())}}));
        Set(st, "base_estimator", estimator), Set(st, "method", method), Set(st, "classes", classes);
        Set(st, "label_encoder_", encoder), Set(st, "classes_", classes), Set(st, "calibrators_", calibrators);
      }
      ++converted;
    }
    if (converted) {
      Change(o.path, fmt::format("{} calibrated classifier(s): {}", converted,
                                 tgt_new ? "base_estimator / calibrators_ / classes_ -> estimator / calibrators / classes (1.0+ layout)"
                                         : "estimator / calibrators / classes -> base_estimator / calibrators_ / classes_ + label_encoder_ (0.23 layout)"));
    }
  }

  // ---- OneHotEncoder: infrequent categories (1.1+) -------------------------------------------------
  //
  // 1.1+ groups the categories of a feature seen fewer than min_frequency times (or beyond
  // max_categories) into one output column after the frequent ones, and handle_unknown=
  // 'infrequent_if_exist' sends unknown categories there (_encoders.py _infrequent_indices,
  // _compute_transformed_categories, _map_infrequent_categories). Before 1.1 every category has its
  // own column in categories_ order and unknown ones are all zeros ('ignore') or an error. So a port
  // into < 1.1 is faithful when no feature has an infrequent category, or a feature's only
  // infrequent category is already its last one (its column is the same) and unknown categories do
  // not go to it. Reordering categories_ instead is not safe: 0.23 encodes numeric and numpy str
  // inputs by np.searchsorted over categories_, which must stay sorted.
  void OneHotInfrequent(const Obj& o) {
    if (*target_.sklearn >= Version{1, 1, 0}) return;
    const Value* enabled = o.state->Get("_infrequent_enabled");
    if (!enabled || enabled->kind != Kind::kBool || !enabled->boolean) return;
    const Value* indices = o.state->Get("_infrequent_indices");
    const Value* cats = o.state->Get("categories_");
    if (!indices || indices->kind != Kind::kList || !cats || cats->kind != Kind::kList || cats->items.size() != indices->items.size())
      throw Error::Unsupported(o.path + ": OneHotEncoder with infrequent categories enabled but no per-feature _infrequent_indices");
    const Value* names = o.state->Get("feature_names_in_");
    const Value* hu = o.state->Get("handle_unknown");
    const bool to_infrequent = hu && hu->is_text() && hu->text == "infrequent_if_exist";
    for (std::size_t i = 0; i < indices->items.size(); ++i) {
      const Value* idx = indices->items[i];
      if (idx->kind == Kind::kNone) continue;
      std::string feature = fmt::format("{}", i);
      if (names && names->kind == Kind::kArray && i < names->array->objects.size() && names->array->objects[i]->is_text())
        feature = fmt::format("'{}'", std::string(names->array->objects[i]->text));
      const Value* c = cats->items[i];
      if (idx->kind != Kind::kArray || idx->array->dtype.kind != DTypeKind::kInt || idx->array->dtype.itemsize != 8 || c->kind != Kind::kArray)
        throw Error::Unsupported(fmt::format("{}: OneHotEncoder feature {}: unexpected _infrequent_indices / categories_", o.path, feature));
      const std::int64_t n = idx->array->size(), n_cats = c->array->size();
      const bool last_only = n == 1 && idx->array->view<std::int64_t>()[0] == n_cats - 1;
      std::string why;
      if (n > 1) {
        why = fmt::format("has {} infrequent categories sharing one output column; scikit-learn {} (before 1.1) gives each its own column", n,
                          target_.sklearn->Str());
      } else if (!last_only) {
        why = fmt::format("has its one infrequent category (index {} of {}) in an output column after the frequent ones; scikit-learn {} "
                          "(before 1.1) keeps the categories_ order, which its encoding needs sorted",
                          idx->array->view<std::int64_t>()[0], n_cats, target_.sklearn->Str());
      }
      if (to_infrequent) {
        why += fmt::format("{}sends unknown categories to its infrequent column (handle_unknown='infrequent_if_exist'); scikit-learn {} "
                           "(before 1.1) encodes them as all zeros",
                           why.empty() ? "" : ", and ", target_.sklearn->Str());
      }
      if (!why.empty()) throw Error::Unsupported(fmt::format("{}: OneHotEncoder feature {} {}, so transform would differ", o.path, feature, why));
    }
    if (to_infrequent) {  // no infrequent column anywhere (else refused above): unknown ones are all zeros
      Set(o.state, "handle_unknown", Str("ignore"));
      Change(o.path, "handle_unknown 'infrequent_if_exist' -> 'ignore' (no infrequent column: unknown categories are all zeros either way)");
    }
  }

  // ---- NMF ------------------------------------------------------------------------------------
  //
  // transform solves for W with H = components_ fixed. 0.23 (_nmf.py _compute_regularization with
  // regularization='both') penalises W by alpha * l1_ratio and alpha * (1 - l1_ratio); 1.0+
  // (NMF._compute_regularization) by n_features * alpha_W * l1_ratio and n_features * alpha_W *
  // (1 - l1_ratio), evaluated left to right. Both compute the same penalties exactly when
  // n_features * alpha_W == alpha in floating point; W's initialisation and the solvers are the
  // same (_check_w_h / non_negative_factorization: zeros for cd, sqrt(mean / k) for mu).

  /// components_ columns (n_features), or 0.
  static std::int64_t NmfFeatures(const Obj& o) {
    const Value* c = o.state->Get("components_");
    return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? c->array->shape[1] : 0;
  }
  static std::optional<double> Number(const Value* v) {
    if (v && v->kind == Kind::kFloat) return v->real;
    if (v && v->kind == Kind::kInt) return static_cast<double>(v->integer);
    return std::nullopt;
  }

  /// 1.0+ alpha_W for a 0.23 alpha: a double a with n_features * a == alpha exactly.
  const Value* NmfAlphaW(const Obj& o) {
    auto alpha = Number(o.state->Get("alpha"));
    std::int64_t n = NmfFeatures(o);
    if (!alpha || n <= 0) return nullptr;
    const double nf = static_cast<double>(n), guess = *alpha / nf;
    for (double a : {guess, std::nextafter(guess, -INFINITY), std::nextafter(guess, INFINITY)}) {
      if (nf * a == *alpha) return Float(a);
    }
    throw Error::Unsupported(fmt::format("{}: NMF alpha={} has no alpha_W with {} * alpha_W == alpha exactly; scikit-learn >= 1.0 "
                                         "scales W's penalty by n_features, so transform would solve a different problem",
                                         o.path, *alpha, n));
  }

  /// 0.23 alpha for a 1.0+ alpha_W: n_features * alpha_W (the penalty 1.0+ applied to W).
  const Value* NmfAlpha(const Obj& o) {
    auto alpha_w = Number(o.state->Get("alpha_W"));
    std::int64_t n = NmfFeatures(o);
    if (!alpha_w || n <= 0) return nullptr;
    return Float(static_cast<double>(n) * *alpha_w);
  }

  // ---- IsolationForest ----------------------------------------------------------------------------
  //
  // 1.3+ IsolationForest.fit precomputes, per tree and per node, what score_samples used to compute
  // from the leaf each sample lands in (<= 1.2: decision_path length + _average_path_length of the
  // leaf's n_node_samples): _decision_path_lengths (int64 node depths, the root at 1:
  // Tree.compute_node_depths) and _average_path_length_per_tree (float64: 0 for n <= 1, 1 for n = 2,
  // else 2 (ln(n - 1) + Euler's gamma) - 2 (n - 1) / n: _iforest.py _average_path_length). Both
  // are tuples with one array per estimators_ tree.
  const Value* IforestPerTree(const Obj& o, bool average) {
    const Value* est = o.state->Get("estimators_");
    if (!est || est->kind != Kind::kList) return nullptr;
    Value* out = file_.graph.New(Kind::kTuple);
    for (const Value* e : est->items) {
      const Value* tree = StateOf(e) ? StateOf(e)->Get("tree_") : nullptr;
      const Value* nodes = StateOf(tree) ? StateOf(tree)->Get("nodes") : nullptr;
      if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured()) return nullptr;
      const NdArray& a = *nodes->array;
      const DTypeField* left = a.dtype.Field("left_child");
      const DTypeField* right = a.dtype.Field("right_child");
      const DTypeField* count = a.dtype.Field("n_node_samples");
      if (!left || !right || !count || left->type.itemsize != 8 || right->type.itemsize != 8 || count->type.itemsize != 8) return nullptr;
      const std::int64_t n = a.size();
      auto field = [&](std::int64_t i, const DTypeField* f) {
        std::int64_t v;
        std::memcpy(&v, a.data + i * a.dtype.itemsize + f->offset, 8);
        return v;
      };
      auto arr = std::make_shared<NdArray>();
      arr->shape = {n};
      Allocate(arr.get(), static_cast<std::size_t>(n) * 8);
      if (average) {
        arr->dtype = DType{};  // <f8
        auto* d = reinterpret_cast<double*>(const_cast<std::byte*>(arr->data));
        for (std::int64_t i = 0; i < n; ++i) {
          double s = static_cast<double>(field(i, count));
          d[i] = s <= 1 ? 0.0 : s == 2 ? 1.0 : 2.0 * (std::log(s - 1.0) + 0.5772156649015329) - 2.0 * (s - 1.0) / s;
        }
      } else {
        if (!ParseDTypeStr("<i8", &arr->dtype)) return nullptr;
        auto* d = reinterpret_cast<std::int64_t*>(const_cast<std::byte*>(arr->data));
        if (n > 0) d[0] = 1;
        for (std::int64_t i = 0; i < n; ++i) {  // children follow their parent in node order
          std::int64_t l = field(i, left), r = field(i, right);
          if (l < 0) continue;
          if (l <= i || r <= i || l >= n || r >= n) return nullptr;
          d[l] = d[r] = d[i] + 1;
        }
      }
      out->items.push_back(ArrayValue(arr));
    }
    return out;
  }

  // SGDClassifier: loss 'log' was renamed 'log_loss' in 1.1 and removed in 1.3.
  void SgdLoss(const Obj& o) {
    const Value* loss = o.state->Get("loss");
    if (!loss || !loss->is_text()) return;
    Version tgt = *target_.sklearn;
    if (loss->text == "log" && tgt >= Version{1, 3, 0}) {
      Set(o.state, "loss", Str("log_loss"));
      Change(o.path, "loss 'log' -> 'log_loss' (renamed in scikit-learn 1.1)");
    } else if (loss->text == "log_loss" && tgt < Version{1, 1, 0}) {
      Set(o.state, "loss", Str("log"));
      Change(o.path, "loss 'log_loss' -> 'log' (the name before scikit-learn 1.1)");
    }
  }

  // ---- PLSRegression / PLSCanonical / CCA ------------------------------------------------------
  //
  // Four layouts of the same fitted model (A = x_rotations_ @ y_loadings_.T * y_std, (p, q)):
  //   0.23     coef_ = A (p, q); x_mean_ / x_std_ / y_mean_ / y_std_; predict ((X - m) / s) @ coef_ + y_mean_
  //   1.1-1.2  _coef_ = A.T (q, p); _x_mean / _x_std / _y_mean / _y_std, intercept_ = _y_mean;
  //            predict ((X - m) / s) @ _coef_.T + intercept_ (coef_ is a property)
  //   1.3-1.4  coef_ = A.T, otherwise as 1.1
  //   1.9      coef_ = A.T / _x_std (column j divided by _x_std[j]); predict (X - m) @ coef_.T + intercept_
  // (_pls.py of each version). Fit stores A.T as a Fortran-ordered view, so the same buffer serves
  // all layouts; 1.9's folding of 1/_x_std differs from dividing X by it in the last bits only.
  static int PlsLayout(const Version& v) {
    if (v < Version{1, 1, 0}) return 0;
    if (v < Version{1, 3, 0}) return 1;
    return v <= Version{1, 4, 2} ? 2 : 3;
  }

  void Pls(const Obj& o) {
    std::string cls(ShortName(o.class_path));
    if (cls != "PLSRegression" && cls != "PLSCanonical" && cls != "CCA") return;
    const Version written = WrittenBy(&o), tgt = *target_.sklearn;
    const int from = PlsLayout(written), to = PlsLayout(tgt);
    if (from == to) return;
    Value* st = o.state;
    auto refuse = [&](std::string_view why) {
      throw Error::Unsupported(fmt::format("{}: {} (written by {}, target {}): {}", o.path, cls, written.Str(), tgt.Str(), why));
    };
    if (to < 2) {
      const Value* p1d = st->Get("_predict_1d");
      if (p1d && p1d->kind == Kind::kBool && p1d->boolean)
        refuse("fitted on a 1-d y, its predict returns shape (n_samples,) (1.3+ _predict_1d); the target always returns (n_samples, 1)");
    }
    auto stat = [&](const char* old_name, const char* new_name) -> const Value* {
      const Value* v = st->Get(from == 0 ? old_name : new_name);
      if (!v || v->kind != Kind::kArray || v->array->ndim() != 1 || v->array->dtype.kind != DTypeKind::kFloat || v->array->dtype.itemsize != 8)
        refuse(fmt::format("{} is not a float64 vector", from == 0 ? old_name : new_name));
      return v;
    };
    const Value* x_mean = stat("x_mean_", "_x_mean");
    const Value* x_std = stat("x_std_", "_x_std");
    const Value* y_mean = stat("y_mean_", "_y_mean");
    const Value* y_std = stat("y_std_", "_y_std");
    const char* coef_key = from == 1 ? "_coef_" : "coef_";
    const Value* coef = st->Get(coef_key);
    const std::int64_t p = x_mean->array->size(), q = y_mean->array->size();
    if (!coef || coef->kind != Kind::kArray || coef->array->ndim() != 2 || coef->array->dtype.kind != DTypeKind::kFloat ||
        coef->array->dtype.itemsize != 8 || x_std->array->size() != p || y_std->array->size() != q)
      refuse(fmt::format("{} is not a float64 matrix", coef_key));
    const NdArray& c = *coef->array;
    // the element (j, t) of A, whatever the source's shape and memory order
    const bool transposed = from != 0;  // (q, p)
    if (c.shape[0] != (transposed ? q : p) || c.shape[1] != (transposed ? p : q)) refuse(fmt::format("{} has an unexpected shape", coef_key));
    auto cv = c.view<double>();
    auto at = [&](std::int64_t row, std::int64_t col) {
      return c.fortran_order ? cv[col * c.shape[0] + row] : cv[row * c.shape[1] + col];
    };
    auto xs = x_std->array->view<double>();
    std::vector<double> a(static_cast<std::size_t>(p * q));  // A, row-major (p, q)
    for (std::int64_t j = 0; j < p; ++j) {
      for (std::int64_t t = 0; t < q; ++t) {
        double v = transposed ? at(t, j) : at(j, t);
        a[j * q + t] = from == 3 ? v * xs[j] : to == 3 ? v / xs[j] : v;
      }
    }
    auto out = std::make_shared<NdArray>();
    out->dtype = c.dtype;
    Allocate(out.get(), a.size() * sizeof(double));
    std::memcpy(const_cast<std::byte*>(out->data), a.data(), a.size() * sizeof(double));
    if (to == 0) {
      out->shape = {p, q};
    } else {
      out->shape = {q, p};
      out->fortran_order = true;  // A.T as fit stores it
    }
    std::erase_if(st->entries, [](const auto& e) { return e.first->is_text() && (e.first->text == "coef_" || e.first->text == "_coef_"); });
    Set(st, to == 1 ? "_coef_" : "coef_", ArrayValue(out));
    auto copy = [&](const char* to_key, const char* from_key) {
      if (const Value* v = st->Get(from_key); v && !st->Get(to_key)) Set(st, to_key, v);
    };
    if (to == 0) {
      Set(st, "x_mean_", x_mean), Set(st, "x_std_", x_std), Set(st, "y_mean_", y_mean), Set(st, "y_std_", y_std);
      copy("norm_y_weights", "_norm_y_weights");
      copy("x_scores_", "_x_scores"), copy("y_scores_", "_y_scores");
    } else {
      Set(st, "_x_mean", x_mean), Set(st, "_x_std", x_std), Set(st, "_y_mean", y_mean), Set(st, "_y_std", y_std);
      Set(st, "intercept_", y_mean);
      copy("_norm_y_weights", "norm_y_weights");
      copy("_x_scores", "x_scores_"), copy("_y_scores", "y_scores_");
    }
    std::string what = from == 0 || to == 0 ? "coef_ (n_features, n_targets) <-> (n_targets, n_features), statistics renamed" : "coef_ <-> _coef_";
    if (from == 3) what += ", coef_ multiplied by _x_std (scikit-learn <= 1.4 scales X itself)";
    if (to == 3) what += ", coef_ divided by _x_std (scikit-learn > 1.4 folds the scaling in)";
    Change(o.path, fmt::format("PLS layout {} -> {}: {}", written.Str(), tgt.Str(), what));
  }

  // ---- KNNImputer ------------------------------------------------------------------------------

  /// ~np.all(mask, axis=0) of a 2-d boolean mask: the columns with at least one observed value.
  Value* KnnValidMask(const Value* mask) {
    if (!mask || mask->kind != Kind::kArray || mask->array->ndim() != 2 || mask->array->dtype.kind != DTypeKind::kBool ||
        mask->array->dtype.itemsize != 1)
      return nullptr;
    const NdArray& m = *mask->array;
    const std::int64_t rows = m.shape[0], cols = m.shape[1];
    auto out = std::make_shared<NdArray>();
    out->dtype = m.dtype;
    out->shape = {cols};
    Allocate(out.get(), static_cast<std::size_t>(cols));
    auto* dst = const_cast<std::byte*>(out->data);
    for (std::int64_t c = 0; c < cols; ++c) {
      bool all_missing = true;
      for (std::int64_t r = 0; r < rows && all_missing; ++r) {
        std::int64_t at = m.fortran_order ? c * rows + r : r * cols + c;
        all_missing = m.data[at] != std::byte{0};
      }
      dst[c] = std::byte{all_missing ? std::uint8_t{0} : std::uint8_t{1}};
    }
    return ArrayValue(out);
  }

  // ---- SplineTransformer -----------------------------------------------------------------------
  //
  // bsplines_ holds scipy BSpline objects, pickled as their __dict__. scipy 1.17 (the 1.9.0
  // environment) keeps the knots and coefficients as _t / _c behind t / c properties and adds
  // _asarray (array_namespace(c, t).asarray, scipy/interpolate/_bsplines.py), which __call__ and
  // the properties use; scipy 1.10 / 1.15 (the 1.2.1 / 1.4.2 environments) hold t and c. The
  // same arrays, renamed; _asarray is numpy's asarray as array_api_compat wraps it.
  // Before the globals are renamed: the layout decides which scipy globals the file names.
  void ScipyLayouts() {
    for (const auto& o : objects_) {
      if (o.state && ShortName(o.class_path) == "SplineTransformer") SplineBSplines(o);
    }
  }

  void SplineBSplines(const Obj& o) {
    const Value* list = o.state->Get("bsplines_");
    if (!list || list->kind != Kind::kList) return;
    const bool target_private = *target_.sklearn > Version{1, 4, 2};  // scipy >= 1.17 in the measured environments
    const Value* handle = o.state->Get("handle_missing");
    if (!target_private && handle && handle->is_text() && handle->text != "error") {
      throw Error::Unsupported(fmt::format("{}: handle_missing='{}' encodes missing values as zeros (1.8+), which SplineTransformer in "
                                           "scikit-learn {} cannot (it rejects NaN)", o.path, std::string(handle->text), target_.sklearn->Str()));
    }
    int renamed = 0;
    for (const Value* b : list->items) {
      Value* st = Mut(StateOf(b));
      if (!st || b->GlobalPath() != "scipy.interpolate._bsplines.BSpline") throw Error::Unsupported(o.path + ": bsplines_ holds something other than scipy BSpline objects");
      const bool source_private = st->Get("_t") != nullptr;
      if (source_private == target_private) continue;
      std::erase_if(st->entries, [](const auto& e) { return e.first->is_text() && e.first->text == "_asarray"; });
      for (auto& [k, v] : st->entries) {
        if (!k->is_text()) continue;
        std::string_view key = k->text;
        if (target_private && (key == "t" || key == "c")) k = Str(fmt::format("_{}", key));
        if (!target_private && (key == "_t" || key == "_c")) k = Str(key.substr(1));
      }
      if (target_private) Set(st, "_asarray", Global("scipy._lib.array_api_compat.numpy._aliases", "asarray"));
      if (!st->Get(target_private ? "_t" : "t") || !st->Get(target_private ? "_c" : "c")) throw Error::Unsupported(o.path + ": a BSpline without knots or coefficients");
      ++renamed;
    }
    if (renamed) {
      Change(o.path, target_private ? fmt::format("{} BSpline(s): t, c -> _t, _c, _asarray added (scipy >= 1.17 layout)", renamed)
                                    : fmt::format("{} BSpline(s): _t, _c -> t, c, _asarray dropped (scipy < 1.17 layout)", renamed));
    }
  }

  // ---- RidgeClassifier -------------------------------------------------------------------------
  //
  // 1.9 fits a binary RidgeClassifier on a single target column and stores coef_ raveled,
  // (n_features,); <= 1.4 stores (1, n_features), and LinearClassifierMixin.decision_function
  // (1.4 linear_model/_base.py) reads scores.shape[1]. The same numbers as one row.
  void RidgeBinaryCoef(const Obj& o) {
    const Value* coef = o.state->Get("coef_");
    if (*target_.sklearn > Version{1, 4, 2} || !coef || coef->kind != Kind::kArray || coef->array->ndim() != 1) return;
    auto row = std::make_shared<NdArray>(*coef->array);
    row->shape = {1, coef->array->shape[0]};
    row->fortran_order = false;
    Set(o.state, "coef_", ArrayValue(row));
    Change(o.path, fmt::format("coef_ (n_features,) -> (1, n_features) (a binary classifier's layout up to 1.4)"));
  }

  // ---- SimpleImputer ---------------------------------------------------------------------------
  //
  // strategy='constant': 1.9 fit stores statistics_ as an object array (the fill value per column,
  // NaN for a column that was all-missing, which transform then drops unless
  // keep_empty_features) and casts it to _fill_dtype (X.dtype at fit) when transforming
  // (1.9 impute/_base.py _dense_fit / transform). <= 1.4 transform uses statistics_ as stored,
  // requires its dtype to cast to X's, and keeps every column for 'constant'. So the object array
  // becomes an array of the fit dtype; an all-missing column is a genuine difference.
  /// A Python or numpy scalar number as a double / an int64 (integers only), or nullopt.
  static std::optional<double> AsReal(const Value* v) {
    if (v->kind == Kind::kFloat) return v->real;
    if (v->kind == Kind::kInt && !v->is_big_int()) return static_cast<double>(v->integer);
    if (v->kind == Kind::kArray && v->array->is_scalar && v->array->dtype.kind == DTypeKind::kFloat) {
      if (v->array->dtype.itemsize == 8) return v->array->view<double>()[0];
      if (v->array->dtype.itemsize == 4) return static_cast<double>(v->array->view<float>()[0]);
    }
    if (auto i = AsInteger(v)) return static_cast<double>(*i);
    return std::nullopt;
  }
  static std::optional<std::int64_t> AsInteger(const Value* v) {
    if (v->kind == Kind::kInt && !v->is_big_int()) return v->integer;
    if (v->kind != Kind::kArray || !v->array->is_scalar) return std::nullopt;
    const NdArray& a = *v->array;
    if (a.dtype.kind == DTypeKind::kInt) {
      switch (a.dtype.itemsize) {
        case 1: return a.view<std::int8_t>()[0];
        case 2: return a.view<std::int16_t>()[0];
        case 4: return a.view<std::int32_t>()[0];
        case 8: return a.view<std::int64_t>()[0];
      }
    } else if (a.dtype.kind == DTypeKind::kUInt) {
      switch (a.dtype.itemsize) {
        case 1: return a.view<std::uint8_t>()[0];
        case 2: return a.view<std::uint16_t>()[0];
        case 4: return a.view<std::uint32_t>()[0];
        case 8: if (a.view<std::uint64_t>()[0] <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return static_cast<std::int64_t>(a.view<std::uint64_t>()[0]);
      }
    }
    return std::nullopt;
  }

  void SimpleImputerConstant(const Obj& o) {
    const Version tgt = *target_.sklearn;
    const Value* strategy = o.state->Get("strategy");
    const Value* stats = o.state->Get("statistics_");
    if (tgt > Version{1, 4, 2} || WrittenBy(&o) <= Version{1, 4, 2} || !strategy || !strategy->is_text() || strategy->text != "constant" ||
        !stats || stats->kind != Kind::kArray || stats->array->dtype.kind != DTypeKind::kObject)
      return;
    const Value* keep = o.state->Get("keep_empty_features");
    const bool keep_empty = keep && keep->kind == Kind::kBool && keep->boolean;
    const Value* fill = o.state->Get("_fill_dtype") ? o.state->Get("_fill_dtype") : o.state->Get("_fit_dtype");
    const Value* code = fill && fill->kind == Kind::kObject && fill->object->args && !fill->object->args->items.empty()
                            ? fill->object->args->items[0] : nullptr;
    const std::string dtype = code && code->is_text() ? std::string(code->text) : "";
    const NdArray& a = *stats->array;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      const Value* v = a.objects[static_cast<std::size_t>(i)];
      auto real = AsReal(v);
      if (!keep_empty && real && std::isnan(*real)) {
        throw Error::Unsupported(fmt::format("{}: column {} was all-missing at fit: scikit-learn {} drops it from the output "
                                             "(statistics_ NaN, strategy='constant'), {} keeps every column for 'constant'",
                                             o.path, i, WrittenBy(&o).Str(), tgt.Str()));
      }
    }
    if (dtype == "O8" || dtype == "O") return;  // object data: the object statistics cast as before
    DType to;
    if (!ParseDTypeStr("<" + dtype, &to) || (to.kind != DTypeKind::kFloat && to.kind != DTypeKind::kInt && to.kind != DTypeKind::kUInt) ||
        (to.kind == DTypeKind::kFloat && to.itemsize != 4 && to.itemsize != 8)) {
      throw Error::Unsupported(fmt::format("{}: constant fill values for fit dtype '{}' are not converted (float, integer or object only)",
                                           o.path, dtype));
    }
    if (to.itemsize == 1) to.byteorder = '|';
    auto out = CopyHeader(a);
    out->dtype = to;
    Allocate(out.get(), static_cast<std::size_t>(a.size() * to.itemsize));
    for (std::int64_t i = 0; i < a.size(); ++i) {
      const Value* v = a.objects[static_cast<std::size_t>(i)];
      auto* dst = const_cast<std::byte*>(out->data) + i * to.itemsize;
      auto integer = AsInteger(v);
      auto real = AsReal(v);
      if (to.kind == DTypeKind::kFloat && real) {
        double d = *real;
        float f = static_cast<float>(d);
        if (to.itemsize == 8) std::memcpy(dst, &d, 8);
        else std::memcpy(dst, &f, 4);
        continue;
      }
      // integer data: 1.9 fit accepts only a fill value of the same kind (np.can_cast same_kind)
      const int bits = static_cast<int>(to.itemsize * 8);
      const bool fits = integer && (to.kind == DTypeKind::kInt ? (bits == 64 || (*integer >= -(std::int64_t{1} << (bits - 1)) &&
                                                                                  *integer < (std::int64_t{1} << (bits - 1))))
                                                              : (*integer >= 0 && (bits == 64 || *integer < (std::int64_t{1} << bits))));
      if (!fits) {
        throw Error::Unsupported(fmt::format("{}: statistics_[{}] is a {} that does not cast to the fit dtype '{}'", o.path, i, KindName(v->kind), dtype));
      }
      std::memcpy(dst, &*integer, static_cast<std::size_t>(to.itemsize));  // little-endian: the low bytes
    }
    Set(o.state, "statistics_", ArrayValue(out));
    Change(o.path, fmt::format("statistics_: object array -> {} (<= 1.4 transform uses it uncast)", to.Name()));
  }

  // ---- TfidfTransformer ------------------------------------------------------------------------
  //
  // Up to 1.4 fit stores the idf weights as _idf_diag = sp.diags(idf, format='csr') (text.py), and
  // transform multiplies by it; 1.5+ stores the vector idf_ itself. The diagonal csr matrix is
  // rebuilt as scipy pickles it (csr_matrix.__dict__: _shape, maxprint, indices, indptr, data),
  // under the csr module path the target's scipy resolves.

  Value* Int32Range(std::int64_t n) {
    auto a = std::make_shared<NdArray>();
    a->dtype.kind = DTypeKind::kInt, a->dtype.itemsize = 4;
    a->shape = {n};
    Allocate(a.get(), static_cast<std::size_t>(n) * 4);
    auto* d = reinterpret_cast<std::int32_t*>(const_cast<std::byte*>(a->data));
    for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<std::int32_t>(i);
    return ArrayValue(a);
  }

  const Value* TfidfIdfDiag(const Obj& o) {
    const Value* idf = o.state->Get("idf_");
    if (!idf || idf->kind != Kind::kArray || idf->array->ndim() != 1 || idf->array->dtype.kind != DTypeKind::kFloat) return nullptr;
    const std::int64_t n = idf->array->size();
    if (n > std::numeric_limits<std::int32_t>::max()) return nullptr;
    auto csr = env_->resolves.find("scipy.sparse._csr.csr_matrix");
    std::string_view module = csr != env_->resolves.end() && csr->second ? "scipy.sparse._csr" : "scipy.sparse.csr";
    Value* st = Dict({{"_shape", Tuple({Int(n), Int(n)})}, {"maxprint", Int(50)}, {"indices", Int32Range(n)},
                      {"indptr", Int32Range(n + 1)}, {"data", idf}});
    return NewObj(module, "csr_matrix", st);
  }

  // A TfidfTransformer fitted with use_idf=False before 1.0 holds no fitted attribute at all
  // (0.23 fit stores only _idf_diag, and only with use_idf). 1.5+ transform starts with
  // check_is_fitted(self) (1.9 text.py), which needs one; 1.0+ fit records n_features_in_. Inside a
  // TfidfVectorizer that count is the vocabulary size; a standalone transformer does not record it.
  void TfidfWithoutIdf(const Obj& o) {
    const Value* use_idf = o.state->Get("use_idf");
    if (*target_.sklearn <= Version{1, 4, 2} || WrittenBy(&o) >= Version{1, 0, 0} || compat::IsFitted(*o.state) ||
        o.state->Get("_idf_diag") || !use_idf || use_idf->kind != Kind::kBool || use_idf->boolean)
      return;
    for (const auto& parent : objects_) {
      const Value* vocabulary = parent.state && parent.state->Get("_tfidf") == o.object ? parent.state->Get("vocabulary_") : nullptr;
      if (vocabulary && vocabulary->kind == Kind::kDict) {
        Set(o.state, "n_features_in_", Int(static_cast<std::int64_t>(vocabulary->entries.size())));
        Change(o.path, "n_features_in_ = the vectorizer's vocabulary size (a use_idf=False transformer held no fitted attribute)");
        return;
      }
    }
    throw Error::Unsupported(fmt::format("{}: a TfidfTransformer fitted with use_idf=False by scikit-learn {} holds no fitted attribute; "
                                         "scikit-learn {} transform requires one (check_is_fitted), and the feature count n_features_in_ "
                                         "it would record is not in the file", o.path, WrittenBy(&o).Str(), target_.sklearn->Str()));
  }

  // ---- FunctionTransformer ---------------------------------------------------------------------
  //
  // A FunctionTransformer (or TransformedTargetRegressor) holds its func / inverse_func as a
  // pickled global. NumPy 2.0 removed these aliases (NEP 52, the numpy 2.0 migration guide), so a
  // function numpy 1 pickled under the alias name does not load there; numpy 1 defined each as a
  // call of the function that keeps its name in numpy 2 (numpy/core/fromnumeric.py).
  void NumpyRemovedAliases() {
    if (numpy_.major < 2) return;
    static const std::map<std::string_view, std::string_view> kAliases = {
        {"round_", "round"}, {"product", "prod"}, {"cumproduct", "cumprod"}, {"sometrue", "any"}, {"alltrue", "all"}};
    const std::set<const Value*> live = Reachable();
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* g = file_.graph.node(i);
      if (g->kind != Kind::kGlobal || !live.count(g) || (g->text != "numpy" && g->text != "numpy.core.fromnumeric")) continue;
      auto it = kAliases.find(g->name);
      if (it == kAliases.end()) continue;
      Change("file", fmt::format("global {}.{} -> numpy.{} (the alias numpy 2.0 removed)", std::string(g->text), std::string(g->name), it->second));
      g->text = file_.graph.Store("numpy");
      g->name = file_.graph.Store(std::string(it->second));
    }
  }

  // ---- ColumnTransformer -----------------------------------------------------------------------
  //
  // 1.2+ fit records, per transformer name (and 'remainder'), the integer indices of its input
  // columns (_transformer_to_input_indices, from _get_column_indices); transform reads them to
  // select columns by label when fitted and applied on DataFrames. A < 1.2 model holds the same
  // selections as column specs in transformers_ / _remainder, which resolve against the fitted
  // column count and names.

  /// The column names the ColumnTransformer was fitted on (feature_names_in_, 0.23
  /// _feature_names_in), or empty.
  std::vector<std::string> CtFeatureNames(const Obj& o) {
    std::vector<std::string> names;
    const Value* f = o.state->Get("feature_names_in_");
    if (!f || f->kind != Kind::kArray) f = o.state->Get("_feature_names_in");
    if (!f || f->kind != Kind::kArray || f->array->ndim() != 1) return names;
    const NdArray& a = *f->array;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      if (a.dtype.kind == DTypeKind::kUnicode) {
        names.push_back(a.UnicodeAt(i));
      } else if (a.dtype.kind == DTypeKind::kObject && a.objects[static_cast<std::size_t>(i)]->kind == Kind::kStr) {
        names.emplace_back(a.objects[static_cast<std::size_t>(i)]->text);
      } else {
        return {};
      }
    }
    return names;
  }

  /// The integer indices a column spec selects among n columns named `names` (1.2
  /// _get_column_indices: ints may be negative, bool masks, labels), or nullopt when the spec is
  /// of a kind not resolved here (label slices, callables).
  static std::optional<std::vector<std::int64_t>> CtColumnIndices(const Value* spec, std::int64_t n, const std::vector<std::string>& names) {
    std::vector<std::int64_t> out;
    auto by_int = [&](std::int64_t i) {
      if (i < 0) i += n;
      if (i < 0 || i >= n) return false;
      out.push_back(i);
      return true;
    };
    auto by_name = [&](std::string_view s) {
      auto it = std::find(names.begin(), names.end(), s);
      if (it == names.end()) return false;
      out.push_back(it - names.begin());
      return true;
    };
    if (!spec) return std::nullopt;
    if (spec->kind == Kind::kInt && !spec->is_big_int()) return by_int(spec->integer) ? std::optional(out) : std::nullopt;
    if (spec->kind == Kind::kStr) return by_name(spec->text) ? std::optional(out) : std::nullopt;
    if (spec->kind == Kind::kList || spec->kind == Kind::kTuple) {
      bool all_bool = !spec->items.empty() && std::all_of(spec->items.begin(), spec->items.end(), [](const Value* v) { return v->kind == Kind::kBool; });
      if (all_bool) {
        if (static_cast<std::int64_t>(spec->items.size()) != n) return std::nullopt;
        for (std::int64_t i = 0; i < n; ++i) if (spec->items[static_cast<std::size_t>(i)]->boolean) out.push_back(i);
        return out;
      }
      for (const Value* v : spec->items) {
        bool ok = v->kind == Kind::kInt && !v->is_big_int() ? by_int(v->integer) : v->kind == Kind::kStr ? by_name(v->text) : false;
        if (!ok) return std::nullopt;
      }
      return out;
    }
    if (spec->kind == Kind::kObject && spec->object->callable && spec->object->callable->kind == Kind::kGlobal &&
        spec->object->callable->name == "slice" && spec->object->args && spec->object->args->items.size() == 3) {
      // slice(start, stop, step): integer bounds as np.arange(n)[key]; labels as 1.2
      // _get_column_indices: stop label included, the step ignored
      const auto& b = spec->object->args->items;
      auto is_int = [](const Value* v) { return v->kind == Kind::kInt && !v->is_big_int(); };
      if (std::all_of(b.begin(), b.end(), [&](const Value* v) { return v->is_none() || is_int(v); })) {
        std::int64_t step = b[2]->is_none() ? 1 : b[2]->integer;
        if (step == 0) return std::nullopt;
        auto bound = [&](const Value* v, std::int64_t dflt) {
          if (v->is_none()) return dflt;
          std::int64_t i = v->integer < 0 ? v->integer + n : v->integer;
          return step > 0 ? std::clamp<std::int64_t>(i, 0, n) : std::clamp<std::int64_t>(i, -1, n - 1);
        };
        std::int64_t start = bound(b[0], step > 0 ? 0 : n - 1), stop = bound(b[1], step > 0 ? n : -1);
        for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(i);
        return out;
      }
      if ((b[0]->is_none() || b[0]->kind == Kind::kStr) && (b[1]->is_none() || b[1]->kind == Kind::kStr) &&
          !(b[0]->is_none() && b[1]->is_none())) {
        std::int64_t start = 0, stop = n;
        if (!b[0]->is_none()) {
          if (!by_name(b[0]->text)) return std::nullopt;
          start = out.back(), out.clear();
        }
        if (!b[1]->is_none()) {
          if (!by_name(b[1]->text)) return std::nullopt;
          stop = out.back() + 1, out.clear();
        }
        for (std::int64_t i = start; i < stop; ++i) out.push_back(i);
        return out;
      }
      return std::nullopt;
    }
    if (spec->kind == Kind::kArray && spec->array->ndim() <= 1) {
      const NdArray& a = *spec->array;
      if (a.dtype.kind == DTypeKind::kBool) {
        if (a.size() != n || a.dtype.itemsize != 1) return std::nullopt;
        for (std::int64_t i = 0; i < n; ++i) if (a.data[i] != std::byte{0}) out.push_back(i);
        return out;
      }
      for (std::int64_t i = 0; i < a.size(); ++i) {
        bool ok = false;
        if (a.dtype.kind == DTypeKind::kInt && a.dtype.itemsize == 8) ok = by_int(a.view<std::int64_t>()[static_cast<std::size_t>(i)]);
        else if (a.dtype.kind == DTypeKind::kInt && a.dtype.itemsize == 4) ok = by_int(a.view<std::int32_t>()[static_cast<std::size_t>(i)]);
        else if (a.dtype.kind == DTypeKind::kUnicode) ok = by_name(a.UnicodeAt(i));
        else if (a.dtype.kind == DTypeKind::kObject && a.objects[static_cast<std::size_t>(i)]->kind == Kind::kStr) ok = by_name(a.objects[static_cast<std::size_t>(i)]->text);
        if (!ok) return std::nullopt;
      }
      return out;
    }
    return std::nullopt;
  }

  /// {name: input column indices} for every fitted transformer and 'remainder' (1.2+
  /// _validate_column_callables + _validate_remainder), from transformers_ and _remainder.
  const Value* CtInputIndices(const Obj& o) {
    const Value* n_value = o.state->Get("n_features_in_");
    if (!n_value || n_value->kind != Kind::kInt) n_value = o.state->Get("_n_features");
    const Value* fitted = o.state->Get("transformers_");
    if (!n_value || n_value->kind != Kind::kInt || !fitted || (fitted->kind != Kind::kList && fitted->kind != Kind::kTuple)) return nullptr;
    const std::int64_t n = n_value->integer;
    const std::vector<std::string> names = CtFeatureNames(o);
    Value* out = file_.graph.New(Kind::kDict);
    auto add = [&](const Value* name, const std::vector<std::int64_t>& idx) {
      Value* list = file_.graph.New(Kind::kList);
      for (std::int64_t i : idx) list->items.push_back(Int(i));
      out->entries.emplace_back(name, list);
    };
    bool remainder = false;
    for (const Value* item : fitted->items) {
      if (item->items.size() < 3 || !item->items[0]->is_text()) return nullptr;
      auto idx = CtColumnIndices(item->items[2], n, names);
      if (!idx) {
        throw Error::Unsupported(fmt::format("{}: the columns of transformer '{}' ({}) do not resolve to indices among the {} fitted "
                                             "columns{}, which scikit-learn {} records at fit (_transformer_to_input_indices)",
                                             o.path, std::string(item->items[0]->text), KindName(item->items[2]->kind), n,
                                             names.empty() ? " (no column names recorded)" : "", target_.sklearn->Str()));
      }
      add(item->items[0], *idx);
      remainder |= item->items[0]->text == "remainder";
    }
    if (!remainder) {
      // a remainder without columns is absent from transformers_ (0.23 _remainder holds None)
      const Value* r = o.state->Get("_remainder");
      const Value* cols = r && r->kind == Kind::kTuple && r->items.size() == 3 ? r->items[2] : nullptr;
      std::vector<std::int64_t> idx;
      if (cols && !cols->is_none()) {
        auto resolved = CtColumnIndices(cols, n, names);
        if (!resolved) return nullptr;
        idx = *resolved;
      }
      add(Str("remainder"), idx);
    }
    return out;
  }

  /// A fitted identity FunctionTransformer as 1.2+ ColumnTransformer.fit makes for 'passthrough'
  /// columns (FunctionTransformer(accept_sparse=True, check_inverse=False,
  /// feature_names_out='one-to-one'), fitted on those columns: n_features_in_, and
  /// feature_names_in_ when fitted on a DataFrame).
  Value* CtPassthroughTransformer(const std::vector<std::int64_t>& idx, const Value* names_in) {
    Value* st = Dict({{"func", None()}, {"inverse_func", None()}, {"validate", Bool(false)}, {"accept_sparse", Bool(true)},
                      {"check_inverse", Bool(false)}, {"feature_names_out", Str("one-to-one")}, {"kw_args", None()},
                      {"inv_kw_args", None()}, {"_sklearn_output_config", Dict({{"transform", Str("default")}})},
                      {"n_features_in_", Int(static_cast<std::int64_t>(idx.size()))}});
    if (names_in && names_in->kind == Kind::kArray && names_in->array->dtype.kind == DTypeKind::kObject) {
      auto a = std::make_shared<NdArray>();
      a->dtype.kind = DTypeKind::kObject, a->dtype.itemsize = 8, a->dtype.byteorder = '|';
      a->shape = {static_cast<std::int64_t>(idx.size())};
      for (std::int64_t i : idx) a->objects.push_back(names_in->array->objects.at(static_cast<std::size_t>(i)));
      Set(st, "feature_names_in_", ArrayValue(a));
    }
    Set(st, "_sklearn_version", Str(target_.sklearn->Str()));
    return NewObj("sklearn.preprocessing._function_transformer", "FunctionTransformer", st);
  }

  // 'passthrough' columns: 1.2-1.3 transform replaces the string in transformers_ by the fitted
  // FunctionTransformer held in _name_to_fitted_passthrough (an unfitted one otherwise); 1.4+
  // fit stores that FunctionTransformer in transformers_ itself, and transform calls whatever
  // transformers_ holds (1.4 _update_fitted_transformers). Older targets take the string.
  void CtPassthrough(const Obj& o) {
    const Version tgt = *target_.sklearn;
    const Value* fitted = o.state->Get("transformers_");
    if (tgt < Version{1, 2, 0} || !fitted || (fitted->kind != Kind::kList && fitted->kind != Kind::kTuple)) return;
    const Value* held = o.state->Get("_name_to_fitted_passthrough");
    std::vector<std::size_t> passthrough;
    for (std::size_t i = 0; i < fitted->items.size(); ++i) {
      const Value* item = fitted->items[i];
      if (item->items.size() >= 3 && item->items[1]->is_text() && item->items[1]->text == "passthrough") passthrough.push_back(i);
    }
    if (passthrough.empty()) {
      if (!held && tgt < Version{1, 4, 0}) Set(o.state, "_name_to_fitted_passthrough", file_.graph.New(Kind::kDict));
      return;
    }
    const Value* indices = o.state->Get("_transformer_to_input_indices");
    if (!indices) indices = CtInputIndices(o);
    if (!indices) throw Error::Unsupported(o.path + ": the columns of its 'passthrough' transformers do not resolve to indices");
    const Value* names_in = o.state->Get("feature_names_in_");
    if (!names_in) names_in = o.state->Get("_feature_names_in");
    Value* dict = tgt < Version{1, 4, 0} ? file_.graph.New(Kind::kDict) : nullptr;
    Value* list = Mut(fitted);
    std::string moved;
    for (std::size_t i : passthrough) {
      const Value* item = list->items[i];
      const Value* name = item->items[0];
      const Value* ft = held && held->kind == Kind::kDict && name->is_text() ? held->Get(name->text) : nullptr;
      if (!ft) {
        const Value* cols = name->is_text() ? indices->Get(name->text) : nullptr;
        if (!cols || cols->kind != Kind::kList) throw Error::Unsupported(fmt::format("{}: no input columns recorded for passthrough '{}'", o.path, name->text));
        std::vector<std::int64_t> idx;
        for (const Value* c : cols->items) idx.push_back(c->integer);
        ft = CtPassthroughTransformer(idx, names_in);
      }
      if (dict) {
        dict->entries.emplace_back(name, ft);
      } else {
        Value* entry = file_.graph.New(item->kind);
        entry->items = item->items;
        entry->items[1] = ft;
        list->items[i] = entry;
      }
      moved += (moved.empty() ? "'" : ", '") + std::string(name->text) + "'";
    }
    if (dict) {
      Set(o.state, "_name_to_fitted_passthrough", dict);
      Change(o.path, fmt::format("_name_to_fitted_passthrough: fitted identity FunctionTransformer(s) for {} (1.2 fit)", moved));
    } else {
      std::erase_if(o.state->entries, [](const auto& e) { return e.first->is_text() && e.first->text == "_name_to_fitted_passthrough"; });
      Change(o.path, fmt::format("transformers_: 'passthrough' {} -> fitted identity FunctionTransformer (1.4 fit)", moved));
    }
  }

  void Versions() {
    std::string v = target_.sklearn->Str();
    int n = 0;
    for (auto& o : objects_) {
      if (!o.state) continue;
      const Value* ver = o.state->Get("_sklearn_version");
      if (!ver || !ver->is_text() || ver->text == v) continue;
      Set(o.state, "_sklearn_version", Str(v));
      ++n;
    }
    if (n) Change("file", fmt::format("_sklearn_version set to {} in {} objects (their state now has that version's layout)", v, n));
  }

  // ---- 5. writer options -----------------------------------------------------------------------

  void ChooseWriteOptions() {
    WriteOptions& w = report_.write;
    w.format = options_.format;
    w.compressor = options_.compressor;
    int max = compat::MaxProtocolFor(python_);
    int src = std::max(file_.protocol, 2);
    w.protocol = std::clamp(src, 2, std::min(max, 5));
    if (w.protocol != file_.protocol) Change("file", fmt::format("pickle protocol {} -> {} (Python {} reads up to {})", file_.protocol, w.protocol, python_.Str(), max));
    w.numpy2_paths = numpy_.major >= 2;
    w.joblib_alignment = joblib_ >= Version{1, 2, 0} ? 16 : 0;
    if (options_.format == WriteOptions::Format::kJoblib && file_.container == Container::kJoblib && file_.joblib_aligned && !w.joblib_alignment) {
      Change("file", fmt::format("joblib arrays written without 16-byte alignment (joblib {} predates it)", joblib_.Str()));
    }
  }

  void RefreshGlobals() {
    std::vector<GlobalRef> globals;
    std::set<std::string> seen;
    const std::set<const Value*> live = Reachable();
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      const Value* g = file_.graph.node(i);
      if (g->kind != Kind::kGlobal || !live.count(g)) continue;
      GlobalRef r;
      r.module = std::string(g->text);
      r.name = std::string(g->name);
      if (!seen.insert(r.Path()).second) continue;
      r.safety = ClassifyGlobal(r.module, r.name);
      globals.push_back(std::move(r));
    }
    file_.globals = std::move(globals);
    file_.protocol = file_.max_protocol = report_.write.protocol;
    file_.joblib_aligned = report_.write.format == WriteOptions::Format::kJoblib && report_.write.joblib_alignment == 16;
    file_.container = report_.write.format == WriteOptions::Format::kJoblib ? Container::kJoblib : Container::kPickle;
  }

  // ---- 6. the doctor on the result -------------------------------------------------------------

  void Verify() {
    Target t = target_;
    t.numpy = numpy_;
    t.python = python_;
    t.joblib = joblib_;
    DoctorReport after = Doctor(file_, t);
    for (const auto& f : after.findings) {
      if (f.verdict == Verdict::kOk || f.verdict == Verdict::kUnverified) continue;
      throw Error::Unsupported(fmt::format("after porting, {}: {}", f.path, f.message));
    }
  }

  ModelFile& file_;
  const Target& target_;
  PortOptions options_;
  const EnvKnowledge* env_ = nullptr;
  Version numpy_, python_, joblib_;
  std::vector<Obj> objects_;
  std::vector<AttrRule> attr_rules_;
  std::optional<Version> source_;
  PortReport report_;
};

}  // namespace

std::string PortReport::Text() const {
  std::string s = fmt::format("target      {}\n", target.Str());
  for (const auto& a : target.assumptions) s += "assumed     " + a + "\n";
  s += fmt::format("written as  {} protocol {}{}{}\n", write.format == WriteOptions::Format::kJoblib ? "joblib" : "pickle", write.protocol,
                   write.numpy2_paths ? ", numpy._core paths" : ", numpy.core paths",
                   write.format == WriteOptions::Format::kJoblib ? fmt::format(", alignment {}", write.joblib_alignment) : "");
  if (changes.empty()) s += "changes     none needed\n";
  for (const auto& c : changes) s += fmt::format("  {}: {}\n", c.path, c.what);
  for (const auto& r : restrictions) s += "restricted  " + r + "\n";
  return s;
}

PortReport Port(ModelFile& file, const Target& target, const PortOptions& options) { return Porter(file, target, options).Run(); }

}  // namespace skbridge
