// The doctor's rules. Each names the version change it knows about; facts were checked in
// scikit-learn's, numpy's and joblib's sources and measured in the real environments
// (docs/compatibility.md).
#include "compat/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace skbridge::compat {
namespace {

// A tree fitted on data with missing values: scikit-learn >= 1.3 sends NaN towards the child with
// more training samples at nodes that saw none, so a node that sends them the other way learned it.
bool LearnedNanDirection(const NdArray& a) {
  const DTypeField* m = a.dtype.Field("missing_go_to_left");
  const DTypeField* left = a.dtype.Field("left_child");
  const DTypeField* right = a.dtype.Field("right_child");
  const DTypeField* count = a.dtype.Field("n_node_samples");
  if (!m || !left || !right || !count || left->type.itemsize != 8 || right->type.itemsize != 8 || count->type.itemsize != 8) return false;
  const std::int64_t n = a.size();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::byte* rec = a.data + i * a.dtype.itemsize;
    std::int64_t l, r, nl, nr;
    std::memcpy(&l, rec + left->offset, 8);
    std::memcpy(&r, rec + right->offset, 8);
    if (l < 0 || r < 0 || l >= n || r >= n) continue;
    std::memcpy(&nl, a.data + l * a.dtype.itemsize + count->offset, 8);
    std::memcpy(&nr, a.data + r * a.dtype.itemsize + count->offset, 8);
    if ((std::to_integer<int>(rec[m->offset]) != 0) != (nl > nr)) return true;
  }
  return false;
}


Finding Make(Verdict v, std::string path, std::string change, std::string message, std::string fix, bool portable = true) {
  Finding f;
  f.verdict = v;
  f.path = std::move(path);
  f.change = std::move(change);
  f.message = std::move(message);
  f.fix = std::move(fix);
  f.portable = portable;
  return f;
}

// Python reads pickle protocols up to 2 (2.x), 3 (3.0-3.3), 4 (3.4-3.7), 5 (3.8+).
void PickleProtocol(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.python) return;
  int max = MaxProtocolFor(*c.target.python);
  if (c.file.max_protocol > max) {
    out->push_back(Make(Verdict::kLoadFails, "file", fmt::format("pickle protocol {} needs Python {}", c.file.max_protocol, c.file.max_protocol == 5 ? "3.8" : "3.4"),
                        fmt::format("the file uses pickle protocol {}; Python {} reads up to protocol {} (ValueError: unsupported pickle protocol)",
                                    c.file.max_protocol, c.target.python->Str(), max),
                        c.port_hint));
  }
}

// numpy 2 pickles name numpy._core.*; numpy 1.x has no such module (1.26 only partial stubs).
void NumpyModulePaths(const CheckContext& c, std::vector<Finding>* out) {
  bool core2 = std::any_of(c.file.globals.begin(), c.file.globals.end(), [](const GlobalRef& g) { return g.module.starts_with("numpy._core"); });
  if (!core2) return;
  if (!c.target.numpy) {
    out->push_back(Make(Verdict::kUnverified, "file", "numpy 2.0: numpy.core renamed numpy._core",
                        "the file was written by numpy 2 (numpy._core); the target's numpy version is unknown: numpy < 2 cannot load it", c.port_hint));
    return;
  }
  if (c.target.numpy->major < 2) {
    out->push_back(Make(Verdict::kLoadFails, "file", "numpy 2.0: numpy.core renamed numpy._core",
                        fmt::format("the file names numpy._core (written by numpy 2); numpy {} has no such module "
                                    "(ModuleNotFoundError: No module named 'numpy._core')",
                                    c.target.numpy->Str()),
                        c.port_hint));
  }
}

// joblib >= 1.2 pads array data to 16 bytes and records numpy_array_alignment_bytes; older joblib
// reads the padding as array data (KeyError / UnpicklingError at a random place).
void JoblibContainer(const CheckContext& c, std::vector<Finding>* out) {
  if (c.file.container != Container::kJoblib) return;
  if (!c.file.joblib_aligned) return;
  if (!c.target.joblib) {
    out->push_back(Make(Verdict::kUnverified, "file", "joblib 1.2: arrays padded to 16-byte alignment",
                        "the file was written by joblib >= 1.2; the target's joblib version is unknown: joblib < 1.2 cannot read it", c.port_hint));
    return;
  }
  if (*c.target.joblib < Version{1, 2, 0}) {
    out->push_back(Make(Verdict::kLoadFails, "file", "joblib 1.2: arrays padded to 16-byte alignment",
                        fmt::format("the file was written by joblib >= 1.2 (aligned arrays); joblib {} misreads the padding "
                                    "(KeyError or UnpicklingError part-way through)",
                                    c.target.joblib->Str()),
                        c.port_hint));
  }
}

