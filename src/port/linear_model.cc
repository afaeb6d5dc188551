// skbridge port, linear models: GLM losses / families, SGD loss names and objects,
// BayesianRidge / ARDRegression std, RidgeClassifier binary coef_.
#include <fmt/format.h>

#include <limits>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- GLMs: PoissonRegressor / GammaRegressor / TweedieRegressor ---------------------------------
//
// predict is link.inverse(X @ coef_ + intercept_) in every version; only where the link lives
// changed. 0.23 (glm.py) holds _family_instance (sklearn._loss.glm_distribution.*Distribution) and
// _link_instance (sklearn.linear_model._glm.link.LogLink / IdentityLink); 1.1+ holds _base_loss
// (sklearn._loss.loss.HalfPoissonLoss / HalfGammaLoss / HalfTweedieLoss (log link) /
// HalfTweedieLossIdentity), whose .link.inverse predict calls. Both are rebuilt from the family
// (Poisson power 1, Gamma power 2, Tweedie its power) and the link, as each version's fit does.
void Porter::Glms() {
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
      power = AsReal(power_value);
      const std::string link_path = link_instance->GlobalPath();
      std::string_view link_cls = ShortName(link_path);
      if (!power || (link_cls != "LogLink" && link_cls != "IdentityLink")) {
        throw Error::Unsupported(fmt::format("{}: a GLM with family {} and link {}: not a Tweedie family with a log or identity link",
                                             o.path, family->Repr(), link_instance->Repr()));
      }
      log_link = link_cls == "LogLink";
    } else if (base_loss && !family) {
      if (tgt_loss) continue;
      const std::string loss_path = base_loss->GlobalPath();
      std::string_view loss_cls = ShortName(loss_path);
      const Value* ls = StateOf(base_loss);
      if (loss_cls == "HalfPoissonLoss") power = 1, power_value = Int(1);
      if (loss_cls == "HalfGammaLoss") power = 2, power_value = Int(2);
      if (loss_cls == "HalfTweedieLoss" || loss_cls == "HalfTweedieLossIdentity") {
        power_value = o.state->Get("power");  // the parameter fit passed on (float(power) in closs)
        power = AsReal(power_value);
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

std::string_view Porter::GlmLossName(std::string_view estimator, bool log_link) {
  if (estimator == "PoissonRegressor") return "HalfPoissonLoss";
  if (estimator == "GammaRegressor") return "HalfGammaLoss";
  return log_link ? "HalfTweedieLoss" : "HalfTweedieLossIdentity";
}

/// 1.1+ _get_loss: PoissonRegressor HalfPoissonLoss, GammaRegressor HalfGammaLoss, TweedieRegressor
/// HalfTweedieLoss(power) / HalfTweedieLossIdentity(power); intervals as their __init__ sets them.
Value* Porter::GlmLoss(std::string_view estimator, double power, bool log_link) {
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
Value* Porter::GlmFamily(std::string_view estimator, double power, const Value* power_value) {
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

// ---- SGDClassifier / SGDRegressor ------------------------------------------------------------

// SGDClassifier: loss 'log' was renamed 'log_loss' in 1.1 and removed in 1.3.
void Porter::SgdLoss(const Obj& o) {
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

// SGD* keep the loss object they were fitted with (loss_function_, 1.4+ _loss_function_), which
// only fit / partial_fit read (predict uses coef_, predict_proba the loss name). 1.9 builds
// log_loss as sklearn._loss._loss.CyHalfBinomialLoss where <= 1.4 built _sgd_fast.Log: when the
// target has no class of that name anywhere, the object is dropped, as a model that was never
// fitted further would not miss it.
void Porter::SgdLossObjects() {
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

// ---- BayesianRidge / ARDRegression ------------------------------------------------------------
//
// The mean is X @ coef_ + intercept_ everywhere. predict(X, return_std=True) computes the std on
// X - X_offset_ in 1.9 (_bayes.py), on X in 1.0-1.4, and on (X - X_offset_) / X_scale_ in 0.23
// with normalize=True (on X without). So: into 1.9 from older, X_offset_ becomes zeros (X - 0 is
// X exactly); from 1.9 into 0.23, normalize=True with X_scale_ ones ((X - X_offset_) / 1 is
// X - X_offset_ exactly); from 1.9 into 1.0-1.4 only a zero X_offset_ (fit_intercept=False) works.
// A 0.23 normalize=True std ((X - X_offset_) / X_scale_) has no 1.0+ counterpart.

/// An array of n_features copies of `fill` (n_features from coef_), or nullptr.
const Value* Porter::BayesFilled(const Obj& o, double fill) {
  const Value* coef = o.state->Get("coef_");
  if (!coef || coef->kind != Kind::kArray || coef->array->ndim() != 1) return nullptr;
  return Float64Array(std::vector<double>(static_cast<std::size_t>(coef->array->size()), fill));
}

/// Whether `key` is a float64 array whose every value is `x`.
bool Porter::AllEqual(const Obj& o, const char* key, double x) {
  const Value* v = o.state->Get(key);
  if (!v || v->kind != Kind::kArray || v->array->dtype.kind != DTypeKind::kFloat || v->array->dtype.itemsize != 8) return false;
  auto d = v->array->view<double>();
  for (std::int64_t i = 0; i < v->array->size(); ++i) {
    if (d[i] != x) return false;
  }
  return true;
}

void Porter::BayesStd(const Obj& o) {
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

// ---- RidgeClassifier -------------------------------------------------------------------------
//
// 1.9 fits a binary RidgeClassifier on a single target column and stores coef_ raveled,
// (n_features,); <= 1.4 stores (1, n_features), and LinearClassifierMixin.decision_function
// (1.4 linear_model/_base.py) reads scores.shape[1]. The same numbers as one row.
void Porter::RidgeBinaryCoef(const Obj& o) {
  const Value* coef = o.state->Get("coef_");
  if (*target_.sklearn > Version{1, 4, 2} || !coef || coef->kind != Kind::kArray || coef->array->ndim() != 1) return;
  auto row = std::make_shared<NdArray>(*coef->array);
  row->shape = {1, coef->array->shape[0]};
  row->fortran_order = false;
  Set(o.state, "coef_", ArrayValue(row));
  Change(o.path, fmt::format("coef_ (n_features,) -> (1, n_features) (a binary classifier's layout up to 1.4)"));
}

}  // namespace skbridge::port_detail
