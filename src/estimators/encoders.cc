// Categorical encoders: OneHotEncoder, OrdinalEncoder, TargetEncoder, LabelEncoder, LabelBinarizer.
//
// Every encoder first maps each cell to its position in categories_[i] (kernels::CategoryLookup,
// scikit-learn's _check_unknown + _encode), then turns positions into outputs with tables computed
// once at decode: infrequent grouping (_default_to_infrequent_mappings), dropped columns
// (_drop_idx_after_grouping, or drop_idx_ before 1.3), unknown and missing values.
#include <algorithm>
#include <cmath>
#include <set>

#include "estimators/estimator.h"
#include "kernels/encoders.h"

namespace skbridge::est {
namespace {

using kernels::CategoryLookup;
constexpr std::int32_t kUnknown = CategoryLookup::kUnknown;

bool IsNan(const Value& v) {
  if (v.kind == Kind::kFloat) return std::isnan(v.real);
  if (v.kind == Kind::kArray && v.array->is_scalar && v.array->dtype.kind == DTypeKind::kFloat) {
    return std::isnan(ToDoubles(v, "")[0]);
  }
  return false;
}

bool IsNumber(const Value& v) {
  if (v.kind == Kind::kInt || v.kind == Kind::kFloat || v.kind == Kind::kBool) return !v.is_big_int();
  if (v.kind == Kind::kArray && v.array->is_scalar) {
    DTypeKind k = v.array->dtype.kind;
    return k == DTypeKind::kInt || k == DTypeKind::kUInt || k == DTypeKind::kFloat || k == DTypeKind::kBool;
  }
  return false;
}

// One array of categories_ (or classes_): strings, or numbers, with NaN / None last.
CategoryLookup ReadCategories(const Value& v, const std::string& path) {
  CategoryLookup lookup;
  std::int32_t nan = kUnknown, none = kUnknown;
  std::vector<std::string> texts;
  std::vector<double> numbers;
  std::vector<std::int32_t> text_pos, number_pos;
  std::size_t n = 0;
  auto add_object = [&](const Value& o) {
    std::int32_t p = static_cast<std::int32_t>(n++);
    if (o.is_none()) none = p;
    else if (IsNan(o)) nan = p;
    else if (o.is_text()) texts.emplace_back(o.text), text_pos.push_back(p);
    else if (IsNumber(o)) numbers.push_back(ToDoubles(o, path)[0]), number_pos.push_back(p);
    else throw Error::Unsupported(fmt::format("{}: category {} is neither text nor a number", path, o.Repr(40)));
  };
  if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject) {
    if (v.array->ndim() != 1) throw Error::InvalidModel(fmt::format("{}: expected a 1-d array, got shape {}", path, v.array->ShapeString()));
    for (const Value* o : v.array->objects) add_object(*o);
  } else if (v.kind == Kind::kList || v.kind == Kind::kTuple) {
    for (const Value* o : v.items) add_object(*o);
  } else if (v.kind == Kind::kArray) {
    if (v.array->ndim() != 1) throw Error::InvalidModel(fmt::format("{}: expected a 1-d array, got shape {}", path, v.array->ShapeString()));
    DTypeKind k = v.array->dtype.kind;
    if (k == DTypeKind::kUnicode || k == DTypeKind::kBytes) {
      texts = ToStrings(v, path);
      for (std::size_t i = 0; i < texts.size(); ++i) text_pos.push_back(static_cast<std::int32_t>(i));
      n = texts.size();
    } else {
      std::vector<double> d = ToDoubles(v, path);
      for (std::size_t i = 0; i < d.size(); ++i) {
        if (std::isnan(d[i])) nan = static_cast<std::int32_t>(i);
        else numbers.push_back(d[i]), number_pos.push_back(static_cast<std::int32_t>(i));
      }
      n = d.size();
    }
  } else {
    throw Error::InvalidModel(fmt::format("{}: expected an array of categories, found {}", path, v.Repr(40)));
  }
  if (!texts.empty() && !numbers.empty()) {
    throw Error::Unsupported(fmt::format("{}: categories mix text and numbers", path));
  }
  if (n == 0) throw Error::InvalidModel(fmt::format("{}: no categories", path));
  lookup.SetSize(n);
  // Text unless the categories are numbers; an all-missing list is text for object arrays.
  bool numeric = !numbers.empty() ||
                 (texts.empty() && v.kind == Kind::kArray && v.array->dtype.kind != DTypeKind::kObject &&
                  v.array->dtype.kind != DTypeKind::kUnicode && v.array->dtype.kind != DTypeKind::kBytes);
  if (numeric) lookup.SetNumbers(std::move(numbers), std::move(number_pos));
  else lookup.SetText(std::move(texts), std::move(text_pos));
  lookup.SetMissing(nan, none);
  for (std::int32_t p : {nan, none}) {
    if (p != kUnknown && static_cast<std::size_t>(p) + 1 != n && static_cast<std::size_t>(p) + 2 != n) {
      throw Error::InvalidModel(fmt::format("{}: the missing-value category must come last", path));
    }
  }
  return lookup;
}

// categories_: one array per input feature.
std::vector<CategoryLookup> ReadAllCategories(Fields& f, std::string_view name = "categories_") {
  const Value& v = f.Get(name);
  std::vector<const Value*> items;
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) items = v.items;
  else if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject && v.array->ndim() == 1) items = v.array->objects;
  else f.Fail(name, fmt::format("expected a list of arrays, found {}", v.Repr(40)));
  std::vector<CategoryLookup> out;
  for (std::size_t i = 0; i < items.size(); ++i) out.push_back(ReadCategories(*items[i], fmt::format("{}[{}]", f.At(name), i)));
  return out;
}

