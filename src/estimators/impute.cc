// Imputation: SimpleImputer (and its predecessor preprocessing.Imputer), MissingIndicator and
// KNNImputer.
//
// Text data. SimpleImputer with 'most_frequent' or 'constant' also imputes text columns (pandas
// object columns). It implements TableTransformer (compose.h), so composites get its output with
// text columns kept as text and numeric columns as numbers; Run returns such output with every
// cell as text in `labels` (TableAsOutput's convention). Numeric input gives the usual numeric
// Output.
#include <algorithm>
#include <cmath>
#include <limits>

#include "estimators/compose.h"
#include "estimators/estimator.h"
#include "kernels/linear.h"  // NumpySum: numpy's pairwise add.reduce
#include "kernels/preprocessing.h"

namespace skbridge::est {
namespace {

using kernels::Version;

bool BoolOr(const Fields& f, std::string_view name, bool fallback) {
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return fallback;
  return f.Bool(name);
}

std::string StrOr(const Fields& f, std::string_view name, std::string fallback) {
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return fallback;
  return f.Str(name);
}

// missing_values: np.nan (the default), a number, a string, or None.
struct Missing {
  enum class Kind { kNaN, kNumber, kText, kNone } kind = Kind::kNaN;
  double number = 0;
  std::string text;

  bool nan() const { return kind == Kind::kNaN; }
  bool Is(double v) const { return kind == Kind::kNaN ? std::isnan(v) : (kind == Kind::kNumber && v == number); }
  // A cell of a text column: missing cells (pandas NaN / None) or the text marker.
  bool IsText(const Column& col, std::size_t r) const {
    bool miss = !col.missing.empty() && col.missing[r];
    if (kind == Kind::kNaN || kind == Kind::kNone) return miss;
    if (kind == Kind::kText) return !miss && col.strings[r] == text;
    return false;
  }
};

Missing ReadMissing(const Fields& f, bool old_imputer = false) {
  Missing m;
  const Value* v = f.Find("missing_values");
  if (!v) return m;
  if (v->is_none()) {
    m.kind = Missing::Kind::kNone;
  } else if (v->is_text()) {
    // preprocessing.Imputer spelled NaN as the string "NaN".
    if (old_imputer && (v->text == "NaN" || v->text == "nan")) return m;
    m.kind = Missing::Kind::kText;
    m.text = std::string(v->text);
  } else {
    double d = f.Float("missing_values");
    if (!std::isnan(d)) {
      m.kind = Missing::Kind::kNumber;
      m.number = d;
    }
  }
  return m;
}

// Dense numeric input validated as the imputers' check_array: infinity is refused; NaN too unless
// it is the missing-value marker.
Table CheckedDense(const Estimator& e, const Table& x, const Missing& miss) {
  Table d = x.is_dense() ? x : x.ToDense();
  if (e.input.n_features && d.cols != e.input.n_features) {
    throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", e.path, e.class_path, e.input.n_features, d.cols));
  }
  if (miss.kind == Missing::Kind::kText) {
    throw Error::InvalidInput(fmt::format("{} ({}): missing_values is the text '{}' but the input is numeric", e.path,
                                          e.class_path, miss.text));
  }
  std::size_t bad = kernels::FirstRejected(d.dense.data(), d.dense.size(), miss.nan());
  if (bad < d.dense.size()) {
    throw Error::InvalidInput(fmt::format("{} ({}): input row {} column #{} is {}", e.path, e.class_path, bad / d.cols + 1,
                                          bad % d.cols + 1, std::isnan(d.dense[bad]) ? "NaN (missing values are marked differently)" : "infinite"));
  }
  return d;
}

bool HasText(const Table& x) {
  if (x.is_dense()) return false;
  for (const auto& c : x.columns) {
    if (c.is_string) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// MissingIndicator: the missing mask of the features in features_ (all, or those that had missing
// values in fit), as 0/1.
class MissingIndicator : public Estimator {
 public:
  Missing miss;
  std::vector<std::size_t> features;  // features_
  bool missing_only = true;
  bool error_on_new = true;
  std::size_t n_features = 0;

  bool Has(Method m) const override { return m == Method::kTransform; }

  // mask: rows x n_features, 1 where missing. Appends rows x features.size() 0/1 values per row
  // into out (row-major, width `stride`, starting at column `col0`).
  void FromMask(const std::vector<std::uint8_t>& mask, std::size_t rows, double* out, std::size_t stride, std::size_t col0) const {
    if (missing_only && error_on_new) {
      std::vector<bool> fitted(n_features, false);
      for (std::size_t j : features) fitted[j] = true;
      std::string list;
      for (std::size_t j = 0; j < n_features; ++j) {
        if (fitted[j]) continue;
        for (std::size_t r = 0; r < rows; ++r) {
          if (mask[r * n_features + j]) {
            if (!list.empty()) list += ' ';
            list += std::to_string(j);
            break;
          }
        }
      }
      if (!list.empty()) {
        throw Error::InvalidInput(fmt::format("{} ({}): the features [{}] have missing values in transform but had none in fit",
                                              path, class_path, list));
      }
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < features.size(); ++k) out[r * stride + col0 + k] = mask[r * n_features + features[k]];
    }
  }

  std::vector<std::uint8_t> Mask(const Table& x) const {
    std::vector<std::uint8_t> mask(x.rows * x.cols);
    if (HasText(x)) {
      for (std::size_t c = 0; c < x.cols; ++c) {
        const Column& col = x.columns[c];
        for (std::size_t r = 0; r < x.rows; ++r) mask[r * x.cols + c] = col.is_string ? miss.IsText(col, r) : miss.Is(col.numbers[r]);
      }
    } else {
      Table d = CheckedDense(*this, x, miss);
      for (std::size_t i = 0; i < d.dense.size(); ++i) mask[i] = miss.Is(d.dense[i]);
    }
    return mask;
  }

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    if (x.cols != n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, n_features, x.cols));
    }
    std::vector<std::uint8_t> mask = Mask(x);
    std::vector<double> out(x.rows * features.size());
    FromMask(mask, x.rows, out.data(), features.size(), 0);
    return NumericOutput(x.rows, features.size(), std::move(out));
  }
};

