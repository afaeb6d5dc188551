// skbridge port, ColumnTransformer: remainder column lists, input indices, 'passthrough'
// transformers.
#include <fmt/format.h>

#include <algorithm>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// scikit-learn 1.5-1.6 keep ColumnTransformer's remainder columns in a _RemainderColsList (a
// UserList that warns on access; 1.5 _column_transformer.py), pickled as the class with state
// {data: [column indices], future_dtype, warning_*}; 1.7 removed the class, and versions before 1.5
// never had it. Every version reads the same columns from a plain list of indices.
void Porter::RemainderColumnLists() {
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

// ---- ColumnTransformer -----------------------------------------------------------------------
//
// 1.2+ fit records, per transformer name (and 'remainder'), the integer indices of its input
// columns (_transformer_to_input_indices, from _get_column_indices); transform reads them to
// select columns by label when fitted and applied on DataFrames. A < 1.2 model holds the same
// selections as column specs in transformers_ / _remainder, which resolve against the fitted
// column count and names.

/// The column names the ColumnTransformer was fitted on (feature_names_in_, 0.23
/// _feature_names_in), or empty.
std::vector<std::string> Porter::CtFeatureNames(const Obj& o) {
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
std::optional<std::vector<std::int64_t>> Porter::CtColumnIndices(const Value* spec, std::int64_t n, const std::vector<std::string>& names) {
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
const Value* Porter::CtInputIndices(const Obj& o) {
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
Value* Porter::CtPassthroughTransformer(const std::vector<std::int64_t>& idx, const Value* names_in) {
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
void Porter::CtPassthrough(const Obj& o) {
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

}  // namespace skbridge::port_detail