// Every class or function the file names must exist at that module path in the target.
void GlobalsResolve(const CheckContext& c, std::vector<Finding>* out) {
  for (const auto& g : c.file.globals) {
    if (!(g.module.starts_with("sklearn") || g.module.starts_with("numpy") || g.module.starts_with("scipy") || g.module.starts_with("joblib"))) continue;
    if (g.module.starts_with("numpy._core")) continue;  // NumpyModulePaths reports these once
    std::string path = g.Path();
    if (!c.env) continue;  // reported once by the doctor as "no measured knowledge"
    auto it = c.env->resolves.find(path);
    if (it == c.env->resolves.end()) {
      out->push_back(Make(Verdict::kUnverified, "file", "", fmt::format("{}: not measured in scikit-learn {}", path, c.target.sklearn->Str()), ""));
    } else if (!it->second) {
      bool sklearn = g.module.starts_with("sklearn");
      std::string change = sklearn ? (g.module.find("._") != std::string::npos ? "a class that moved or does not exist in the target"
                                                                               : "scikit-learn 0.24: the 0.21 public module paths were removed")
                                   : "module layout changed";
      // portable when the target holds the same class under another module path (what port renames to)
      bool portable = !sklearn || PortReplaces(g.module, g.name) ||
                      !TargetPathFor(*c.env, g.module, g.name).empty();
      std::string fix = c.port_hint;
      if (!portable) {
        std::string where;
        for (const auto& e : KnownEnvironments()) {
          auto r = e.resolves.find(path);
          if ((r != e.resolves.end() && r->second) || !TargetPathFor(e, g.module, g.name).empty()) where += (where.empty() ? "" : ", ") + e.sklearn.Str();
        }
        fix = where.empty() ? "no faithful port: none of the measured scikit-learn versions has " + g.name
                            : fmt::format("no faithful port: needs a scikit-learn that has {} (measured: {})", g.name, where);
      }
      out->push_back(Make(Verdict::kLoadFails, "file", change,
                          fmt::format("{} does not exist in the target (scikit-learn {}, numpy {}){}", path, c.target.sklearn->Str(),
                                      c.target.numpy ? c.target.numpy->Str() : "?",
                                      portable ? ": pickle cannot find it" : " under any module path"),
                          fix, portable));
    }
  }
}

// numpy.random objects (a RandomState or Generator kept as random_state or an internal rng):
// numpy >= 2.0 pickles the bit generator object itself (__bit_generator_ctor(<class>)), numpy
// 1.24-1.26 passes a second argument, the bit generator constructor; numpy < 1.24 reads neither
// (TypeError), numpy 1.24-1.26 not the first. Every numpy reads the one-argument form by name.
void NumpyRandomPickles(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.numpy || c.target.numpy->major >= 2) return;
  const Graph& g = c.file.graph;
  for (std::size_t i = 0; i < g.node_count(); ++i) {
    const Value* v = g.node(i);
    const Value* fn = v->kind == Kind::kObject ? v->object->callable : nullptr;
    if (!fn || fn->kind != Kind::kGlobal || fn->text != "numpy.random._pickle") continue;
    const Value* args = v->object->args;
    if (!args || args->kind != Kind::kTuple || args->items.empty()) continue;
    bool by_class = args->items[0]->kind != Kind::kStr;
    bool two_args = args->items.size() > 1;
    if (!by_class && !(two_args && *c.target.numpy < Version{1, 24, 0})) continue;
    out->push_back(Make(Verdict::kLoadFails, "file",
                        by_class ? "numpy 2.0: numpy.random objects pickled with their bit generator object"
                                 : "numpy 1.24: numpy.random pickles pass the bit generator constructor",
                        fmt::format("a numpy.random {} pickled by numpy {}; numpy {}'s {} takes only a bit generator name (TypeError)",
                                    std::string(fn->name).find("randomstate") != std::string::npos ? "RandomState"
                                    : std::string(fn->name).find("bit_generator") != std::string::npos ? "bit generator" : "Generator",
                                    by_class ? ">= 2.0" : "1.24-1.26", c.target.numpy->Str(), std::string(fn->name)),
                        c.port_hint));
    return;  // one finding for the file
  }
}