// ---------------------------------------------------------------------------------------------
// SimpleImputer: missing cells replaced by statistics_; features whose statistic is NaN dropped
// (unless keep_empty_features, or strategy='constant' before 1.8); the MissingIndicator's columns
// appended when add_indicator.
class SimpleImputer : public Estimator, public TableTransformer {
 public:
  struct Stat {
    bool is_text = false;
    double number = 0;
    std::string text;
  };
  Missing miss;
  std::vector<Stat> stats;
  std::vector<std::size_t> keep;  // output features, in order
  std::shared_ptr<const MissingIndicator> indicator;
  bool int_fill = false;  // statistics cast to an integer _fill_dtype (1.x, fitted on integers)

  bool Has(Method m) const override { return m == Method::kTransform; }

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    CheckWidth(x);
    if (HasText(x)) return TableAsOutput(TextTransform(x));
    return NumericTransform(x);
  }

  Table TransformTable(const Table& x) const override {
    CheckWidth(x);
    if (HasText(x)) return TextTransform(x);
    Output o = NumericTransform(x);
    return Table::Dense(o.rows, o.cols, std::move(o.values), std::move(o.column_names));
  }

 private:
  void CheckWidth(const Table& x) const {
    if (x.cols != stats.size()) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, stats.size(), x.cols));
    }
  }

  double Fill(std::size_t c) const {
    const Stat& s = stats[c];
    if (s.is_text) {
      throw Error::InvalidInput(fmt::format("{} ({}): column #{} is numeric but its fill value is the text '{}'", path, class_path,
                                            c + 1, s.text));
    }
    return int_fill ? std::trunc(s.number) : s.number;
  }

  Output NumericTransform(const Table& x) const {
    Table d = CheckedDense(*this, x, miss);
    const std::size_t nk = keep.size(), ni = indicator ? indicator->features.size() : 0, w = nk + ni;
    std::vector<double> out(d.rows * w);
    std::vector<std::uint8_t> mask;
    if (indicator) mask.resize(d.rows * d.cols);
    for (std::size_t r = 0; r < d.rows; ++r) {
      const double* v = d.dense.data() + r * d.cols;
      if (indicator) {
        for (std::size_t c = 0; c < d.cols; ++c) mask[r * d.cols + c] = miss.Is(v[c]);
      }
      for (std::size_t k = 0; k < nk; ++k) {
        std::size_t c = keep[k];
        out[r * w + k] = miss.Is(v[c]) ? Fill(c) : v[c];
      }
    }
    if (indicator) indicator->FromMask(mask, d.rows, out.data(), w, nk);
    Output o = NumericOutput(d.rows, w, std::move(out));
    if (!indicator && !d.names.empty()) {
      for (std::size_t c : keep) o.column_names.push_back(d.names[c]);
    }
    return o;
  }

  // Object data: text columns stay text (a numeric fill on a text column becomes its text), numeric
  // columns stay numbers; the indicator's 0/1 columns follow.
  Table TextTransform(const Table& x) const {
    Table t;
    t.rows = x.rows;
    std::vector<std::uint8_t> mask(x.rows * x.cols);
    for (std::size_t c = 0; c < x.cols; ++c) {
      const Column& col = x.columns[c];
      for (std::size_t r = 0; r < x.rows; ++r) mask[r * x.cols + c] = col.is_string ? miss.IsText(col, r) : miss.Is(col.numbers[r]);
    }
    for (std::size_t c : keep) {
      const Column& in = x.columns[c];
      const Stat& s = stats[c];
      Column col;
      col.name = c < x.names.size() ? x.names[c] : in.name;
      if (in.is_string || s.is_text) {
        col.is_string = true;
        col.strings.resize(x.rows);
        col.missing.assign(x.rows, 0);
        std::string fill = s.is_text ? s.text : fmt::format("{}", s.number);
        for (std::size_t r = 0; r < x.rows; ++r) {
          if (mask[r * x.cols + c]) {
            col.strings[r] = fill;
          } else if (in.is_string) {
            if (!in.missing.empty() && in.missing[r]) col.missing[r] = 1;
            else col.strings[r] = in.strings[r];
          } else if (std::isnan(in.numbers[r])) {
            col.missing[r] = 1;
          } else {
            col.strings[r] = fmt::format("{}", in.numbers[r]);
          }
        }
      } else {
        col.numbers.resize(x.rows);
        for (std::size_t r = 0; r < x.rows; ++r) col.numbers[r] = mask[r * x.cols + c] ? Fill(c) : in.numbers[r];
      }
      t.columns.push_back(std::move(col));
    }
    if (indicator) {
      std::vector<double> ind(x.rows * indicator->features.size());
      indicator->FromMask(mask, x.rows, ind.data(), indicator->features.size(), 0);
      for (std::size_t k = 0; k < indicator->features.size(); ++k) {
        Column col;
        col.name = "missingindicator_" + (x.names.empty() ? std::to_string(indicator->features[k]) : x.names[indicator->features[k]]);
        col.numbers.resize(x.rows);
        for (std::size_t r = 0; r < x.rows; ++r) col.numbers[r] = ind[r * indicator->features.size() + k];
        t.columns.push_back(std::move(col));
      }
    }
    t.cols = t.columns.size();
    for (const Column& col : t.columns) t.names.push_back(col.name);
    return t;
  }
};