// A list with one entry per feature that is None or an int array (e.g. _infrequent_indices).
std::vector<std::optional<std::vector<std::int64_t>>> ReadOptionalIntArrays(Fields& f, std::string_view name, std::size_t n) {
  std::vector<std::optional<std::vector<std::int64_t>>> out(n);
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return out;
  std::vector<const Value*> items;
  if (v->kind == Kind::kList || v->kind == Kind::kTuple) items = v->items;
  else if (v->kind == Kind::kArray && v->array->dtype.kind == DTypeKind::kObject) items = v->array->objects;
  else f.Fail(name, fmt::format("expected a list, found {}", v->Repr(40)));
  if (items.size() != n) f.Fail(name, fmt::format("expected {} entries (one per feature), got {}", n, items.size()));
  for (std::size_t i = 0; i < n; ++i) {
    if (!items[i]->is_none()) out[i] = ToInts(*items[i], fmt::format("{}[{}]", f.At(name), i));
  }
  return out;
}

std::string StrOr(Fields& f, std::string_view name, std::string fallback) {
  const Value* v = f.Find(name);
  return v && v->is_text() ? std::string(v->text) : fallback;
}

// Feature names of the encoder's input, for messages and output names.
std::vector<std::string> InputNames(const Estimator& e, std::size_t n) {
  if (e.input.feature_names.size() == n) return e.input.feature_names;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back(fmt::format("x{}", i));
  return names;
}

// Shared by the encoders: the categories of each feature and the input checks.
class EncoderBase : public Estimator {
 public:
  std::vector<CategoryLookup> cats;

  bool Has(Method m) const override { return m == Method::kTransform; }

 protected:
  void CheckInput(const Table& x) const {
    if (x.cols != cats.size()) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, cats.size(), x.cols));
    }
  }
  [[noreturn]] void UnknownCategory(const Table& x, std::size_t r, std::size_t c) const {
    throw Error::InvalidInput(fmt::format("{}: column {} row {}: unknown category {} (the encoder knows {})", path,
                                          kernels::ColumnLabel(x, c, input.feature_names), r + 1,
                                          kernels::CellText(x, r, c), cats[c].Describe()));
  }

 public:
  void SetTextInputs() {
    input.n_features = cats.size();
    input.is_text.clear();
    for (const auto& c : cats) input.is_text.push_back(c.text());
  }
};

// ----------------------------------------------------------------------------------------------
// OneHotEncoder