bool IsTreeNodes(const NdArray& a) { return a.dtype.Field("left_child") && a.dtype.Field("threshold") && a.dtype.Field("feature"); }

// scikit-learn 1.3 added missing_go_to_left to tree nodes (7 -> 8 fields); Tree.__setstate__ rejects
// the other layout in both directions.
void TreeNodeLayout(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.sklearn) return;
  bool target_has_missing = *c.target.sklearn >= Version{1, 3, 0};
  std::set<std::string> reported;
  for (const auto& o : c.objects) {
    if (o.class_path != "sklearn.tree._tree.Tree") continue;
    const Value* state = o.object->State();
    const Value* nodes = state ? state->Get("nodes") : nullptr;
    if (!nodes || nodes->kind != Kind::kArray || !IsTreeNodes(*nodes->array)) continue;
    bool has_missing = nodes->array->dtype.Field("missing_go_to_left") != nullptr;
    if (has_missing == target_has_missing) continue;
    std::string parent = o.path.substr(0, o.path.rfind('.'));
    if (!reported.insert(parent.substr(0, parent.find('['))).second) continue;  // one finding per forest
    out->push_back(Make(Verdict::kLoadFails, o.path, "scikit-learn 1.3: tree nodes gained missing_go_to_left (7 -> 8 fields)",
                        fmt::format("tree nodes have {} fields; scikit-learn {} expects {} (ValueError: node array from the pickle has an incompatible dtype)",
                                    has_missing ? 8 : 7, c.target.sklearn->Str(), target_has_missing ? 8 : 7),
                        c.port_hint));
  }
}

// Attributes a class's __setstate__ rebuilds from others, so their absence is harmless.
bool RebuiltOnLoad(std::string_view cls, std::string_view key, const Value& state) {
  // IsotonicRegression.__setstate__ rebuilds f_ from X_thresholds_/y_thresholds_.
  return cls == "IsotonicRegression" && key == "f_" && state.Get("X_thresholds_");
}

// The methods each object is asked to run when the model is used. The loaded model itself may be
// asked anything ("*"); a nested estimator only what its parent calls on it (checked in each
// version's source: scikit-learn 0.23-1.9):
//   OutputCodeClassifier.estimators_   decision_function (predict for regressors)  (_predict_binary)
//   VotingClassifier(voting='hard')    predict; voting='soft': predict_proba
//   SequentialFeatureSelector          nothing: transform only applies support_
//   TransformedTargetRegressor         regressor_.predict, transformer_.inverse_transform
// Anything else passes on what it is asked.
std::map<std::string, std::set<std::string>> AskedMethods(const CheckContext& c) {
  std::map<std::string, std::set<std::string>> asked;
  std::map<std::string, const ObjectRef*> by_path;
  for (const auto& o : c.objects) {
    by_path.emplace(o.path, &o);
    // The nearest enclosing object: cut the path at '.' or '[' until it names one.
    const ObjectRef* parent = nullptr;
    for (std::size_t cut = o.path.find_last_of(".["); cut != std::string::npos && cut > 0; cut = o.path.find_last_of(".[", cut - 1)) {
      auto it = by_path.find(o.path.substr(0, cut));
      if (it != by_path.end() && it->second != &o) {
        parent = it->second;
        break;
      }
    }
    if (!parent) {
      if (!asked.count(o.path)) asked[o.path] = {"*"};
      continue;
    }
    std::set<std::string> from_parent = asked[parent->path];
    std::string rest = o.path.substr(parent->path.size());
    std::string attr = rest.substr(rest.starts_with(".") ? 1 : 0);
    attr = attr.substr(0, attr.find_first_of(".["));
    std::string pcls = parent->class_path.substr(parent->class_path.rfind('.') + 1);
    const Value* pstate = parent->object->State();
    auto pstr = [&](std::string_view key) -> std::string {
      const Value* v = pstate && pstate->kind == Kind::kDict ? pstate->Get(key) : nullptr;
      return v && v->is_text() ? std::string(v->text) : "";
    };
    std::set<std::string> mine = from_parent;
    if (from_parent.empty()) {
      mine = {};
    } else if (pcls == "OutputCodeClassifier" && attr == "estimators_") {
      mine = {"decision_function", "predict"};
    } else if (pcls == "VotingClassifier" && attr == "estimators_") {
      mine = pstr("voting") == "hard" ? std::set<std::string>{"predict"} : std::set<std::string>{"predict_proba"};
    } else if (pcls == "SequentialFeatureSelector") {
      mine = {};
    } else if (pcls == "TransformedTargetRegressor" && attr == "transformer_") {
      mine = {"inverse_transform"};
    } else if (pcls == "TransformedTargetRegressor" && attr == "regressor_") {
      mine = {"predict"};
    }
    asked[o.path] = std::move(mine);
  }
  return asked;
}