// ---------------------------------------------------------------------------------------------
// preprocessing.Imputer (0.20 and 0.21; removed in 0.22): axis=0 imputes from statistics_ like
// SimpleImputer and drops the features whose statistic is NaN.
// (SimpleImputer covers it: the decoder below fills one.)

// ---------------------------------------------------------------------------------------------
// KNNImputer: each missing cell gets the (weighted) mean of that feature over the n_neighbors
// nearest fitted rows that have it, by nan-euclidean distance; the column mean when no donor
// shares a coordinate with the row. Features missing throughout fit are dropped (or zeroed with
// keep_empty_features).
class KNNImputer : public Estimator {
 public:
  Missing miss;
  Matrix fit_x;               // _fit_X, missing cells as NaN
  std::vector<std::uint8_t> fit_mask;  // _mask_fit_X
  std::vector<bool> valid;    // _valid_mask
  std::vector<double> col_mean;  // masked mean of each fitted column
  std::size_t n_neighbors = 5;
  bool distance_weights = false;
  bool nan_donors_weigh_zero = false;  // 1.6+: donors at NaN distance get weight 0 with 'uniform'
  bool keep_empty = false;
  bool indicator_when_complete = true;  // before 1.3.1 the indicator was left out when X had no missing value
  // Which np.argpartition picked the donors: numpy 2's x86-simd-sort selection (AVX-512) or the
  // scalar introselect of numpy 1.x. It decides which of several equidistant donors are used.
  bool simd_select = false;
  std::shared_ptr<const MissingIndicator> indicator;