class OneHotEncoder : public EncoderBase {
 public:
  struct Feature {
    std::vector<std::int32_t> column;  // by category position: output column (global), or -1
    std::int32_t unknown = -1;         // output column of unknown values, -1: all zeros
    bool unknown_error = true;
  };
  std::vector<Feature> features;
  std::size_t n_out = 0;
  std::vector<std::string> out_names;     // "<feature>_<category>"
  std::vector<std::size_t> out_feature;   // input feature of each output column
  std::vector<std::string> out_category;  // its category ("infrequent_sklearn" for the group)

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    CheckInput(x);
    const std::size_t rows = x.rows, nf = cats.size();
    std::vector<std::int32_t> pos(rows * nf);
    for (std::size_t c = 0; c < nf; ++c) cats[c].Encode(x, c, pos.data() + c, nf);
    std::vector<double> out(rows * n_out, 0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      double* o = out.data() + r * n_out;
      for (std::size_t c = 0; c < nf; ++c) {
        const Feature& f = features[c];
        std::int32_t p = pos[r * nf + c];
        std::int32_t col;
        if (p == kUnknown) {
          if (f.unknown_error) UnknownCategory(x, r, c);
          col = f.unknown;
        } else {
          col = f.column[p];
        }
        if (col >= 0) o[col] = 1.0;
      }
    }
    Output res = NumericOutput(rows, n_out, std::move(out));
    if (input.feature_names.empty() && x.names.size() == nf) {
      // Fitted without feature names (e.g. after an imputer in a pipeline): name the outputs
      // after the input table's columns, as get_feature_names_out(input_features) does.
      res.column_names.reserve(n_out);
      for (std::size_t k = 0; k < n_out; ++k) res.column_names.push_back(x.names[out_feature[k]] + "_" + out_category[k]);
    } else {
      res.column_names = out_names;
    }
    return res;
  }
};

// The drop index of each feature (after infrequent grouping), or nullopt.
std::vector<std::optional<std::int64_t>> ReadDropIdx(Fields& f, std::size_t n) {
  std::vector<std::optional<std::int64_t>> out(n);
  // 1.3+: _drop_idx_after_grouping indexes the grouped categories and drop_idx_ the original ones;
  // 1.1-1.2 stored the grouped index in drop_idx_; before 1.1 there was no grouping.
  std::string_view name = f.Has("_drop_idx_after_grouping") ? "_drop_idx_after_grouping" : "drop_idx_";
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return out;
  std::vector<const Value*> items;
  if (v->kind == Kind::kArray && v->array->dtype.kind == DTypeKind::kObject) items = v->array->objects;
  else if (v->kind == Kind::kList || v->kind == Kind::kTuple) items = v->items;
  if (v->kind == Kind::kArray && v->array->dtype.kind != DTypeKind::kObject) {
    auto d = ToInts(*v, f.At(name));
    if (d.size() != n) f.Fail(name, fmt::format("expected {} entries, got {}", n, d.size()));
    for (std::size_t i = 0; i < n; ++i) out[i] = d[i];
    return out;
  }
  if (items.size() != n) f.Fail(name, fmt::format("expected {} entries (one per feature), got {}", n, items.size()));
  for (std::size_t i = 0; i < n; ++i) {
    if (!items[i]->is_none()) out[i] = ToInts(*items[i], fmt::format("{}[{}]", f.At(name), i)).at(0);
  }
  return out;
}

// Infrequent grouping: position -> grouped index (identity when the feature has none).
struct Grouping {
  bool enabled = false;
  std::vector<std::optional<std::vector<std::int64_t>>> infrequent;  // _infrequent_indices
  std::vector<std::optional<std::vector<std::int64_t>>> mapping;     // _default_to_infrequent_mappings
};

