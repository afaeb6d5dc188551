// skbridge port, internal: the Porter that rewrites one model's state (see Port in skbridge/port.h).
//
// One class, its member functions defined across src/port: port.cc runs the stages in order
// (Run) and holds the pipeline's own steps; globals.cc renames globals and rewrites numpy-level
// objects; attributes.cc holds the one derivation table (AttrRules) and the stage that applies it;
// every other file holds one estimator family's transforms. The small graph-building helpers are
// defined here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compat/knowledge.h"
#include "skbridge/port.h"

namespace skbridge::port_detail {

using compat::EnvKnowledge;

/// A Python int or a numpy integer scalar (native byte order) as an int64, or nullopt.
inline std::optional<std::int64_t> AsInteger(const Value* v) {
  if (!v) return std::nullopt;
  if (v->kind == Kind::kInt && !v->is_big_int()) return v->integer;
  if (v->kind != Kind::kArray || !v->array->is_scalar || v->array->dtype.byteorder == '>') return std::nullopt;
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
      case 8:
        if (a.view<std::uint64_t>()[0] <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          return static_cast<std::int64_t>(a.view<std::uint64_t>()[0]);
        }
    }
  }
  return std::nullopt;
}

/// A Python int / float or a numpy number scalar (native byte order; Huber's gamma is a numpy
/// float64 from np.percentile) as a double, or nullopt.
inline std::optional<double> AsReal(const Value* v) {
  if (!v) return std::nullopt;
  if (v->kind == Kind::kFloat) return v->real;
  if (v->kind == Kind::kArray && v->array->is_scalar && v->array->dtype.kind == DTypeKind::kFloat && v->array->dtype.byteorder != '>') {
    if (v->array->dtype.itemsize == 8) return v->array->view<double>()[0];
    if (v->array->dtype.itemsize == 4) return static_cast<double>(v->array->view<float>()[0]);
  }
  if (auto i = AsInteger(v)) return static_cast<double>(*i);
  return std::nullopt;
}

inline Value* Mut(const Value* v) { return const_cast<Value*>(v); }  // the graph is ours to edit