  bool Has(Method m) const override { return m == Method::kTransform; }

  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    Table d = CheckedDense(*this, x, miss);
    const std::size_t nf = fit_x.cols, n_fit = fit_x.rows;
    if (d.cols != nf) throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, nf, d.cols));
    std::vector<std::uint8_t> mask(d.dense.size());
    bool any_missing = false;
    for (std::size_t i = 0; i < d.dense.size(); ++i) any_missing |= (mask[i] = miss.Is(d.dense[i])) != 0;

    std::vector<double> xi = d.dense;  // imputed in place
    if (any_missing) {
      // Rows with something to impute, their distances to every fitted row.
      std::vector<std::size_t> rows;
      for (std::size_t r = 0; r < d.rows; ++r) {
        for (std::size_t c = 0; c < nf; ++c) {
          if (mask[r * nf + c] && valid[c]) {
            rows.push_back(r);
            break;
          }
        }
      }
      std::vector<double> q(rows.size() * nf);
      for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t c = 0; c < nf; ++c) {
          double v = d.dense[rows[i] * nf + c];
          q[i * nf + c] = mask[rows[i] * nf + c] ? std::numeric_limits<double>::quiet_NaN() : v;
        }
      }
      std::vector<double> dist = kernels::NanEuclidean(q.data(), rows.size(), fit_x.v.data(), n_fit, nf);
      std::vector<std::size_t> donors, order;
      std::vector<double> pd, w, prod;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::size_t r = rows[i];
        const double* dr = dist.data() + i * n_fit;
        for (std::size_t c = 0; c < nf; ++c) {
          if (!valid[c] || !mask[r * nf + c]) continue;
          // Potential donors: fitted rows that have feature c.
          donors.clear();
          pd.clear();
          bool all_nan = true;
          for (std::size_t k = 0; k < n_fit; ++k) {
            if (fit_mask[k * nf + c]) continue;
            donors.push_back(k);
            pd.push_back(dr[k]);
            all_nan &= std::isnan(dr[k]);
          }
          if (all_nan) {
            xi[r * nf + c] = col_mean[c];
            continue;
          }
          // np.argpartition(dist, kn - 1)[:kn]: the kn nearest (NaN last), ties as numpy breaks them.
          const std::size_t kn = std::min(n_neighbors, donors.size());
          order.resize(pd.size());
          if (simd_select) kernels::X86SimdArgSelect(pd.data(), pd.size(), kn - 1, order.data());
          else kernels::NumpyArgPartition(pd.data(), pd.size(), kn - 1, order.data());
          w.assign(kn, 1.0);
          if (distance_weights) {
            bool zero = false;
            for (std::size_t j = 0; j < kn; ++j) zero |= pd[order[j]] == 0.0;
            for (std::size_t j = 0; j < kn; ++j) {
              double dj = pd[order[j]];
              w[j] = zero ? (dj == 0.0 ? 1.0 : 0.0) : 1.0 / dj;
              if (std::isnan(w[j])) w[j] = 0.0;
            }
          } else if (nan_donors_weigh_zero) {
            for (std::size_t j = 0; j < kn; ++j) {
              if (std::isnan(pd[order[j]])) w[j] = 0.0;
            }
          }
          // np.ma.average: sum(values * weights) / sum(weights), each summed as numpy does.
          prod.resize(kn);
          for (std::size_t j = 0; j < kn; ++j) prod[j] = fit_x.v[donors[order[j]] * nf + c] * w[j];
          const double num = kernels::NumpySum(prod.data(), kn), den = kernels::NumpySum(w.data(), kn);
          xi[r * nf + c] = num / den;
        }
      }
    }
    // Output: the valid features (all, zeroed, with keep_empty_features), then the indicator.
    std::vector<std::size_t> cols;
    for (std::size_t c = 0; c < nf; ++c) {
      if (valid[c] || keep_empty) cols.push_back(c);
    }
    const bool with_indicator = indicator && (any_missing || indicator_when_complete);
    const std::size_t ni = with_indicator ? indicator->features.size() : 0, w = cols.size() + ni;
    std::vector<double> out(d.rows * w);
    for (std::size_t r = 0; r < d.rows; ++r) {
      for (std::size_t k = 0; k < cols.size(); ++k) {
        std::size_t c = cols[k];
        out[r * w + k] = valid[c] ? xi[r * nf + c] : 0.0;
      }
    }
    if (with_indicator) indicator->FromMask(mask, d.rows, out.data(), w, cols.size());
    return NumericOutput(d.rows, w, std::move(out));
  }
};