Grouping ReadGrouping(Fields& f, const std::vector<CategoryLookup>& cats, bool allow_missing_excluded) {
  Grouping g;
  const std::size_t n = cats.size();
  g.infrequent.resize(n);
  g.mapping.resize(n);
  g.enabled = f.Has("_infrequent_enabled") && f.Bool("_infrequent_enabled");
  if (!g.enabled) return g;
  g.infrequent = ReadOptionalIntArrays(f, "_infrequent_indices", n);
  g.mapping = ReadOptionalIntArrays(f, "_default_to_infrequent_mappings", n);
  for (std::size_t i = 0; i < n; ++i) {
    if (g.infrequent[i].has_value() != g.mapping[i].has_value()) {
      f.Fail("_default_to_infrequent_mappings", fmt::format("feature {} has infrequent indices but no mapping, or the reverse", i));
    }
    if (!g.mapping[i]) continue;
    const auto& m = *g.mapping[i];
    std::size_t size = cats[i].size();
    bool ok = m.size() == size || (allow_missing_excluded && cats[i].missing() != kUnknown && m.size() + 1 == size);
    if (!ok) f.Fail("_default_to_infrequent_mappings", fmt::format("feature {}: {} entries for {} categories", i, m.size(), size));
    for (auto k : *g.infrequent[i]) {
      if (k < 0 || static_cast<std::size_t>(k) >= m.size()) f.Fail("_infrequent_indices", fmt::format("feature {}: index {} out of range", i, k));
    }
    for (auto k : m) {
      if (k < 0 || static_cast<std::size_t>(k) >= m.size()) f.Fail("_default_to_infrequent_mappings", fmt::format("feature {}: value {} out of range", i, k));
    }
  }
  return g;
}

}  // namespace

std::shared_ptr<Estimator> DecodeOneHotEncoder(Fields& f) {
  auto e = std::make_shared<OneHotEncoder>();
  f.ReadCommon(e.get(), false);
  if ((f.Has("_legacy_mode") && f.Bool("_legacy_mode")) || (!f.Has("categories_") && f.Has("feature_indices_"))) {
    throw Error::Unsupported(fmt::format("{}: OneHotEncoder in the legacy integer mode of scikit-learn 0.20-0.21 "
                                         "(n_values / categorical_features) is not supported", f.path()));
  }
  e->cats = ReadAllCategories(f);
  const std::size_t nf = e->cats.size();
  if (e->input.n_features && e->input.n_features != nf) {
    f.Fail("categories_", fmt::format("has {} features, n_features_in_ is {}", nf, e->input.n_features));
  }
  e->SetTextInputs();
  const std::string handle_unknown = StrOr(f, "handle_unknown", "error");
  if (handle_unknown != "error" && handle_unknown != "ignore" && handle_unknown != "infrequent_if_exist" && handle_unknown != "warn") {
    f.Fail("handle_unknown", fmt::format("unknown option '{}'", handle_unknown));
  }
  Grouping g = ReadGrouping(f, e->cats, false);
  auto drop = ReadDropIdx(f, nf);
  std::vector<std::string> names = InputNames(*e, nf);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < nf; ++i) {
    const CategoryLookup& cats = e->cats[i];
    const std::size_t n = cats.size();
    OneHotEncoder::Feature feat;
    // Grouped index of each category, and the grouped categories' names.
    std::vector<std::int64_t> grouped(n);
    std::size_t n_grouped = n;
    std::vector<std::string> grouped_names;
    if (g.mapping[i]) {
      const auto& m = *g.mapping[i];
      std::int64_t infrequent_group = 0;
      for (auto k : m) infrequent_group = std::max(infrequent_group, k);
      n_grouped = static_cast<std::size_t>(infrequent_group) + 1;
      for (std::size_t p = 0; p < n; ++p) grouped[p] = m[p];
      grouped_names.resize(n_grouped);
      for (std::size_t p = 0; p < n; ++p) grouped_names[m[p]] = cats.Name(static_cast<std::int32_t>(p));
      grouped_names[infrequent_group] = "infrequent_sklearn";
    } else {
      for (std::size_t p = 0; p < n; ++p) grouped[p] = static_cast<std::int64_t>(p), grouped_names.push_back(cats.Name(static_cast<std::int32_t>(p)));
    }
    std::optional<std::int64_t> d = drop[i];
    if (d && (*d < 0 || static_cast<std::size_t>(*d) >= n_grouped)) {
      f.Fail("drop_idx_", fmt::format("feature {}: drop index {} out of range for {} categories", i, *d, n_grouped));
    }
    auto column_of = [&](std::int64_t k) -> std::int32_t {
      if (d && k == *d) return -1;
      return static_cast<std::int32_t>(offset + static_cast<std::size_t>(d && k > *d ? k - 1 : k));
    };
    feat.column.resize(n);
    for (std::size_t p = 0; p < n; ++p) feat.column[p] = column_of(grouped[p]);
    // Unknown values: an error, all zeros, or the infrequent category (infrequent_if_exist / warn).
    feat.unknown_error = handle_unknown == "error";
    if (g.infrequent[i] && (handle_unknown == "infrequent_if_exist" || handle_unknown == "warn")) {
      feat.unknown = column_of(grouped[(*g.infrequent[i])[0]]);
    }
    for (std::size_t k = 0; k < n_grouped; ++k) {
      if (d && static_cast<std::int64_t>(k) == *d) continue;
      e->out_names.push_back(names[i] + "_" + grouped_names[k]);
      e->out_feature.push_back(i);
      e->out_category.push_back(grouped_names[k]);
    }
    offset += n_grouped - (d ? 1 : 0);
    e->features.push_back(std::move(feat));
  }
  e->n_out = offset;
  if (f.Has("_n_features_outs")) {
    auto outs = f.Ints("_n_features_outs", nf);
    std::size_t total = 0;
    for (auto o : outs) total += static_cast<std::size_t>(o);
    if (total != e->n_out) f.Fail("_n_features_outs", fmt::format("sum to {}, the categories give {} output columns", total, e->n_out));
  }
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// OrdinalEncoder