// Attributes the target's methods read (measured: AttributeError when absent) that this file's
// objects lack, when a method that reads them will be asked of the object (AskedMethods). One
// finding per class; attributes the target merely sets but was never seen to read are not reported.
// scipy objects count too: scipy 1.16 keeps BSpline's knots and coefficients as _t/_c, which older
// scipy (read as t/c) does not find.
void StateAttributes(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.env) return;
  static const std::set<std::string> kMethods = {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
                                                 "inverse_transform", "score_samples"};
  auto asked = AskedMethods(c);
  std::map<std::string, std::pair<std::string, std::set<std::string>>> by_class;  // class -> (first path, missing)
  for (std::size_t i = 0; i < c.objects.size(); ++i) {
    const auto& o = c.objects[i];
    std::string short_name = o.class_path.substr(o.class_path.rfind('.') + 1);
    auto reads = c.env->read_by.find(short_name);
    bool sklearn = o.class_path.starts_with("sklearn.");
    if (reads == c.env->read_by.end() || !(sklearn || o.class_path.starts_with("scipy."))) continue;
    const Value* state = o.object->State();
    if (!state || state->kind != Kind::kDict) continue;
    // Unfitted templates are never run; the loaded model itself always is.
    if (sklearn && i > 0 && !IsFitted(*state)) continue;
    const auto& wants = asked[o.path];
    for (const auto& [key, read] : reads->second) {
      if (state->Get(key)) continue;
      if (RebuiltOnLoad(short_name, key, *state)) continue;
      if (!read.ReadBy({wants.begin(), wants.end()})) continue;
      // A method the writer had and the target lacks: called only when the writer had it, i.e. from the
      // first version measured to call it on.
      if (kMethods.count(key)) {
        if (!c.source || *c.source <= *c.target.sklearn) continue;
        if (read.first_writer && *c.source < *read.first_writer) continue;
      }
      auto& entry = by_class[o.class_path];
      if (entry.first.empty()) entry.first = o.path;
      entry.second.insert(key);
    }
  }
  for (const auto& [cls, entry] : by_class) {
    std::string list;
    for (const auto& k : entry.second) list += (list.empty() ? "" : ", ") + k;
    out->push_back(Make(Verdict::kPredictFails, entry.first, "attributes added or renamed since the writing version",
                        fmt::format("{} lacks {}, which scikit-learn {} reads when predicting (AttributeError)", cls, list,
                                    c.target.sklearn->Str()),
                        c.port_hint));
  }
}