// The imputer's indicator_ (a MissingIndicator or None).
std::shared_ptr<const MissingIndicator> ReadIndicator(Fields& f, std::size_t n_features) {
  if (!BoolOr(f, "add_indicator", false) || f.IsNone("indicator_")) return nullptr;
  auto child = f.Child("indicator_");
  auto ind = std::dynamic_pointer_cast<const MissingIndicator>(child);
  if (!ind) f.Fail("indicator_", fmt::format("expected a MissingIndicator, found {}", child->class_path));
  if (ind->n_features != n_features) {
    f.Fail("indicator_", fmt::format("has {} features, the imputer {}", ind->n_features, n_features));
  }
  return ind;
}

// statistics_ (numbers, or an object array mixing numbers, NaN and text).
std::vector<SimpleImputer::Stat> ReadStats(Fields& f) {
  const Value& v = f.Get("statistics_");
  std::vector<SimpleImputer::Stat> out;
  auto one = [&](const Value& o) {
    SimpleImputer::Stat s;
    if (o.is_text()) {
      s.is_text = true;
      s.text = std::string(o.text);
    } else if (o.is_none()) {
      s.number = std::numeric_limits<double>::quiet_NaN();
    } else {
      s.number = ToDoubles(o, f.At("statistics_"))[0];
    }
    out.push_back(std::move(s));
  };
  if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject) {
    for (const Value* o : v.array->objects) one(*o);
  } else if (v.kind == Kind::kArray && (v.array->dtype.kind == DTypeKind::kUnicode || v.array->dtype.kind == DTypeKind::kBytes)) {
    for (auto& s : ToStrings(v, f.At("statistics_"))) {
      SimpleImputer::Stat st;
      st.is_text = true;
      st.text = std::move(s);
      out.push_back(std::move(st));
    }
  } else {
    for (double d : f.Doubles("statistics_")) {
      SimpleImputer::Stat s;
      s.number = d;
      out.push_back(s);
    }
  }
  return out;
}

// The kind character of a pickled numpy.dtype (numpy.dtype('i8', ...) -> 'i'), or 0.
char DTypeKindChar(const Value* v) {
  if (!v || v->kind != Kind::kObject || !v->object->args || v->object->args->items.empty()) return 0;
  const Value* a = v->object->args->items[0];
  if (!a->is_text() || a->text.empty()) return 0;
  char c = a->text[0];
  if (c == '<' || c == '>' || c == '=' || c == '|') c = a->text.size() > 1 ? a->text[1] : 0;
  switch (c) {
    case 'f': case 'd': case 'e': return 'f';
    case 'i': case 'l': case 'q': case 'h': case 'b': return 'i';
    case 'u': case 'L': case 'Q': case 'H': case 'B': return 'u';
    case 'O': return 'O';
    default: return c;
  }
}

}  // namespace