class OrdinalEncoder : public EncoderBase {
 public:
  std::vector<std::vector<double>> code;  // by feature, by category position
  bool unknown_error = true;
  double unknown_value = 0;

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    CheckInput(x);
    const std::size_t rows = x.rows, nf = cats.size();
    std::vector<std::int32_t> pos(rows * nf);
    for (std::size_t c = 0; c < nf; ++c) cats[c].Encode(x, c, pos.data() + c, nf);
    std::vector<double> out(rows * nf);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < nf; ++c) {
        std::int32_t p = pos[r * nf + c];
        if (p == kUnknown) {
          if (unknown_error) UnknownCategory(x, r, c);
          out[r * nf + c] = unknown_value;
        } else {
          out[r * nf + c] = code[c][p];
        }
      }
    }
    Output res = NumericOutput(rows, nf, std::move(out));
    res.column_names = InputNames(*this, nf);
    return res;
  }
};

double NumberOr(Fields& f, std::string_view name, double fallback) {
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return fallback;
  if (IsNumber(*v)) return ToDoubles(*v, f.At(name))[0];
  f.Fail(name, fmt::format("expected a number, found {}", v->Repr(40)));
}

}  // namespace

std::shared_ptr<Estimator> DecodeOrdinalEncoder(Fields& f) {
  auto e = std::make_shared<OrdinalEncoder>();
  f.ReadCommon(e.get(), false);
  e->cats = ReadAllCategories(f);
  const std::size_t nf = e->cats.size();
  if (e->input.n_features && e->input.n_features != nf) {
    f.Fail("categories_", fmt::format("has {} features, n_features_in_ is {}", nf, e->input.n_features));
  }
  e->SetTextInputs();
  // handle_unknown arrived in 0.24 ('error' / 'use_encoded_value').
  const std::string handle_unknown = StrOr(f, "handle_unknown", "error");
  if (handle_unknown == "use_encoded_value") {
    e->unknown_error = false;
    e->unknown_value = NumberOr(f, "unknown_value", std::nan(""));
  } else if (handle_unknown != "error") {
    f.Fail("handle_unknown", fmt::format("unknown option '{}'", handle_unknown));
  }
  // Missing values (1.0+): the NaN/None category keeps no ordinal; its cells become
  // encoded_missing_value (1.1+, default NaN). _missing_indices maps feature -> category position.
  std::vector<std::int64_t> missing_idx(nf, -1);
  bool has_missing_indices = false;
  if (const Value* mi = f.Find("_missing_indices"); mi && mi->kind == Kind::kDict) {
    has_missing_indices = true;
    for (const auto& [k, v] : mi->entries) {
      if (k->kind != Kind::kInt || k->integer < 0 || static_cast<std::size_t>(k->integer) >= nf) {
        f.Fail("_missing_indices", fmt::format("bad feature index {}", k->Repr(20)));
      }
      auto p = ToInts(*v, f.At("_missing_indices")).at(0);
      if (p < 0 || static_cast<std::size_t>(p) >= e->cats[k->integer].size()) f.Fail("_missing_indices", "category index out of range");
      missing_idx[k->integer] = p;
    }
  }
  const double encoded_missing = NumberOr(f, "encoded_missing_value", std::nan(""));
  Grouping g = ReadGrouping(f, e->cats, true);
  for (std::size_t i = 0; i < nf; ++i) {
    const std::size_t n = e->cats[i].size();
    std::vector<double> code(n);
    for (std::size_t p = 0; p < n; ++p) {
      if (has_missing_indices && static_cast<std::int64_t>(p) == missing_idx[i]) {
        code[p] = encoded_missing;
      } else if (g.mapping[i] && p < g.mapping[i]->size()) {
        code[p] = static_cast<double>((*g.mapping[i])[p]);
      } else {
        code[p] = static_cast<double>(p);
      }
    }
    e->code.push_back(std::move(code));
  }
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// TargetEncoder (1.3+): each category's encoding; unknown categories get the target mean.

class TargetEncoder : public EncoderBase {
 public:
  std::size_t per_feature = 1;                  // n_classes for multiclass targets
  std::vector<std::vector<double>> encodings;   // [feature * per_feature + k][category position]
  std::vector<double> target_mean;              // per_feature values

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    CheckInput(x);
    const std::size_t rows = x.rows, nf = cats.size(), n_out = nf * per_feature;
    std::vector<std::int32_t> pos(rows * nf);
    for (std::size_t c = 0; c < nf; ++c) cats[c].Encode(x, c, pos.data() + c, nf);
    std::vector<double> out(rows * n_out);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < nf; ++c) {
        std::int32_t p = pos[r * nf + c];
        for (std::size_t k = 0; k < per_feature; ++k) {
          out[r * n_out + c * per_feature + k] = p == kUnknown ? target_mean[k] : encodings[c * per_feature + k][p];
        }
      }
    }
    return NumericOutput(rows, n_out, std::move(out));
  }
};

}  // namespace

