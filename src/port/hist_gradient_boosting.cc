// skbridge port, HistGradientBoosting*: binner, categorical preprocessor, TreePredictor node
// records and bitsets, losses beyond squared error / log loss.
#include <fmt/format.h>

#include <cstring>
#include <functional>
#include <limits>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

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
bool Porter::IsHgb(std::string_view cls) { return cls == "HistGradientBoostingClassifier" || cls == "HistGradientBoostingRegressor"; }

/// Whether the target's pickled state of `class_path` always holds `key` (measured).
bool Porter::TargetHolds(std::string_view class_path, std::string_view key) const {
  auto r = env_->state_keys.find(std::string(class_path));
  return r != env_->state_keys.end() && r->second.count(std::string(key));
}

/// Renames a dict key in place (keeps its position); `key` is the new key's str node.
void Porter::RenameKey(Value* dict, std::string_view from, const Value* key) {
  for (auto& entry : dict->entries) {
    if (entry.first->is_text() && entry.first->text == from) entry.first = key;
  }
}

void Porter::HistGradientBoosting() {
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
void Porter::HgbPreprocessor(const Obj& o) {
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

/// The target's node_struct (common.pxd), packed.
std::vector<Porter::NodeField> Porter::HgbNodeLayout(bool categorical_target) const {
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

std::int64_t Porter::ReadInt(const std::byte* p, const DType& t) {
  switch (t.itemsize) {
    case 1: return t.kind == DTypeKind::kInt ? static_cast<std::int64_t>(static_cast<std::int8_t>(p[0])) : static_cast<std::int64_t>(static_cast<std::uint8_t>(p[0]));
    case 2: { std::uint16_t u; std::memcpy(&u, p, 2); return t.kind == DTypeKind::kInt ? static_cast<std::int16_t>(u) : u; }
    case 4: { std::uint32_t u; std::memcpy(&u, p, 4); return t.kind == DTypeKind::kInt ? static_cast<std::int64_t>(static_cast<std::int32_t>(u)) : u; }
    default: { std::int64_t i; std::memcpy(&i, p, 8); return i; }
  }
}

/// Converts one TreePredictor to the target's node record and bitsets; false when already there.
bool Porter::HgbPredictor(const Obj& o, bool categorical_target) {
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

Value* Porter::HgbEmptyBitsets() {
  auto a = std::make_shared<NdArray>();
  a->dtype.kind = DTypeKind::kUInt;
  a->dtype.itemsize = 4;
  a->shape = {0, 8};
  Allocate(a.get(), 0);
  return ArrayValue(a);
}

Value* Porter::HgbUInt8Zeros(std::int64_t n) {
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
bool Porter::HgbLinkedLoss(const Obj& o, const Value* held, bool tgt_half) {
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

}  // namespace skbridge::port_detail