std::shared_ptr<Estimator> DecodeMissingIndicator(Fields& f) {
  auto e = std::make_shared<MissingIndicator>();
  f.ReadCommon(e.get(), false);
  e->miss = ReadMissing(f);
  const Value* n = f.FindAny({"_n_features", "n_features_in_"});
  if (!n || n->kind != Kind::kInt || n->integer < 0) f.Fail("_n_features", "missing");
  e->n_features = static_cast<std::size_t>(n->integer);
  if (!e->input.n_features) e->input.n_features = e->n_features;
  for (std::int64_t j : f.Ints("features_")) {
    if (j < 0 || static_cast<std::size_t>(j) >= e->n_features) f.Fail("features_", fmt::format("index {} out of range", j));
    e->features.push_back(static_cast<std::size_t>(j));
  }
  std::string features = StrOr(f, "features", "missing-only");
  if (features == "all") e->missing_only = false;
  else if (features != "missing-only") f.Fail("features", fmt::format("unknown value '{}'", features));
  e->error_on_new = BoolOr(f, "error_on_new", true);
  return e;
}

std::shared_ptr<Estimator> DecodeSimpleImputer(Fields& f) {
  auto e = std::make_shared<SimpleImputer>();
  f.ReadCommon(e.get(), false);
  e->miss = ReadMissing(f);
  e->stats = ReadStats(f);
  if (e->input.n_features && e->input.n_features != e->stats.size()) {
    f.Fail("statistics_", fmt::format("has {} values for {} features", e->stats.size(), e->input.n_features));
  }
  e->input.n_features = e->stats.size();
  const std::string strategy = StrOr(f, "strategy", "mean");
  const int version = kernels::VersionNumber(f.version());
  const bool keep_all = BoolOr(f, "keep_empty_features", false) || (strategy == "constant" && version < Version(1, 8));
  for (std::size_t c = 0; c < e->stats.size(); ++c) {
    if (keep_all || e->stats[c].is_text || !std::isnan(e->stats[c].number)) e->keep.push_back(c);
  }
  // Fitted on text (object) columns: those features expect strings.
  for (std::size_t c = 0; c < e->stats.size(); ++c) {
    if (!e->stats[c].is_text) continue;
    e->input.is_text.resize(e->stats.size(), false);
    e->input.is_text[c] = true;
  }
  char kind = DTypeKindChar(f.Find("_fill_dtype"));
  e->int_fill = kind == 'i' || kind == 'u';
  e->indicator = ReadIndicator(f, e->stats.size());
  return e;
}

std::shared_ptr<Estimator> DecodeImputer(Fields& f) {
  auto e = std::make_shared<SimpleImputer>();
  f.ReadCommon(e.get(), false);
  if (f.Has("axis") && f.Int("axis") != 0) {
    throw Error::Unsupported(fmt::format("{}: {} with axis=1 computes its statistics at transform time; not supported", f.path(),
                                         f.class_path()));
  }
  e->miss = ReadMissing(f, true);
  e->stats = ReadStats(f);
  e->input.n_features = e->stats.size();
  for (std::size_t c = 0; c < e->stats.size(); ++c) {
    if (e->stats[c].is_text || !std::isnan(e->stats[c].number)) e->keep.push_back(c);
  }
  return e;
}