// State layouts that load but break a method of the target.
void StateLayouts(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.sklearn) return;
  const Version& tgt = *c.target.sklearn;
  for (const auto& o : c.objects) {
    const Value* state = o.object->State();
    if (!state) continue;
    std::string cls = o.class_path.substr(o.class_path.rfind('.') + 1);
    auto str = [&](std::string_view key) -> std::string {
      const Value* v = state->kind == Kind::kDict ? state->Get(key) : nullptr;
      return v && v->is_text() ? std::string(v->text) : "";
    };
    // scikit-learn 1.2 keeps the string 'passthrough' in ColumnTransformer.transformers_ (the fitted
    // FunctionTransformer lives in _name_to_fitted_passthrough); 1.4 stores the FunctionTransformer in
    // transformers_ itself and transform calls .transform on every entry.
    if (o.class_path.ends_with("compose._column_transformer.ColumnTransformer") && state->kind == Kind::kDict && tgt >= Version{1, 4, 0}) {
      const Value* fitted = state->Get("transformers_");
      bool passthrough = false;
      if (fitted && (fitted->kind == Kind::kList || fitted->kind == Kind::kTuple)) {
        for (const Value* t : fitted->items) {
          if (t->kind != Kind::kTuple || t->items.size() < 3) continue;
          const Value* trans = t->items[1];
          const Value* cols = t->items[2];
          bool empty = ((cols->kind == Kind::kList || cols->kind == Kind::kTuple) && cols->items.empty()) ||
                       (cols->kind == Kind::kArray && cols->array->size() == 0);
          if (trans->kind == Kind::kStr && trans->text == "passthrough" && !empty) passthrough = true;
        }
      }
      if (passthrough) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 1.4: fitted 'passthrough' columns are a FunctionTransformer in transformers_",
                            fmt::format("transformers_ holds the string 'passthrough' (written before 1.4); scikit-learn {} calls .transform on it "
                                        "(AttributeError: 'str' object has no attribute 'transform')",
                                        tgt.Str()),
                            c.port_hint));
      }
    }
    // loss='log' was renamed 'log_loss' in 1.1 and removed in 1.3: SGDClassifier._check_proba accepts only
    // 'log_loss' and 'modified_huber', so predict_proba raises AttributeError for 'log'.
    if (cls == "SGDClassifier" && str("loss") == "log" && tgt >= Version{1, 3, 0}) {
      out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 1.3: SGDClassifier loss 'log' removed (renamed 'log_loss' in 1.1)",
                          fmt::format("loss='log'; scikit-learn {} offers predict_proba only for 'log_loss' and 'modified_huber' "
                                      "(AttributeError: has no attribute 'predict_proba')",
                                      tgt.Str()),
                          c.port_hint));
    }
    // After scikit-learn 1.4 (measured in 1.9) a binary RidgeClassifier's coef_ is 1-D (n_features,): the
    // single-target ridge path ravels it (_ridge.py). LinearClassifierMixin.decision_function up to 1.4
    // returns scores.shape[1] unchecked (IndexError); 1.9 checks coef_.ndim.
    if ((cls == "RidgeClassifier" || cls == "RidgeClassifierCV") && state->kind == Kind::kDict && tgt <= Version{1, 4, 2}) {
      const Value* coef = state->Get("coef_");
      if (coef && coef->kind == Kind::kArray && coef->array->ndim() == 1 && !coef->array->is_scalar) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "after scikit-learn 1.4: binary RidgeClassifier coef_ is 1-D",
                            fmt::format("coef_ is 1-D (written by a version that ravels binary coefficients); scikit-learn {}'s decision_function "
                                        "expects (1, n_features) (IndexError: tuple index out of range)",
                                        tgt.Str()),
                            c.port_hint));
      }
    }
    // After scikit-learn 1.4 (measured in 1.9) SimpleImputer(strategy='constant') keeps statistics_ as
    // object dtype and the input dtype in _fill_dtype (casting to it in transform); 1.4's transform checks
    // np.can_cast(statistics_.dtype, X.dtype) instead (ValueError for a numeric input).
    if (cls == "SimpleImputer" && str("strategy") == "constant" && state->Get("_fill_dtype") && tgt <= Version{1, 4, 2}) {
      const Value* stats = state->Get("statistics_");
      bool object = stats && stats->kind == Kind::kArray && stats->array->dtype.kind == DTypeKind::kObject;
      // numpy.dtype pickles as numpy.dtype("f8"|"O8", ...): only a non-object input dtype fails the cast.
      const Value* fill = state->Get("_fill_dtype");
      const Value* code = fill && fill->kind == Kind::kObject && fill->object->args && !fill->object->args->items.empty()
                              ? fill->object->args->items[0]
                              : nullptr;
      bool numeric_fit = code && code->is_text() && !code->text.starts_with("O");
      if (object && numeric_fit) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "after scikit-learn 1.4: constant SimpleImputer statistics_ are object dtype (_fill_dtype)",
                            fmt::format("statistics_ has dtype object; scikit-learn {} requires it to cast to the input dtype "
                                        "(ValueError: The dtype of the filling value cannot be cast)",
                                        tgt.Str()),
                            c.port_hint));
      }
    }
    // Extra-trees learned to route missing values in scikit-learn 1.6; older versions reject NaN
    // input for them (ValueError: Input X contains NaN), where the original predicts.
    if ((cls == "ExtraTreeClassifier" || cls == "ExtraTreeRegressor") && tgt < Version{1, 6, 0} && tgt >= Version{1, 3, 0}) {
      const Value* tree = state->Get("tree_");
      const Value* tstate = tree ? tree->State() : nullptr;
      const Value* nodes = tstate && tstate->kind == Kind::kDict ? tstate->Get("nodes") : nullptr;
      if (nodes && nodes->kind == Kind::kArray && LearnedNanDirection(*nodes->array)) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 1.6: extra-trees support missing values",
                            fmt::format("this tree was fitted on data with missing values; scikit-learn {} rejects NaN input for "
                                        "extra-trees (ValueError: Input X contains NaN)",
                                        tgt.Str()),
                            c.port_hint, false));
      }
    }
    // check_array's force_all_finite was renamed ensure_all_finite in scikit-learn 1.6; a pickled
    // functools.partial(check_array, ensure_all_finite=...) (HistGradientBoosting's categorical
    // preprocessor) raises TypeError in older versions.
    if (o.class_path == "functools.partial") {
      const Value* func = state->kind == Kind::kTuple && !state->items.empty() ? state->items[0] : nullptr;
      const Value* kw = state->kind == Kind::kTuple && state->items.size() > 2 ? state->items[2] : nullptr;
      bool check_array = func && func->kind == Kind::kGlobal && func->GlobalPath().ends_with(".check_array") &&
                         func->GlobalPath().starts_with("sklearn.");
      // The old keyword was removed in 1.8 (deprecated in 1.6): the reverse direction fails too.
      if (check_array && kw && kw->kind == Kind::kDict && kw->Get("force_all_finite") && tgt >= Version{1, 8, 0}) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 1.8: check_array's force_all_finite removed",
                            fmt::format("a stored functools.partial(check_array, force_all_finite=...); scikit-learn {}'s check_array "
                                        "no longer has that keyword (TypeError)",
                                        tgt.Str()),
                            c.port_hint));
      }
      if (check_array && kw && kw->kind == Kind::kDict && kw->Get("ensure_all_finite") && tgt < Version{1, 6, 0}) {
        out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 1.6: check_array's force_all_finite renamed ensure_all_finite",
                            fmt::format("a stored functools.partial(check_array, ensure_all_finite=...); scikit-learn {}'s check_array has "
                                        "no such keyword (TypeError)",
                                        tgt.Str()),
                            c.port_hint));
      }
    }
  }
}