// A view into `path`: a temporary string would leave it dangling (found by fuzz_port).
std::string_view ShortName(std::string&&) = delete;
inline std::string_view ShortName(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

struct Obj {
  std::string path;
  Value* object;
  std::string class_path;
  Value* state;  ///< the state dict, or nullptr
};

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

class Porter {
 public:
  Porter(ModelFile& file, const Target& target, const PortOptions& options) : file_(file), target_(target), options_(options) {}

  PortReport Run();  ///< every stage in order (port.cc)
  void RefuseDangerousGlobals();  ///< port never writes back a global that runs code at load

 private:
  void Change(std::string path, std::string what) { report_.changes.push_back({std::move(path), std::move(what)}); }

  // ---- graph building ----------------------------------------------------------------------------

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
  /// The scikit-learn version that wrote `o` (its _sklearn_version), else the file's oldest.
  Version WrittenBy(const Obj* o) const {
    const Value* ver = o && o->state ? o->state->Get("_sklearn_version") : nullptr;
    if (ver && ver->is_text()) {
      if (auto v = Version::Parse(ver->text)) return *v;
    }
    return source_.value_or(Version{0, 0, 0});
  }

  // ---- port.cc: the pipeline ---------------------------------------------------------------------

  void RefuseLostBehaviour();  ///< behaviour the target's class cannot express: refused
  void Collect();              ///< objects_ and source_ from the graph
  void Versions();             ///< _sklearn_version of every object -> the target's
  void ChooseWriteOptions();
  void RefreshGlobals();       ///< file_'s globals and header as the writer will write them
  void Verify();               ///< the doctor on the result

  // ---- globals.cc --------------------------------------------------------------------------------

  std::set<const Value*> Reachable();
  void RenameGlobals();
  void RandomStates();         ///< numpy.random objects in the target numpy's pickled form
  void NumpyRemovedAliases();  ///< numpy 1 aliases numpy 2 removed, as FunctionTransformer funcs
  void CyPickles();            ///< __pyx_unpickle_CyX(CyX, checksum, state) -> CyX(param)

  // ---- trees.cc ----------------------------------------------------------------------------------

  void Trees();
  /// Extra-trees (splitter 'random') written before 1.6, whose missing_go_to_left flags carry nothing.
  bool RandomSplitterFlags(const Obj* tree_estimator) const;
  std::shared_ptr<NdArray> Drop8(const NdArray& a, const std::string& path, bool meaningless_flags);  ///< 8 -> 7 node fields
  std::shared_ptr<NdArray> Add8(const NdArray& a);                                                    ///< 7 -> 8 node fields
  std::shared_ptr<NdArray> Normalise(const NdArray& a, const std::string& path);  ///< classifier values counts -> fractions

  // ---- gradient_boosting.cc ----------------------------------------------------------------------

  enum class LossKind { kSquared, kBinomial, kMultinomial, kOther };
  enum class GbKind { kAbsolute, kHuber, kQuantile, kExponential, kMultinomial, kNone };

  LossKind KindOfLoss(const Value* loss, std::int64_t* k);  ///< and its n_classes into *k
  Value* HalfLoss(LossKind kind, std::int64_t k, bool constant_hessian);
  void Losses();  ///< GradientBoosting* / HistGradientBoosting* loss objects across 1.1 / 1.4
  void LegacyInitEstimators();  ///< <= 0.20 init_ estimators (MeanEstimator ...) as Dummy* estimators
  void GbLossParam(const Obj& o);
  static GbKind GbKindOf(std::string_view name);
  bool GbLosses(const Obj& o);
  static std::optional<double> CyParam(const Value* closs);
  Value* CyLoss(std::string_view cls, std::optional<double> param);
  Value* GbLoss(const Obj& o, const Value* held, GbKind kind, std::int64_t k, bool tgt_half);
  /// Moves the multiclass init offset (link of init_'s prior) into the first stage's trees.
  void ShiftFirstStage(const Obj& o, std::int64_t k, bool from_symmetric);

  // ---- hist_gradient_boosting.cc -----------------------------------------------------------------

  static constexpr std::string_view kBinMapper = "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper";
  struct NodeField {
    std::string_view name;
    DTypeKind kind;
    std::int64_t size;
  };

  static bool IsHgb(std::string_view cls);
  bool TargetHolds(std::string_view class_path, std::string_view key) const;
  static void RenameKey(Value* dict, std::string_view from, const Value* key);
  void HistGradientBoosting();
  void HgbPreprocessor(const Obj& o);  ///< the 1.4+ categorical preprocessor under the target's keyword
  std::vector<NodeField> HgbNodeLayout(bool categorical_target) const;
  static std::int64_t ReadInt(const std::byte* p, const DType& t);  ///< an integer field of dtype t
  bool HgbPredictor(const Obj& o, bool categorical_target);
  Value* HgbEmptyBitsets();
  Value* HgbUInt8Zeros(std::int64_t n);
  bool HgbLinkedLoss(const Obj& o, const Value* held, bool tgt_half);  ///< absolute error / Poisson losses

  // ---- attributes.cc -----------------------------------------------------------------------------

  const std::vector<AttrRule>& AttrRules();  ///< the derivation table, built once
  void HgbAttrRules(std::vector<AttrRule>* rules);
  const AttrRule* FindRule(const Obj& o, const std::string& key, bool derivable);
  const Value* Derive(const Obj& o, const std::string& key);
  void Attributes();  ///< every attribute the target holds or reads and the source lacks

  // ---- ensemble.cc -------------------------------------------------------------------------------

  void AdaBoostSamme();
  void SammeAsSammeR(const Obj& o);
  const Value* IforestPerTree(const Obj& o, bool average);  ///< 1.3+ per-tree depths / average path lengths

  // ---- linear_model.cc ---------------------------------------------------------------------------

  void Glms();
  static std::string_view GlmLossName(std::string_view estimator, bool log_link);
  Value* GlmLoss(std::string_view estimator, double power, bool log_link);                 ///< 1.1+ _base_loss
  Value* GlmFamily(std::string_view estimator, double power, const Value* power_value);  ///< 0.23 _family_instance
  void SgdLoss(const Obj& o);  ///< loss 'log' <-> 'log_loss'
  void SgdLossObjects();
  const Value* BayesFilled(const Obj& o, double fill);
  static bool AllEqual(const Obj& o, const char* key, double x);
  void BayesStd(const Obj& o);
  void RidgeBinaryCoef(const Obj& o);

  // ---- compose.cc --------------------------------------------------------------------------------

  void RemainderColumnLists();
  std::vector<std::string> CtFeatureNames(const Obj& o);
  static std::optional<std::vector<std::int64_t>> CtColumnIndices(const Value* spec, std::int64_t n, const std::vector<std::string>& names);
  const Value* CtInputIndices(const Obj& o);  ///< 1.2+ _transformer_to_input_indices
  Value* CtPassthroughTransformer(const std::vector<std::int64_t>& idx, const Value* names_in);
  void CtPassthrough(const Obj& o);

  // ---- preprocessing.cc --------------------------------------------------------------------------

  const Value* Chi2Interval(const Obj& o);  ///< AdditiveChi2Sampler's sample interval
  void OneHotInfrequent(const Obj& o);
  Value* KnnValidMask(const Value* mask);
  void ScipyLayouts();  ///< SplineTransformer's scipy BSpline objects in the target scipy's layout
  void SplineBSplines(const Obj& o);
  void SimpleImputerConstant(const Obj& o);  ///< strategy='constant' statistics_

  // ---- text.cc -----------------------------------------------------------------------------------

  Value* Int32Range(std::int64_t n);  ///< int32 array 0 .. n-1
  const Value* TfidfIdfDiag(const Obj& o);
  void TfidfWithoutIdf(const Obj& o);

  // ---- model_selection.cc ------------------------------------------------------------------------

  void PassthroughScorers();  ///< a search's scoring=None scorer_

  // ---- calibration.cc ----------------------------------------------------------------------------

  void CalibratedClassifiers(const Obj& o);

  // ---- cross_decomposition.cc --------------------------------------------------------------------

  static int PlsLayout(const Version& v);
  void Pls(const Obj& o);

  // ---- decomposition.cc --------------------------------------------------------------------------

  static std::int64_t NmfFeatures(const Obj& o);
  const Value* NmfAlphaW(const Obj& o);
  const Value* NmfAlpha(const Obj& o);

  // ---- neighbors.cc ------------------------------------------------------------------------------

  static bool NearestCentroidUniform(const Obj& o);

  // ---- naive_bayes.cc ----------------------------------------------------------------------------

  const Value* CategoricalNbCounts(const Obj& o);  ///< 1.0+ n_categories_

  ModelFile& file_;
  const Target& target_;
  PortOptions options_;
  const EnvKnowledge* env_ = nullptr;
  Version numpy_, python_, joblib_;
  std::vector<Obj> objects_;
  std::vector<AttrRule> attr_rules_;
  std::optional<Version> source_;  ///< the oldest _sklearn_version in the file
  PortReport report_;
};

}  // namespace skbridge::port_detail