std::shared_ptr<Estimator> DecodeKNNImputer(Fields& f) {
  auto e = std::make_shared<KNNImputer>();
  f.ReadCommon(e.get(), false);
  e->miss = ReadMissing(f);
  if (e->miss.kind == Missing::Kind::kText || e->miss.kind == Missing::Kind::kNone) {
    f.Fail("missing_values", "must be NaN or a number for KNNImputer");
  }
  const Value& metric = f.Get("metric");
  if (!metric.is_text() || metric.text != "nan_euclidean") {
    throw Error::Unsupported(fmt::format("{}.metric: only 'nan_euclidean' is supported, found {}", f.path(), metric.Repr(60)));
  }
  const Value& weights = f.Get("weights");
  if (!weights.is_text() || (weights.text != "uniform" && weights.text != "distance")) {
    throw Error::Unsupported(fmt::format("{}.weights: only 'uniform' and 'distance' are supported, found {}", f.path(), weights.Repr(60)));
  }
  e->distance_weights = weights.text == "distance";
  std::int64_t k = f.Int("n_neighbors");
  if (k < 1) f.Fail("n_neighbors", fmt::format("must be positive, got {}", k));
  e->n_neighbors = static_cast<std::size_t>(k);
  e->fit_x = f.Matrix2D("_fit_X");
  if (ShapeOf(f.Get("_fit_X"), f.At("_fit_X")).size() != 2) f.Fail("_fit_X", "expected a 2-d array");
  const std::size_t n = e->fit_x.rows, nf = e->fit_x.cols;
  if (e->input.n_features && e->input.n_features != nf) {
    f.Fail("_fit_X", fmt::format("has {} features, n_features_in_ is {}", nf, e->input.n_features));
  }
  e->input.n_features = nf;
  Matrix mask = f.Matrix2D("_mask_fit_X", n, nf);
  e->fit_mask.resize(n * nf);
  for (std::size_t i = 0; i < n * nf; ++i) {
    e->fit_mask[i] = mask.v[i] != 0;
    if (e->fit_mask[i]) e->fit_x.v[i] = std::numeric_limits<double>::quiet_NaN();
    else if (std::isnan(e->fit_x.v[i])) f.Fail("_fit_X", "has NaN where _mask_fit_X says present");
  }
  e->valid.assign(nf, false);
  e->col_mean.assign(nf, std::numeric_limits<double>::quiet_NaN());
  // The masked column means (np.ma mean: the column with masked cells as 0, summed, * 1. / count).
  std::vector<double> column(n);
  for (std::size_t c = 0; c < nf; ++c) {
    std::size_t cnt = 0;
    for (std::size_t r = 0; r < n; ++r) {
      bool present = !e->fit_mask[r * nf + c];
      column[r] = present ? e->fit_x.v[r * nf + c] : 0.0;
      cnt += present;
    }
    e->valid[c] = cnt > 0;
    if (cnt) e->col_mean[c] = kernels::NumpySum(column.data(), n) * 1. / static_cast<double>(cnt);
  }
  if (f.Has("_valid_mask")) {
    auto vm = f.Doubles("_valid_mask", nf);
    for (std::size_t c = 0; c < nf; ++c) {
      if ((vm[c] != 0) != e->valid[c]) f.Fail("_valid_mask", fmt::format("disagrees with _mask_fit_X at feature {}", c));
    }
  }
  const int version = kernels::VersionNumber(f.version());
  e->nan_donors_weigh_zero = version >= Version(1, 6);
  e->indicator_when_complete = version >= Version(1, 3, 1);
  e->keep_empty = BoolOr(f, "keep_empty_features", false);
  e->indicator = ReadIndicator(f, nf);
  // numpy's major version: pickles name numpy._core (2.x) or numpy.core (1.x); joblib files may
  // name neither, then scikit-learn >= 1.4.2 (the first to support numpy 2) is taken as numpy 2.
  int numpy_major = 0;
  for (const GlobalRef& g : f.ctx().file().globals) {
    if (g.module == "numpy._core" || g.module.starts_with("numpy._core.")) numpy_major = 2;
    else if (numpy_major == 0 && (g.module == "numpy.core" || g.module.starts_with("numpy.core."))) numpy_major = 1;
  }
  e->simd_select = numpy_major == 2 || (numpy_major == 0 && version >= Version(1, 4, 2));
  return e;
}

}  // namespace skbridge::est
