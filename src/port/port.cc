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
#include <map>
#include <set>

#include "compat/knowledge.h"
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

bool IsFitted(const Value& state) {
  for (const auto& [k, v] : state.entries) {
    if (k->is_text() && k->text.size() > 1 && k->text.back() == '_' && k->text.front() != '_') return true;
  }
  return false;
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

    // 1. what the doctor already knows cannot be ported.
    DoctorReport before = Doctor(file_, target_);
    for (const auto& f : before.findings) {
      if (!f.portable) throw Error::Unsupported(fmt::format("{}: {} ({})", f.path, f.message, f.change));
    }
    Collect();
    RefuseUnverified();
    RenameGlobals();
    BitGenerators();
    Collect();  // class paths changed
    Trees();
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

  // Ports that the live checks in the real targets (tests/live/run_port.sh) showed to fail, with
  // the reason. Each stays refused until a derivation makes it pass there.
  void RefuseUnverified() {
    const Version tgt = *target_.sklearn;
    auto written = [](const Obj& o) -> std::optional<Version> {
      const Value* v = o.state ? o.state->Get("_sklearn_version") : nullptr;
      return v && v->is_text() ? Version::Parse(v->text) : std::nullopt;
    };
    auto truthy = [](const Obj& o, std::string_view key) {
      const Value* v = o.state ? o.state->Get(key) : nullptr;
      return v && ((v->kind == Kind::kBool && v->boolean) || (v->kind == Kind::kInt && v->integer != 0));
    };
    struct Rule {
      std::string_view cls;
      std::function<bool(const Obj&, const Version& src)> applies;
      std::string_view reason;
    };
    const Version v1_0{1, 0, 0}, v1_1{1, 1, 0}, v1_3{1, 3, 0}, v1_4_2{1, 4, 2}, v1_5{1, 5, 0};
    const std::vector<Rule> rules = {
        {"GaussianNB", [&](const Obj&, const Version& s) { return s >= v1_0 && tgt < v1_0; },
         "scikit-learn < 1.0 reads sigma_, which newer versions store as var_ (not yet derived)"},
        {"CalibratedClassifierCV", [&](const Obj&, const Version& s) { return s >= v1_0 && tgt < v1_0; },
         "the calibrated classifiers' layout changed in 1.0 (classes_ per calibrator)"},
        {"NearestCentroid", [&](const Obj&, const Version& s) { return s >= v1_5 && tgt < v1_5; },
         "the target's NearestCentroid has no predict_proba, which the original offers"},
        {"ClassifierChain", [&](const Obj&, const Version& s) { return s >= v1_3 && tgt < v1_3; },
         "the target's ClassifierChain has no predict_log_proba, which the original offers"},
        {"FunctionTransformer", [&](const Obj&, const Version& s) { return s < v1_1 && tgt >= v1_1; },
         "FunctionTransformer's feature_names_out handling changed in 1.1 (not yet derived)"},
        {"OneHotEncoder", [&](const Obj& o, const Version& s) { return s >= v1_1 && tgt < v1_1 && truthy(o, "_infrequent_enabled"); },
         "infrequent categories do not exist before scikit-learn 1.1"},
        {"ColumnTransformer", [&](const Obj& o, const Version& s) {
           const Value* t = o.state ? o.state->Get("transformers_") : nullptr;
           bool passthrough = false;
           if (t) for (const Value* item : t->items) passthrough |= item->items.size() >= 2 && item->items[1]->is_text() && item->items[1]->text == "passthrough";
           return s < Version{1, 4, 0} && tgt >= Version{1, 4, 0} && passthrough;
         },
         "fitted 'passthrough' columns became FunctionTransformer objects in 1.4 (not yet derived)"},
        {"RidgeClassifier", [&](const Obj&, const Version& s) { return s > v1_4_2 && tgt <= v1_4_2; },
         "the binary RidgeClassifier's fitted layout changed after 1.4 (not yet derived)"},
        {"SplineTransformer", [&](const Obj&, const Version& s) { return s > v1_4_2 && tgt <= v1_4_2; },
         "its scipy BSpline objects were pickled by a newer scipy whose state the target's scipy cannot read"},
        {"SimpleImputer", [&](const Obj& o, const Version& s) {
           const Value* st = o.state ? o.state->Get("strategy") : nullptr;
           return s > v1_4_2 && tgt <= v1_4_2 && st && st->is_text() && st->text == "constant";
         },
         "the constant fill value's dtype handling changed after 1.4 (not yet derived)"},
        {"HistGradientBoostingClassifier", [&](const Obj& o, const Version& s) { return s > v1_4_2 && tgt <= v1_4_2 && o.state && o.state->Get("_preprocessor") && !o.state->Get("_preprocessor")->is_none(); },
         "its categorical preprocessor calls check_array with an argument the target does not have"},
        {"HistGradientBoostingRegressor", [&](const Obj& o, const Version& s) { return s > v1_4_2 && tgt <= v1_4_2 && o.state && o.state->Get("_preprocessor") && !o.state->Get("_preprocessor")->is_none(); },
         "its categorical preprocessor calls check_array with an argument the target does not have"},
    };
    for (const auto& o : objects_) {
      auto src = written(o);
      if (!src) continue;
      std::string_view name = ShortName(o.class_path);
      for (const auto& r : rules) {
        if (name == r.cls && r.applies(o, *src)) {
          throw Error::Unsupported(fmt::format("{}: porting {} from scikit-learn {} to {} is not verified: {}", o.path, o.class_path,
                                               src->Str(), tgt.Str(), r.reason));
        }
      }
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

  void RenameGlobals() {
    bool numpy2 = numpy_.major >= 2;
    std::map<std::string, std::string> renamed;  // old -> new, reported once each
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* g = file_.graph.node(i);
      if (g->kind != Kind::kGlobal) continue;
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
        std::string best = BestPath(module, name);
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
      if (new_module == module) continue;
      g->text = file_.graph.Store(new_module);
      std::string to = new_module + "." + name;
      if (renamed.emplace(path, to).second) Change("file", fmt::format("global {} -> {}", path, to));
    }
  }

  // numpy 2 pickles a RandomState's bit generator by class (__bit_generator_ctor(MT19937)) with a
  // state numpy 1 does not read (measured: renaming the class is not enough): refuse.
  void BitGenerators() {
    if (numpy_.major >= 2) return;
    int n = 0;
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      if (v->kind != Kind::kObject || !v->object->args || v->object->args->kind != Kind::kTuple) continue;
      const Value* cls = v->Class();
      if (!cls || !cls->text.starts_with("numpy.random") || !cls->name.ends_with("_ctor")) continue;
      Value* args = Mut(v->object->args);
      for (auto& a : args->items) {
        if (a->kind == Kind::kGlobal && a->text.starts_with("numpy.random")) {
          throw Error::Unsupported(fmt::format("a numpy.random state pickled by numpy 2 ({}); numpy {} cannot rebuild it",
                                               std::string(a->name), numpy_.Str()));
        }
      }
    }
    if (n) Change("file", fmt::format("{} numpy.random bit generator(s) named by string, as numpy 1 reads them", n));
  }

  /// The resolving path of the target with the same final name, closest in module to `module`.
  std::string BestPath(const std::string& module, const std::string& name) {
    std::string best;
    int best_score = -1;
    std::string top = module.substr(0, module.find('.'));
    for (const auto& [p, ok] : env_->resolves) {
      if (!ok || p.size() <= name.size() + 1 || !p.ends_with(name) || p[p.size() - name.size() - 1] != '.') continue;
      if (!p.starts_with(top + ".")) continue;
      // score: shared leading module components, ignoring a leading underscore.
      auto split = [](std::string_view s) {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (true) {
          auto dot = s.find('.', start);
          std::string part(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
          if (!part.empty() && part[0] == '_') part.erase(0, 1);
          out.push_back(part);
          if (dot == std::string_view::npos) break;
          start = dot + 1;
        }
        return out;
      };
      auto a = split(module), b = split(std::string_view(p).substr(0, p.size() - name.size() - 1));
      int score = 0;
      while (score < static_cast<int>(std::min(a.size(), b.size())) && a[score] == b[score]) ++score;
      if (score > best_score || (score == best_score && p < best)) {
        best = p;
        best_score = score;
      }
    }
    return best;
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
      if (has8 != target8) {
        Set(o.state, "nodes", ArrayValue(has8 ? Drop8(a, o.path) : Add8(a)));
        if (relayout++ == 0) first_relayout = o.path;
      }
      auto p = parent_of.find(o.object);
      const Obj* parent = p == parent_of.end() ? nullptr : p->second;
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
  std::shared_ptr<NdArray> Drop8(const NdArray& a, const std::string& path) {
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
      if (left_child >= 0 && right_child >= 0 && left_child < n && right_child < n) {
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

  std::shared_ptr<NdArray> Add8(const NdArray& a) {
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
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(dst + i * out->dtype.itemsize, a.data + i * old, static_cast<std::size_t>(old));
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

  // ---- 4. attributes ---------------------------------------------------------------------------

  /// A value for `key` of object `o` derived from what it holds, or nullptr.
  const Value* Derive(const Obj& o, const std::string& key) {
    const Value* s = o.state;
    auto get = [&](const char* k) { return s->Get(k); };
    std::string cls(ShortName(o.class_path));
    if (key == "n_features_in_") return get("n_features_");
    if (key == "n_features_") {
      if (cls.starts_with("Bagging") || cls.find("Forest") != std::string::npos || cls.starts_with("ExtraTrees") ||
          cls.starts_with("GradientBoosting") || cls.starts_with("DecisionTree") || cls.starts_with("ExtraTree") ||
          cls.starts_with("RandomTrees") || cls.starts_with("IsolationForest")) {
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
      if (!o.state || !o.class_path.starts_with("sklearn.") || !IsFitted(*o.state)) continue;
      std::string cls(ShortName(o.class_path));
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
      if (cls == "SGDClassifier") SgdLoss(o);
      std::vector<std::string> added;
      for (const auto& key : wanted) {
        if (o.state->Get(key)) continue;
        if (cls == "IsotonicRegression" && key == "f_") continue;  // rebuilt by __setstate__
        const Value* v = Derive(o, key);
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
      Pls(o);
      if (!added.empty()) {
        std::string list;
        for (const auto& k : added) list += (list.empty() ? "" : ", ") + k;
        Change(o.path, "attributes added: " + list);
      }
    }
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

  // PLSRegression / PLSCanonical / CCA: up to 1.4 predict divided X by _x_std before coef_; after
  // 1.4 coef_ includes 1/_x_std. Before 1.3 coef_ was (n_features, n_targets): not ported.
  void Pls(const Obj& o) {
    std::string cls(ShortName(o.class_path));
    if (cls != "PLSRegression" && cls != "PLSCanonical" && cls != "CCA") return;
    Version written = WrittenBy(&o);
    Version tgt = *target_.sklearn;
    bool src_new = written >= Version{1, 3, 0}, tgt_new = tgt >= Version{1, 3, 0};
    if (src_new != tgt_new) {
      throw Error::Unsupported(fmt::format("{}: {} coef_ changed layout in scikit-learn 1.3 (written by {}, target {}): not ported",
                                           o.path, cls, written.Str(), tgt.Str()));
    }
    bool src_scaled = written <= Version{1, 4, 2}, tgt_scaled = tgt <= Version{1, 4, 2};
    if (!src_new || src_scaled == tgt_scaled) return;
    const Value* coef = o.state->Get("coef_");
    const Value* std_ = o.state->Get("_x_std");
    if (!coef || !std_ || coef->kind != Kind::kArray || std_->kind != Kind::kArray || coef->array->ndim() != 2 ||
        coef->array->dtype.kind != DTypeKind::kFloat || coef->array->dtype.itemsize != 8 || std_->array->dtype.kind != DTypeKind::kFloat ||
        std_->array->dtype.itemsize != 8 || coef->array->fortran_order || coef->array->shape[1] != std_->array->size()) {
      throw Error::Unsupported(o.path + ": PLS coef_/_x_std not in the expected layout");
    }
    auto out = CopyHeader(*coef->array);
    out->dtype = coef->array->dtype;
    Allocate(out.get(), coef->array->nbytes);
    auto c = coef->array->view<double>();
    auto s = std_->array->view<double>();
    auto* d = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
    std::int64_t rows = coef->array->shape[0], cols = coef->array->shape[1];
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t j = 0; j < cols; ++j) d[r * cols + j] = src_scaled ? c[r * cols + j] / s[j] : c[r * cols + j] * s[j];
    }
    Set(o.state, "coef_", ArrayValue(out));
    Change(o.path, src_scaled ? "coef_ divided by _x_std (scikit-learn > 1.4 folds the scaling in)"
                              : "coef_ multiplied by _x_std (scikit-learn <= 1.4 scales X itself)");
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
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      const Value* g = file_.graph.node(i);
      if (g->kind != Kind::kGlobal) continue;
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
  return s;
}

PortReport Port(ModelFile& file, const Target& target, const PortOptions& options) { return Porter(file, target, options).Run(); }

}  // namespace skbridge
