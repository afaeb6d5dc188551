// skbridge port: rewrite a model's pickled state for another scikit-learn / numpy / Python / joblib.
//
// Porter (port/porter.h) runs these stages in order (Run); each records PortChanges with the
// object path it touched:
//   1. refusals: what the doctor already knows is not portable (silent behaviour changes), and
//      behaviour the target's class cannot express (RefuseLostBehaviour);
//   1b. objects rebuilt in the target's form before the globals are renamed: GLM losses
//      (linear_model.cc), AdaBoost SAMME (ensemble.cc), GradientBoosting* / HistGradientBoosting*
//      loss objects (gradient_boosting.cc), Cython loss pickles (globals.cc), ColumnTransformer
//      remainder lists (compose.cc), a search's scoring=None scorer (model_selection.cc), SGD loss
//      objects (linear_model.cc), scipy BSpline layouts (preprocessing.cc), numpy 2's removed
//      aliases (globals.cc);
//   2. globals (globals.cc): numpy.core <-> numpy._core by target numpy major; every scikit-learn /
//      scipy global the target does not resolve is renamed to the module path under which the same
//      name resolves there (measured knowledge, src/compat/data); a name with no such path is a
//      refusal; numpy.random objects in the target numpy's form;
//   3. tree nodes 7 <-> 8 fields (missing_go_to_left), classifier tree values counts -> fractions
//      (trees.cc); 3b. HistGradientBoosting* binners, preprocessors and predictor nodes
//      (hist_gradient_boosting.cc);
//   4. attributes the target reads or always holds that the source lacks, from the one table of
//      derivations (attributes.cc: n_features_in_ <-> n_features_, estimator <-> base_estimator,
//      ...) and the family transforms it calls (one file per estimator family); _sklearn_version;
//   5. writer options: pickle protocol, numpy paths, joblib alignment;
//   6. the doctor on the result: any remaining load / predict failure is a refusal.
#include "skbridge/port.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "compat/knowledge.h"
#include "pickle/walk.h"
#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge {
namespace port_detail {

// A ported file is written back with every global it names: one that would run code at load
// (os.system, eval, subprocess.*, dill's constructors ...) is refused, so that port never hands
// back a file that looks vetted and is not. functools.partial is the one dangerous name models use
// legitimately (HistGradientBoosting's categorical preprocessor: partial(check_array, ...)); it
// passes when every partial in the file wraps a scikit-learn / numpy / scipy function that is not
// itself dangerous.
void Porter::RefuseDangerousGlobals() {
  for (const auto& g : file_.globals) {
    if (g.safety != GlobalSafety::kDangerous) continue;
    if (g.module == "functools" && g.name == "partial") continue;  // checked per use below
    throw Error::Unsafe(fmt::format("the file references {} (first at offset {}), which would run code when loaded: skbridge port "
                                    "does not write files that do",
                                    g.Path(), g.first_offset));
  }
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    const Value* v = file_.graph.node(i);
    const Value* fn = v->kind == Kind::kObject ? v->object->callable : nullptr;
    if (!fn || fn->kind != Kind::kGlobal || fn->text != "functools" || fn->name != "partial") continue;
    const Value* args = v->object->args;
    const Value* wrapped = args && args->kind == Kind::kTuple && !args->items.empty() ? args->items[0] : nullptr;
    // the 3.x pickle of a partial: partial(func) then BUILD (func, args, kwargs, dict)
    const Value* st = v->object->state;
    if ((!wrapped || wrapped->kind != Kind::kGlobal) && st && st->kind == Kind::kTuple && !st->items.empty()) wrapped = st->items[0];
    bool library = wrapped && wrapped->kind == Kind::kGlobal &&
                   (wrapped->text.starts_with("sklearn.") || wrapped->text.starts_with("numpy") || wrapped->text.starts_with("scipy."));
    if (!library || ClassifyGlobal(wrapped->text, wrapped->name) == GlobalSafety::kDangerous) {
      throw Error::Unsafe(fmt::format("the file holds functools.partial({}) (offset {}), which would run when called: skbridge port "
                                      "does not write files that do",
                                      wrapped ? wrapped->Repr(80) : "?", v->offset));
    }
  }
}

PortReport Porter::Run() {
  if (!target_.sklearn) throw Error::InvalidInput("port: the target needs sklearn=VERSION");
  env_ = compat::FindEnvironment(*target_.sklearn);
  if (!env_) {
    throw Error::Unsupported(fmt::format("no measured knowledge of scikit-learn {} (known: {}): cannot port faithfully",
                                         target_.sklearn->Str(), compat::MeasuredVersions()));
  }
  numpy_ = target_.numpy.value_or(env_->numpy);
  python_ = target_.python.value_or(env_->python);
  joblib_ = target_.joblib.value_or(env_->joblib);
  if (!file_.missing_side_files.empty()) throw Error::Unsupported("legacy joblib side files are missing: " + file_.missing_side_files[0]);
  RefuseDangerousGlobals();

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
  LegacyInitEstimators();
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

// Behaviour the source offers that no state of the target's class can express (measured live):
// methods the target's class lacks, and a prediction rule it does not have. Refused, naming it.
void Porter::RefuseLostBehaviour() {
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

void Porter::Collect() {
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

void Porter::Versions() {
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

void Porter::ChooseWriteOptions() {
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

void Porter::RefreshGlobals() {
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

void Porter::Verify() {
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

}  // namespace port_detail

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

PortReport Port(ModelFile& file, const Target& target, const PortOptions& options) { return port_detail::Porter(file, target, options).Run(); }

}  // namespace skbridge
