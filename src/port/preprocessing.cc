// skbridge port, preprocessing / impute / kernel approximation: AdditiveChi2Sampler, OneHotEncoder,
// KNNImputer, SplineTransformer (scipy BSpline layouts), SimpleImputer.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- AdditiveChi2Sampler ---------------------------------------------------------------------
//
// The interval of the sampling: the fitted one under either name, else what fit resolves from the
// parameters (0.23-1.4 fit, 1.9 transform: sample_interval, or 0.8 / 0.5 / 0.4 for sample_steps
// 1 / 2 / 3; other steps need sample_interval).
const Value* Porter::Chi2Interval(const Obj& o) {
  for (const char* k : {"_sample_interval", "sample_interval_"}) {
    if (const Value* v = o.state->Get(k); v && AsReal(v)) return v;
  }
  const Value* given = o.state->Get("sample_interval");
  if (AsReal(given)) return given;
  const Value* steps = o.state->Get("sample_steps");
  if (!steps || steps->kind != Kind::kInt) return nullptr;
  if (steps->integer == 1) return Float(0.8);
  if (steps->integer == 2) return Float(0.5);
  if (steps->integer == 3) return Float(0.4);
  return nullptr;
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
void Porter::OneHotInfrequent(const Obj& o) {
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

// ---- KNNImputer ------------------------------------------------------------------------------

/// ~np.all(mask, axis=0) of a 2-d boolean mask: the columns with at least one observed value.
Value* Porter::KnnValidMask(const Value* mask) {
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
void Porter::ScipyLayouts() {
  for (const auto& o : objects_) {
    if (o.state && ShortName(o.class_path) == "SplineTransformer") SplineBSplines(o);
  }
}

void Porter::SplineBSplines(const Obj& o) {
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

// ---- SimpleImputer ---------------------------------------------------------------------------
//
// strategy='constant': 1.9 fit stores statistics_ as an object array (the fill value per column,
// NaN for a column that was all-missing, which transform then drops unless
// keep_empty_features) and casts it to _fill_dtype (X.dtype at fit) when transforming
// (1.9 impute/_base.py _dense_fit / transform). <= 1.4 transform uses statistics_ as stored,
// requires its dtype to cast to X's, and keeps every column for 'constant'. So the object array
// becomes an array of the fit dtype; an all-missing column is a genuine difference.

void Porter::SimpleImputerConstant(const Obj& o) {
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

}  // namespace skbridge::port_detail