// Known silent changes: the file loads and runs in the target, with different numbers.
// Behaviour the source model was configured for that the target cannot express: it loads and
// predicts the same on ordinary rows, but raises on the rows the option was for, so no port is
// faithful. OrdinalEncoder(handle_unknown='use_encoded_value') arrived in 0.24 (0.23 _encoders.py:
// OrdinalEncoder.transform always raises on unknown categories).
void LostOptions(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.sklearn) return;
  for (const auto& o : c.objects) {
    const Value* state = o.object->State();
    if (!state || state->kind != Kind::kDict || !o.class_path.ends_with(".OrdinalEncoder") || !IsFitted(*state)) continue;
    const Value* unknown = state->Get("handle_unknown");
    if (unknown && unknown->is_text() && unknown->text == "use_encoded_value" && *c.target.sklearn < Version{0, 24, 0}) {
      const Value* value = state->Get("unknown_value");
      std::string code = value && value->kind == Kind::kInt ? std::to_string(value->integer) : value && value->kind == Kind::kFloat ? "NaN" : "unknown_value";
      out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn 0.24: OrdinalEncoder(handle_unknown='use_encoded_value')",
                          fmt::format("the encoder maps unknown categories to {}; scikit-learn {}'s OrdinalEncoder has no such option and "
                                      "raises on them (ValueError: Found unknown categories)",
                                      code, c.target.sklearn->Str()),
                          "no faithful port: needs scikit-learn >= 0.24 (skbridge predict serves it as trained)", false));
    }
  }
}