std::shared_ptr<Estimator> DecodeTargetEncoder(Fields& f) {
  auto e = std::make_shared<TargetEncoder>();
  f.ReadCommon(e.get(), false);
  e->cats = ReadAllCategories(f);
  const std::size_t nf = e->cats.size();
  e->SetTextInputs();
  const std::string target_type = f.Str("target_type_");
  if (target_type == "multiclass") {
    e->per_feature = f.GetLabels("classes_").size();
  } else if (target_type != "binary" && target_type != "continuous") {
    f.Fail("target_type_", fmt::format("unknown target type '{}'", target_type));
  }
  e->target_mean = f.Doubles("target_mean_", e->per_feature);
  const Value& enc = f.Get("encodings_");
  std::vector<const Value*> items;
  if (enc.kind == Kind::kList || enc.kind == Kind::kTuple) items = enc.items;
  else if (enc.kind == Kind::kArray && enc.array->dtype.kind == DTypeKind::kObject) items = enc.array->objects;
  else f.Fail("encodings_", fmt::format("expected a list of arrays, found {}", enc.Repr(40)));
  if (items.size() != nf * e->per_feature) {
    f.Fail("encodings_", fmt::format("expected {} arrays ({} features x {}), got {}", nf * e->per_feature, nf, e->per_feature, items.size()));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto d = ToDoubles(*items[i], fmt::format("{}[{}]", f.At("encodings_"), i));
    std::size_t n = e->cats[i / e->per_feature].size();
    if (d.size() != n) f.Fail("encodings_", fmt::format("[{}] has {} values for {} categories", i, d.size(), n));
    e->encodings.push_back(std::move(d));
  }
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// LabelEncoder / LabelBinarizer: transformers of one column of labels (targets).

class LabelEncoder : public Estimator {
 public:
  CategoryLookup lookup;
  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    if (x.cols != 1) throw Error::InvalidInput(fmt::format("{} ({}) transforms one column of labels, got {} columns", path, class_path, x.cols));
    std::vector<std::int32_t> pos(x.rows);
    lookup.Encode(x, 0, pos.data(), 1);
    std::vector<double> out(x.rows);
    for (std::size_t r = 0; r < x.rows; ++r) {
      if (pos[r] == kUnknown) {
        throw Error::InvalidInput(fmt::format("{}: row {}: previously unseen label {} (the encoder knows {})", path, r + 1,
                                              kernels::CellText(x, r, 0), lookup.Describe()));
      }
      out[r] = pos[r];
    }
    return NumericOutput(x.rows, 0, std::move(out));
  }
};