void SilentChanges(const CheckContext& c, std::vector<Finding>* out) {
  if (!c.target.sklearn) return;
  for (const auto& o : c.objects) {
    const Value* state = o.object->State();
    if (!state || state->kind != Kind::kDict) continue;
    auto str = [&](std::string_view key) -> std::string {
      const Value* v = state->Get(key);
      return v && v->is_text() ? std::string(v->text) : "";
    };
    const Value* ver = state->Get("_sklearn_version");
    auto written = ver && ver->is_text() ? Version::Parse(ver->text) : std::optional<Version>();
    if (o.class_path.ends_with("LogisticRegression") && written && *written < Version{1, 8, 0} && *c.target.sklearn >= Version{1, 8, 0}) {
      const Value* classes = state->Get("classes_");
      std::int64_t n = classes && classes->kind == Kind::kArray ? classes->array->size() : 0;
      std::string mc = str("multi_class"), solver = str("solver");
      bool ovr = n > 2 && (mc == "ovr" || mc == "warn" || ((mc == "auto" || mc == "deprecated") && solver == "liblinear"));
      if (ovr) {
        out->push_back(Make(Verdict::kPredictsDifferently, o.path, "scikit-learn 1.8: LogisticRegression's multi_class removed",
                            fmt::format("a one-vs-rest multiclass model (multi_class='{}', solver='{}'); scikit-learn {} computes predict_proba "
                                        "with a softmax instead, silently giving different probabilities",
                                        mc, solver, c.target.sklearn->Str()),
                            "skbridge predict gives the original probabilities; port cannot express OvR probabilities in >= 1.8", false));
      }
    }
    bool after_1_4 = *c.target.sklearn > Version{1, 4, 2};
    const Value* use_idf = state->Get("use_idf");
    bool idf = !use_idf || use_idf->kind != Kind::kBool || use_idf->boolean;
    if (o.class_path.ends_with(".TfidfTransformer") && idf && state->Get("idf_") && !state->Get("_idf_diag") && !after_1_4) {
      out->push_back(Make(Verdict::kPredictFails, o.path, "after scikit-learn 1.4: idf_ is stored instead of _idf_diag",
                          fmt::format("the idf weights are stored as idf_; scikit-learn {} reads _idf_diag (NotFittedError: idf vector is not fitted)",
                                      c.target.sklearn->Str()),
                          c.port_hint));
    }
    if (o.class_path.ends_with(".TfidfTransformer") && state->Get("_idf_diag") && !state->Get("idf_") && after_1_4 && !IsFitted(*state)) {
      out->push_back(Make(Verdict::kPredictFails, o.path, "scikit-learn's fitted check needs a public fitted attribute",
                          fmt::format("this TfidfTransformer holds only private state (_idf_diag); scikit-learn {} considers it unfitted "
                                      "(NotFittedError)",
                                      c.target.sklearn->Str()),
                          c.port_hint));
    } else if (o.class_path.ends_with(".TfidfTransformer") && state->Get("_idf_diag") && !state->Get("idf_") && after_1_4) {
      if (idf) {
        out->push_back(Make(Verdict::kPredictsDifferently, o.path, "after scikit-learn 1.4: idf_ is stored instead of _idf_diag",
                            fmt::format("the idf weights are stored as _idf_diag (written by {}); scikit-learn {} applies idf only when idf_ "
                                        "exists, so transform silently returns unweighted term frequencies",
                                        written ? written->Str() : "an old version", c.target.sklearn->Str()),
                            c.port_hint));
      }
    }
    if (o.class_path.ends_with(".AdaBoostClassifier") && str("algorithm") == "SAMME.R" && *c.target.sklearn >= Version{1, 6, 0}) {
      out->push_back(Make(Verdict::kPredictsDifferently, o.path, "scikit-learn 1.6: AdaBoost's SAMME.R algorithm removed",
                          fmt::format("a SAMME.R model (each tree adds (K-1)(log p - mean log p) of its leaf's class probabilities p); "
                                      "scikit-learn {} always applies SAMME (each tree adds a fixed weighted vote for its predicted class), "
                                      "which cannot express those leaf-dependent amounts with the same trees, so predictions and "
                                      "probabilities would silently change",
                                      c.target.sklearn->Str()),
                          "skbridge predict gives the original outputs; SAMME.R cannot be expressed in the target", false));
    }
    // SAMME's decision_function: up to 1.3 each tree votes w for its predicted class; from 1.4 it
    // also votes -w/(K-1) for every other class (1.4 _weight_boosting.py), which rescales and shifts
    // the decision (binary: doubles it) and changes predict_proba; labels stay. From 1.6 SAMME is
    // the only algorithm.
    if (o.class_path.ends_with(".AdaBoostClassifier") && written && IsFitted(*state)) {
      std::string algorithm = str("algorithm");
      bool samme = algorithm == "SAMME" || *written >= Version{1, 6, 0};  // 1.6-1.8 hold 'deprecated', 1.9 nothing
      bool src_new = *written >= Version{1, 4, 0}, tgt_new = *c.target.sklearn >= Version{1, 4, 0};
      if (samme && src_new != tgt_new) {
        out->push_back(Make(Verdict::kPredictsDifferently, o.path, "scikit-learn 1.4: SAMME votes against the other classes too",
                            fmt::format("a SAMME model written by {}; scikit-learn {} computes SAMME's decision_function {}, so "
                                        "decision_function and predict_proba silently change (the labels do not)",
                                        written->Str(), c.target.sklearn->Str(),
                                        tgt_new ? "with -w/(K-1) votes for the classes a tree did not predict"
                                                : "from the votes for the predicted class only"),
                            tgt_new ? "no faithful port: the newer vote cannot be undone with the same trees (skbridge predict serves it "
                                      "as trained)"
                                    : c.port_hint,
                            !tgt_new));
      }
    }
    bool pls = o.class_path.ends_with("._pls.PLSRegression") || o.class_path.ends_with("._pls.CCA") ||
               o.class_path.ends_with("._pls.PLSCanonical");
    if (pls && written && state->Get("_x_std")) {
      // 1.4 predict divides by _x_std before applying coef_; 1.9 folds 1/_x_std into coef_.
      bool src_scaled = *written <= Version{1, 4, 2}, tgt_scaled = *c.target.sklearn <= Version{1, 4, 2};
      bool known = (*written >= Version{1, 3, 0} || *written <= Version{1, 4, 2}) && (*c.target.sklearn >= Version{1, 3, 0});
      if (known && src_scaled != tgt_scaled && *written >= Version{1, 3, 0} && *written != *c.target.sklearn &&
          (*written > Version{1, 4, 2} || *c.target.sklearn > Version{1, 4, 2})) {
        out->push_back(Make(Verdict::kPredictsDifferently, o.path, "after scikit-learn 1.4: PLS coef_ includes the 1/x_std scaling",
                            fmt::format("scikit-learn {} {} X by _x_std before coef_, the writing version {} {}; predictions silently differ",
                                        c.target.sklearn->Str(), tgt_scaled ? "divides" : "no longer divides", written->Str(),
                                        src_scaled ? "did" : "did not"),
                            c.port_hint));
      }
    }
    // scikit-learn 1.9 (PR #33918) centres X by X_offset_ before the predictive std of
    // BayesianRidge/ARDRegression; across that boundary predict(X, return_std=True) silently changes.
    // The port repairs it where the target's state can express the source's std (port.cc BayesStd).
    bool bayes = o.class_path.ends_with(".BayesianRidge") || o.class_path.ends_with(".ARDRegression");
    const Value* fit_intercept = state->Get("fit_intercept");
    bool centred = !fit_intercept || fit_intercept->kind != Kind::kBool || fit_intercept->boolean;
    if (bayes && written && centred && ((*written < Version{1, 9, 0}) != (*c.target.sklearn < Version{1, 9, 0}))) {
      out->push_back(Make(Verdict::kPredictsDifferently, o.path, "scikit-learn 1.9: the predictive std is computed on centred X",
                          fmt::format("predict(X, return_std=True) {} X_offset_ in scikit-learn {} but {} in {}: the standard "
                                      "deviation silently changes (the mean does not)",
                                      *c.target.sklearn < Version{1, 9, 0} ? "ignores" : "subtracts", c.target.sklearn->Str(),
                                      *written < Version{1, 9, 0} ? "ignored it" : "subtracted it", written->Str()),
                          c.port_hint));
    }
    bool tree_classifier = o.class_path.ends_with("DecisionTreeClassifier") || o.class_path.ends_with("ExtraTreeClassifier");
    if (tree_classifier && written && *written >= Version{1, 3, 0} && *written < Version{1, 4, 0} && *c.target.sklearn >= Version{1, 4, 0}) {
      out->push_back(Make(Verdict::kPredictsDifferently, o.path, "scikit-learn 1.4: tree_.value holds fractions, not counts",
                          fmt::format("tree values are weighted counts (written by {}); scikit-learn {} no longer normalises them, so "
                                      "predict_proba silently returns unnormalised values",
                                      written->Str(), c.target.sklearn->Str()),
                          c.port_hint));
    }
  }
}

}  // namespace

bool IsFitted(const Value& state) {
  for (const auto& [k, v] : state.entries) {
    if (k->is_text() && k->text.size() > 1 && k->text.back() == '_' && k->text.front() != '_') return true;
  }
  return false;
}

const std::vector<RuleEntry>& Rules() {
  static const std::vector<RuleEntry> kRules = {
      {"pickle-protocol", "the target Python reads the file's pickle protocol", &PickleProtocol},
      {"numpy-module-paths", "numpy.core vs numpy._core", &NumpyModulePaths},
      {"joblib-container", "joblib's array layout", &JoblibContainer},
      {"numpy-random-pickles", "how numpy pickled its random generators", &NumpyRandomPickles},
      {"globals-resolve", "every class the file names exists in the target", &GlobalsResolve},
      {"tree-node-layout", "tree node fields (7 before 1.3, 8 after)", &TreeNodeLayout},
      {"state-attributes", "attributes the target's estimators expect", &StateAttributes},
      {"state-layouts", "state layouts that load but break a method of the target", &StateLayouts},
      {"lost-options", "options the model was configured with that the target lacks", &LostOptions},
      {"silent-changes", "known behaviour changes that keep loading", &SilentChanges},
  };
  return kRules;
}

}  // namespace skbridge::compat