class LabelBinarizer : public Estimator {
 public:
  CategoryLookup lookup;
  std::size_t n_classes = 0;
  bool binary = false;      // y_type_ 'binary': one column for classes_[1]
  bool multilabel = false;  // y_type_ 'multilabel-indicator': input is the indicator matrix
  double neg = 0, pos = 1;

  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    if (multilabel) {
      if (x.cols != n_classes) throw Error::InvalidInput(fmt::format("{}: expects a {}-column label indicator matrix, got {} columns", path, n_classes, x.cols));
      Table d = x.ToDense();
      std::vector<double> out(d.dense.size());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = d.dense[i] != 0 ? pos : neg;
      return NumericOutput(x.rows, n_classes, std::move(out));
    }
    if (x.cols != 1) throw Error::InvalidInput(fmt::format("{} ({}) transforms one column of labels, got {} columns", path, class_path, x.cols));
    std::vector<std::int32_t> p(x.rows);
    lookup.Encode(x, 0, p.data(), 1);
    if (binary) {
      // label_binarize on data with more than two distinct labels is a multiclass problem, which a
      // binarizer fitted on two classes refuses ("was not fitted with multilabel input").
      std::set<std::string> seen;
      for (std::size_t r = 0; r < x.rows; ++r) {
        seen.insert(p[r] == kUnknown ? kernels::CellText(x, r, 0) : lookup.Name(p[r]));
        if (seen.size() > 2) {
          throw Error::InvalidInput(fmt::format("{}: the labels hold more than two classes; the binarizer was fitted on two ({})",
                                                path, lookup.Describe()));
        }
      }
      std::vector<double> out(x.rows);
      for (std::size_t r = 0; r < x.rows; ++r) out[r] = p[r] == 1 ? pos : neg;
      return NumericOutput(x.rows, 1, std::move(out));
    }
    std::vector<double> out(x.rows * n_classes, neg);
    for (std::size_t r = 0; r < x.rows; ++r) {
      if (p[r] != kUnknown) out[r * n_classes + p[r]] = pos;
    }
    return NumericOutput(x.rows, n_classes, std::move(out));
  }
};

void SetLabelInput(Estimator* e, const CategoryLookup& lookup) {
  e->input.n_features = 1;
  e->input.feature_names.clear();
  e->input.is_text = {lookup.text()};
}

}  // namespace

std::shared_ptr<Estimator> DecodeLabelEncoder(Fields& f) {
  auto e = std::make_shared<LabelEncoder>();
  f.ReadCommon(e.get(), true);
  e->lookup = ReadCategories(f.Get("classes_"), f.At("classes_"));
  SetLabelInput(e.get(), e->lookup);
  return e;
}

std::shared_ptr<Estimator> DecodeLabelBinarizer(Fields& f) {
  auto e = std::make_shared<LabelBinarizer>();
  f.ReadCommon(e.get(), true);
  e->lookup = ReadCategories(f.Get("classes_"), f.At("classes_"));
  e->n_classes = e->lookup.size();
  std::string y_type = StrOr(f, "y_type_", "multiclass");
  e->multilabel = y_type == "multilabel-indicator";
  e->binary = y_type == "binary" && e->n_classes == 2;
  if (y_type == "binary" && e->n_classes == 1) {
    throw Error::Unsupported(fmt::format("{}: LabelBinarizer fitted on a single class is not supported", f.path()));
  }
  if (!e->multilabel && y_type != "binary" && y_type != "multiclass") {
    f.Fail("y_type_", fmt::format("'{}' targets are not supported by label binarization", y_type));
  }
  e->neg = f.Has("neg_label") ? f.Float("neg_label") : 0;
  e->pos = f.Has("pos_label") ? f.Float("pos_label") : 1;
  SetLabelInput(e.get(), e->lookup);
  if (e->multilabel) {
    e->input.n_features = e->n_classes;
    e->input.is_text.assign(e->n_classes, false);
  }
  return e;
}

}  // namespace skbridge::est
