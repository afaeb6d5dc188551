// Composition: Pipeline, ColumnTransformer, FeatureUnion, TransformedTargetRegressor, the search
// CVs (through best_estimator_) and the threshold classifiers (1.5+).
//
// Composites pass Tables between their parts (compose.h): text columns stay text until an encoder
// turns them into numbers, so Pipeline(SimpleImputer(fill_value='missing'), OneHotEncoder) and
// 'passthrough' of text columns work as in scikit-learn.
#include "estimators/compose.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "kernels/encoders.h"

namespace skbridge::est {

Table OutputAsTable(Output o) {
  if (o.labels && o.labels->type == Labels::Type::kString && o.cols > 0 && o.labels->size() == o.rows * o.cols) {
    // A transformer's text output (SimpleImputer on text columns): rows x cols cells, row-major,
    // "" where a cell is missing.
    Table t;
    t.rows = o.rows;
    t.cols = o.cols;
    if (o.column_names.size() == o.cols) t.names = o.column_names;
    auto& cells = o.labels->strings;
    for (std::size_t c = 0; c < o.cols; ++c) {
      Column col;
      col.is_string = true;
      if (c < t.names.size()) col.name = t.names[c];
      col.strings.resize(o.rows);
      col.missing.assign(o.rows, 0);
      for (std::size_t r = 0; r < o.rows; ++r) {
        std::string& s = cells[r * o.cols + c];
        if (s.empty()) col.missing[r] = 1;
        else col.strings[r] = std::move(s);
      }
      t.columns.push_back(std::move(col));
    }
    return t;
  }
  if (o.labels) {
    // A transform that returned labels (one column): keep them as a column of the table.
    Table t;
    t.rows = o.rows;
    t.cols = 1;
    Column c;
    if (o.labels->type == Labels::Type::kString) {
      c.is_string = true;
      c.strings = std::move(o.labels->strings);
    } else {
      for (std::size_t i = 0; i < o.labels->size(); ++i) {
        c.numbers.push_back(o.labels->type == Labels::Type::kFloat ? o.labels->floats[i] : static_cast<double>(o.labels->ints[i]));
      }
      return Table::Dense(o.rows, 1, std::move(c.numbers));
    }
    t.columns.push_back(std::move(c));
    return t;
  }
  std::size_t cols = o.cols == 0 ? 1 : o.cols;
  if (o.column_names.size() != cols) o.column_names.clear();
  return Table::Dense(o.rows, cols, std::move(o.values), std::move(o.column_names));
}

Table TransformAsTable(const Estimator& e, const Table& x) {
  if (const auto* t = dynamic_cast<const TableTransformer*>(&e)) return t->TransformTable(x);
  return OutputAsTable(e.Run(Method::kTransform, x));
}

Output TableAsOutput(const Table& t) {
  if (t.is_dense()) {
    Output o = NumericOutput(t.rows, t.cols, t.dense);
    o.column_names = t.names;
    return o;
  }
  bool text = false;
  for (const Column& col : t.columns) {
    if (!col.is_string) continue;
    for (std::size_t r = 0; r < t.rows && !text; ++r) text = col.missing.empty() || !col.missing[r];
  }
  if (!text) {
    Table d = t.ToDense();
    Output o = NumericOutput(d.rows, d.cols, std::move(d.dense));
    o.column_names = t.names;
    return o;
  }
  // Output with text: every cell as text, row-major in `labels` ("" where missing), as
  // SimpleImputer returns text (see impute.cc); numbers in their shortest round-trip form.
  Output o;
  o.rows = t.rows;
  o.cols = t.cols;
  o.column_names = t.names;
  Labels cells;
  cells.type = Labels::Type::kString;
  cells.strings.resize(t.rows * t.cols);
  for (std::size_t c = 0; c < t.cols; ++c) {
    const Column& col = t.columns[c];
    for (std::size_t r = 0; r < t.rows; ++r) {
      std::string& cell = cells.strings[r * t.cols + c];
      if (col.is_string) {
        if (col.missing.empty() || !col.missing[r]) cell = col.strings[r];
      } else if (!std::isnan(col.numbers[r])) {
        cell = fmt::format("{}", col.numbers[r]);
      }
    }
  }
  o.labels = std::move(cells);
  return o;
}

namespace {

bool IsString(const Value& v, std::string_view s) { return v.is_text() && v.text == s; }

// Horizontal concatenation of parts with the same number of rows.
Table HStack(std::vector<Table>& parts, std::size_t rows) {
  Table out;
  out.rows = rows;
  bool dense = true, named = true;
  for (const Table& p : parts) {
    dense &= p.is_dense();
    out.cols += p.cols;
  }
  for (const Table& p : parts) named &= p.cols == 0 || p.names.size() == p.cols;
  if (named) {
    for (const Table& p : parts) out.names.insert(out.names.end(), p.names.begin(), p.names.end());
  }
  if (parts.size() == 1) {
    Table t = std::move(parts[0]);
    if (!named) t.names.clear();
    return t;
  }
  if (dense) {
    out.dense.resize(rows * out.cols);
    std::size_t off = 0;
    for (const Table& p : parts) {
      for (std::size_t r = 0; r < rows; ++r) {
        std::copy_n(p.dense.data() + r * p.cols, p.cols, out.dense.data() + r * out.cols + off);
      }
      off += p.cols;
    }
    return out;
  }
  for (Table& p : parts) {
    for (std::size_t c = 0; c < p.cols; ++c) out.columns.push_back(p.is_dense() ? p.GetColumn(c) : std::move(p.columns[c]));
  }
  return out;
}

void Scale(Table* t, double w, const std::string& who) {
  if (t->is_dense()) {
    for (double& v : t->dense) v *= w;
    return;
  }
  for (Column& c : t->columns) {
    if (c.is_string) throw Error::InvalidInput(fmt::format("{}: a transformer weight applies to text output", who));
    for (double& v : c.numbers) v *= w;
  }
}

// ----------------------------------------------------------------------------------------------
// Pipeline

class Pipeline : public Estimator, public TableTransformer {
 public:
  std::vector<std::shared_ptr<const Estimator>> transforms;  // nullptr = 'passthrough' / None
  std::shared_ptr<const Estimator> last;                     // nullptr = 'passthrough' / None

  bool Has(Method m) const override {
    if (!last) return m == Method::kTransform;
    return last->Has(m);
  }

  bool row_wise = false;  // every step maps each row on its own (RowWise): Run may stream blocks

  Output Run(Method m, const Table& x) const override {
    if (row_wise && x.is_dense() && x.cols > 0 && x.rows >= 2 * BlockRows(x.cols)) {
      // Stream the batch through all steps a block of rows at a time, so the tables between
      // steps stay in cache instead of being materialised for the whole batch. Any error (or an
      // output whose shape differs between blocks) reruns the whole batch the plain way, so
      // messages name the batch's own row numbers.
      try {
        if (std::optional<Output> o = RunBlocks(m, x)) return std::move(*o);
      } catch (...) {
      }
    }
    return RunWhole(m, x);
  }

  Table TransformTable(const Table& x) const override {
    Table buf;
    const Table* cur = &x;
    for (const auto& step : transforms) {
      if (!step) continue;
      buf = TransformAsTable(*step, *cur);
      cur = &buf;
    }
    if (last) return TransformAsTable(*last, *cur);
    return cur == &x ? x : std::move(buf);
  }

 private:
  // Rows per streamed block: about 64 KiB of input.
  static std::size_t BlockRows(std::size_t cols) { return std::clamp<std::size_t>(8192 / cols, 64, 4096); }

  Output RunWhole(Method m, const Table& x) const {
    Table buf;
    const Table* cur = &x;
    for (const auto& step : transforms) {
      if (!step) continue;
      buf = TransformAsTable(*step, *cur);
      cur = &buf;
    }
    if (!last) return TableAsOutput(*cur);
    return last->Run(m, *cur);
  }

  // The whole batch's output from blocks, or nullopt when the blocks' outputs do not line up.
  std::optional<Output> RunBlocks(Method m, const Table& x) const {
    const std::size_t step_rows = BlockRows(x.cols);
    Table block;
    block.cols = x.cols;
    block.names = x.names;
    Output all;
    all.rows = x.rows;
    for (std::size_t r0 = 0; r0 < x.rows; r0 += step_rows) {
      const std::size_t n = std::min(step_rows, x.rows - r0);
      block.rows = n;
      block.dense.assign(x.dense.begin() + static_cast<std::ptrdiff_t>(r0 * x.cols),
                         x.dense.begin() + static_cast<std::ptrdiff_t>((r0 + n) * x.cols));
      Output o = RunWhole(m, block);
      if (o.rows != n) return std::nullopt;
      const std::size_t width = o.cols == 0 ? 1 : o.cols;
      if (r0 == 0) {
        all.cols = o.cols;
        all.column_names = std::move(o.column_names);
        if (!o.values.empty() || !o.labels) all.values.reserve(x.rows * width);
        if (o.labels) {
          Labels& l = all.labels.emplace();
          l.type = o.labels->type;
        }
      } else if (o.cols != all.cols || o.labels.has_value() != all.labels.has_value() ||
                 (o.labels && o.labels->type != all.labels->type)) {
        return std::nullopt;
      }
      if (!o.values.empty() && o.values.size() != n * width) return std::nullopt;
      if (o.values.empty() != all.values.empty() && r0 != 0) return std::nullopt;
      all.values.insert(all.values.end(), o.values.begin(), o.values.end());
      if (o.labels) {
        Labels& l = *all.labels;
        l.ints.insert(l.ints.end(), o.labels->ints.begin(), o.labels->ints.end());
        l.floats.insert(l.floats.end(), o.labels->floats.begin(), o.labels->floats.end());
        l.strings.insert(l.strings.end(), std::make_move_iterator(o.labels->strings.begin()),
                         std::make_move_iterator(o.labels->strings.end()));
      }
    }
    return all;
  }
};

// Whether `e` computes each output row from its input row alone (and the fitted state), so a
// batch may be split into blocks of rows. Conservative: families known to be row-wise, and
// Pipelines / ColumnTransformers made of them (not, e.g., DummyClassifier's random draws).
bool RowWise(const Estimator* e);

bool IsPassthrough(const Value& v) { return v.is_none() || IsString(v, "passthrough") || IsString(v, "drop"); }

// What the composite expects: the first real step's input, with is_text taken from the first
// step that knows it as long as every step before it keeps the same number of columns.
InputSpec FirstInput(const std::vector<std::shared_ptr<const Estimator>>& steps) {
  InputSpec spec;
  bool found = false;
  for (const auto& s : steps) {
    if (!s) continue;
    if (!found) {
      spec = s->input;
      found = true;
      if (!spec.is_text.empty()) break;
      continue;
    }
    if (!s->input.n_features || s->input.n_features != spec.n_features) break;
    if (!s->input.is_text.empty()) {
      spec.is_text = s->input.is_text;
      break;
    }
  }
  return spec;
}

}  // namespace

std::shared_ptr<Estimator> DecodePipeline(Fields& f) {
  auto e = std::make_shared<Pipeline>();
  f.ReadCommon(e.get(), false);
  const Value& steps = f.Get("steps");
  if (steps.kind != Kind::kList && steps.kind != Kind::kTuple) f.Fail("steps", "expected a list of (name, estimator)");
  if (steps.items.empty()) f.Fail("steps", "is empty");
  std::vector<std::shared_ptr<const Estimator>> all;
  for (std::size_t i = 0; i < steps.items.size(); ++i) {
    const Value* step = steps.items[i];
    if ((step->kind != Kind::kTuple && step->kind != Kind::kList) || step->items.size() != 2 || !step->items[0]->is_text()) {
      f.Fail("steps", fmt::format("item {} is not a (name, estimator) pair", i));
    }
    std::string sub = fmt::format("{}.steps[{}].{}", f.path(), i, step->items[0]->text);
    std::shared_ptr<const Estimator> est = IsPassthrough(*step->items[1]) ? nullptr : f.ctx().Decode(*step->items[1], sub);
    all.push_back(est);
    if (i + 1 == steps.items.size()) e->last = est;
    else e->transforms.push_back(est);
  }
  // The pipeline's input is its first real step's input; its classes are the last step's.
  e->input = FirstInput(all);
  if (e->last) e->classes = e->last->classes;
  e->row_wise = std::all_of(all.begin(), all.end(), [](const auto& s) { return !s || RowWise(s.get()); });
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// ColumnTransformer

// make_column_selector left unresolved in transformers_ (scikit-learn resolves it at fit, so
// this is a fallback): columns by dtype (numbers vs text) and name pattern, at run time.
struct Selector {
  std::optional<bool> include_numeric, exclude_numeric;  // dtype_include / dtype_exclude
  std::optional<std::regex> pattern;
};

struct Part {
  std::string name;
  std::vector<std::size_t> cols;
  std::optional<Selector> selector;
  std::shared_ptr<const Estimator> est;  // nullptr: passthrough
  std::optional<double> weight;
};

class ColumnTransformer : public Estimator, public TableTransformer {
 public:
  std::vector<Part> parts;
  std::size_t n_in = 0;
  std::vector<std::string> names_in;

  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    return TableAsOutput(TransformTable(x));
  }

  Table TransformTable(const Table& x) const override {
    if (n_in && x.cols != n_in) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} columns, got {}", path, class_path, n_in, x.cols));
    }
    std::vector<Table> outs;
    outs.reserve(parts.size());
    for (const Part& p : parts) {
      std::vector<std::size_t> cols = p.selector ? Resolve(*p.selector, x) : p.cols;
      if (cols.empty()) continue;
      Table sub = x.Select(cols);
      Table t = p.est ? TransformAsTable(*p.est, sub) : std::move(sub);
      if (t.rows != x.rows) {
        throw Error::InvalidModel(fmt::format("{}: transformer '{}' returned {} rows for {}", path, p.name, t.rows, x.rows));
      }
      if (p.weight) Scale(&t, *p.weight, path + "." + p.name);
      outs.push_back(std::move(t));
    }
    if (outs.empty()) return Table::Dense(x.rows, 0, {});
    return HStack(outs, x.rows);
  }

 private:
  std::vector<std::size_t> Resolve(const Selector& s, const Table& x) const {
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < x.cols; ++c) {
      bool numeric = x.is_dense() || !x.columns[c].is_string;
      if (s.include_numeric && numeric != *s.include_numeric) continue;
      if (s.exclude_numeric && numeric == *s.exclude_numeric) continue;
      if (s.pattern) {
        std::string name = c < names_in.size() ? names_in[c] : (c < x.names.size() ? x.names[c] : "");
        if (!std::regex_search(name, *s.pattern)) continue;
      }
      out.push_back(c);
    }
    return out;
  }
};

bool RowWise(const Estimator* e) {
  if (const auto* p = dynamic_cast<const Pipeline*>(e)) return p->row_wise;
  if (const auto* ct = dynamic_cast<const ColumnTransformer*>(e)) {
    return std::all_of(ct->parts.begin(), ct->parts.end(), [](const Part& p) { return !p.est || RowWise(p.est.get()); });
  }
  static constexpr std::string_view kModules[] = {"sklearn.linear_model.", "sklearn.preprocessing.", "sklearn.impute."};
  for (std::string_view mod : kModules) {
    if (std::string_view(e->class_path).starts_with(mod)) return true;
  }
  return false;
}

// numpy.number / 'number' / float / int -> true (numeric); object / str / 'category' -> false.
std::optional<bool> DtypeIsNumeric(const Value& v, const std::string& path) {
  if (v.is_none()) return std::nullopt;
  const Value* one = &v;
  if ((v.kind == Kind::kList || v.kind == Kind::kTuple) && v.items.size() == 1) one = v.items[0];
  std::string name;
  if (one->is_text()) name = std::string(one->text);
  else if (one->kind == Kind::kGlobal) name = std::string(one->name);
  static const char* kNumeric[] = {"number", "float64", "float32", "int64", "int32", "float", "int", "floating", "integer"};
  static const char* kText[] = {"object", "object_", "str", "str_", "string", "category", "O"};
  for (const char* n : kNumeric) {
    if (name == n) return true;
  }
  for (const char* n : kText) {
    if (name == n) return false;
  }
  throw Error::Unsupported(fmt::format("{}: make_column_selector dtype {} is not supported (numbers or text only)", path, v.Repr(40)));
}

// A column specification of transformers_ resolved to indices of the input's n columns.
std::vector<std::size_t> ResolveColumns(const Value& spec, std::size_t n, const std::vector<std::string>& names,
                                        const std::string& path) {
  auto fail = [&](const std::string& m) -> std::vector<std::size_t> { throw Error::InvalidModel(fmt::format("{}: {}", path, m)); };
  auto by_int = [&](std::int64_t i) -> std::size_t {
    std::int64_t k = i < 0 ? i + static_cast<std::int64_t>(n) : i;
    if (k < 0 || k >= static_cast<std::int64_t>(n)) fail(fmt::format("column index {} out of range for {} columns", i, n));
    return static_cast<std::size_t>(k);
  };
  auto by_name = [&](std::string_view s) -> std::size_t {
    auto it = std::find(names.begin(), names.end(), s);
    if (it == names.end()) {
      if (names.empty()) fail(fmt::format("column '{}' is selected by name but the model has no feature names", s));
      fail(fmt::format("column '{}' is not one of the fitted columns", s));
    }
    return static_cast<std::size_t>(it - names.begin());
  };
  auto from_items = [&](const std::vector<const Value*>& items) {
    std::vector<std::size_t> out;
    bool all_bool = !items.empty();
    for (const Value* i : items) all_bool &= i->kind == Kind::kBool;
    if (all_bool) {
      if (items.size() != n) fail(fmt::format("boolean mask of {} entries for {} columns", items.size(), n));
      for (std::size_t k = 0; k < n; ++k) {
        if (items[k]->boolean) out.push_back(k);
      }
      return out;
    }
    for (const Value* i : items) {
      if (i->is_text()) out.push_back(by_name(i->text));
      else if (i->kind == Kind::kInt) out.push_back(by_int(i->integer));
      else if (i->kind == Kind::kArray && i->array->is_scalar) out.push_back(by_int(ToInts(*i, path).at(0)));
      else fail(fmt::format("cannot select a column by {}", i->Repr(30)));
    }
    return out;
  };
  switch (spec.kind) {
    case Kind::kNone: return {};
    case Kind::kInt: return {by_int(spec.integer)};
    case Kind::kStr:
    case Kind::kBytes: return {by_name(spec.text)};
    case Kind::kList:
    case Kind::kTuple: return from_items(spec.items);
    case Kind::kArray: {
      const NdArray& a = *spec.array;
      if (a.dtype.kind == DTypeKind::kBool) {
        auto m = ToInts(spec, path);
        if (m.size() != n) fail(fmt::format("boolean mask of {} entries for {} columns", m.size(), n));
        std::vector<std::size_t> out;
        for (std::size_t k = 0; k < n; ++k) {
          if (m[k]) out.push_back(k);
        }
        return out;
      }
      if (a.dtype.kind == DTypeKind::kInt || a.dtype.kind == DTypeKind::kUInt) {
        std::vector<std::size_t> out;
        for (auto i : ToInts(spec, path)) out.push_back(by_int(i));
        return out;
      }
      if (a.dtype.kind == DTypeKind::kObject) return from_items(a.objects);
      std::vector<std::size_t> out;
      for (const auto& s : ToStrings(spec, path)) out.push_back(by_name(s));
      return out;
    }
    case Kind::kObject: {
      std::string cls = spec.GlobalPath();
      if (cls == "builtins.slice" || cls == "__builtin__.slice") {
        const Value* args = spec.object->args;
        if (!args || args->items.size() != 3) fail("malformed slice");
        const Value *start = args->items[0], *stop = args->items[1], *step = args->items[2];
        if (start->is_text() || stop->is_text()) {
          // Label slices include both ends (pandas .loc); scikit-learn allows step 1 only.
          if (!step->is_none() && !(step->kind == Kind::kInt && step->integer == 1)) fail("a slice of column names needs step 1");
          std::size_t a = start->is_none() ? 0 : by_name(start->text);
          std::size_t b = stop->is_none() ? n : by_name(stop->text) + 1;
          std::vector<std::size_t> out;
          for (std::size_t k = a; k < b; ++k) out.push_back(k);
          return out;
        }
        // Python slice semantics over range(n).
        std::int64_t N = static_cast<std::int64_t>(n);
        std::int64_t st = step->is_none() ? 1 : step->integer;
        if (st == 0) fail("slice step is zero");
        auto clamp = [&](const Value* v, std::int64_t dflt) {
          if (v->is_none()) return dflt;
          std::int64_t k = v->integer;
          if (k < 0) k += N;
          if (st > 0) return std::clamp<std::int64_t>(k, 0, N);
          return std::clamp<std::int64_t>(k, -1, N - 1);
        };
        std::int64_t a = clamp(start, st > 0 ? 0 : N - 1), b = clamp(stop, st > 0 ? N : -1);
        std::vector<std::size_t> out;
        for (std::int64_t k = a; st > 0 ? k < b : k > b; k += st) out.push_back(static_cast<std::size_t>(k));
        return out;
      }
      if (cls.ends_with("._RemainderColsList")) {
        const Value* st = spec.State();
        const Value* data = st && st->kind == Kind::kDict ? st->Get("data") : nullptr;
        if (data) return ResolveColumns(*data, n, names, path);
        return from_items(spec.object->list_items);
      }
      break;
    }
    default: break;
  }
  return fail(fmt::format("unsupported column specification {}", spec.Repr(40)));
}

Selector ReadSelector(const Value& v, const std::string& path) {
  const Value* st = v.State();
  if (!st || st->kind != Kind::kDict) throw Error::InvalidModel(fmt::format("{}: make_column_selector without state", path));
  Selector s;
  if (const Value* inc = st->Get("dtype_include")) s.include_numeric = DtypeIsNumeric(*inc, path);
  if (const Value* exc = st->Get("dtype_exclude")) s.exclude_numeric = DtypeIsNumeric(*exc, path);
  if (const Value* pat = st->Get("pattern"); pat && pat->is_text()) {
    try {
      s.pattern = std::regex(std::string(pat->text));
    } catch (const std::regex_error&) {
      throw Error::Unsupported(fmt::format("{}: column pattern '{}' is not a regular expression skbridge understands", path, pat->text));
    }
  }
  return s;
}

// FunctionTransformer with no func: what 'passthrough' became in transformers_ from 1.4 on.
bool IsIdentityFunctionTransformer(const Value& v) {
  if (v.kind != Kind::kObject || !v.GlobalPath().ends_with(".FunctionTransformer")) return false;
  const Value* st = v.State();
  if (!st || st->kind != Kind::kDict) return false;
  const Value* func = st->Get("func");
  return !func || func->is_none();
}

std::map<std::string, double> ReadWeights(Fields& f, std::string_view name) {
  std::map<std::string, double> out;
  const Value* w = f.Find(name);
  if (!w || w->is_none()) return out;
  if (w->kind != Kind::kDict) f.Fail(name, fmt::format("expected a dict, found {}", w->Repr(40)));
  for (const auto& [k, v] : w->entries) {
    if (!k->is_text()) f.Fail(name, "keys must be transformer names");
    if (v->is_none()) continue;
    out[std::string(k->text)] = ToDoubles(*v, f.At(name)).at(0);
  }
  return out;
}

}  // namespace

std::shared_ptr<Estimator> DecodeColumnTransformer(Fields& f) {
  auto e = std::make_shared<ColumnTransformer>();
  f.ReadCommon(e.get(), false);
  // Input columns: n_features_in_ (0.24+) or _n_features; names: feature_names_in_ (1.0+) or the
  // private _feature_names_in of 0.2x, which transform used to select columns by name.
  if (!e->input.n_features && f.Has("_n_features")) e->input.n_features = static_cast<std::size_t>(f.Int("_n_features"));
  if (e->input.feature_names.empty() && f.Has("_feature_names_in") && !f.IsNone("_feature_names_in")) {
    e->input.feature_names = ToStrings(f.Get("_feature_names_in"), f.At("_feature_names_in"));
  }
  e->n_in = e->input.n_features;
  e->names_in = e->input.feature_names;
  if (!e->n_in) f.Fail("n_features_in_", "missing (neither n_features_in_ nor _n_features is stored)");
  if (!e->names_in.empty() && e->names_in.size() != e->n_in) {
    f.Fail("feature_names_in_", fmt::format("has {} names for {} columns", e->names_in.size(), e->n_in));
  }
  const Value* indices = f.Find("_transformer_to_input_indices");
  if (indices && indices->kind != Kind::kDict) indices = nullptr;
  auto weights = ReadWeights(f, "transformer_weights");
  const Value& list = f.Get("transformers_");
  if (list.kind != Kind::kList && list.kind != Kind::kTuple) f.Fail("transformers_", "expected a list of (name, transformer, columns)");
  std::vector<int> text_known(e->n_in, -1);
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const Value* item = list.items[i];
    if ((item->kind != Kind::kTuple && item->kind != Kind::kList) || item->items.size() != 3 || !item->items[0]->is_text()) {
      f.Fail("transformers_", fmt::format("item {} is not a (name, transformer, columns) triple", i));
    }
    Part p;
    p.name = std::string(item->items[0]->text);
    const Value& trans = *item->items[1];
    const Value& spec = *item->items[2];
    std::string sub = fmt::format("{}.transformers_[{}].{}", f.path(), i, p.name);
    if (IsString(trans, "drop")) continue;
    // Columns: the fitted name -> indices map (1.0+), else the stored specification.
    const Value* idx = indices ? indices->Get(p.name) : nullptr;
    if (idx) {
      for (auto k : ToInts(*idx, f.At("_transformer_to_input_indices"))) {
        if (k < 0 || static_cast<std::size_t>(k) >= e->n_in) f.Fail("_transformer_to_input_indices", fmt::format("'{}': index {} out of range", p.name, k));
        p.cols.push_back(static_cast<std::size_t>(k));
      }
    } else if (spec.kind == Kind::kObject && spec.GlobalPath().ends_with(".make_column_selector")) {
      p.selector = ReadSelector(spec, sub);
    } else {
      p.cols = ResolveColumns(spec, e->n_in, e->names_in, sub);
    }
    // An empty selection is skipped (its transformer was never fitted).
    if (p.cols.empty() && !p.selector) continue;
    if (IsString(trans, "passthrough") || IsIdentityFunctionTransformer(trans)) {
      p.est = nullptr;
    } else if (trans.is_text()) {
      f.Fail("transformers_", fmt::format("'{}': unknown transformer '{}'", p.name, trans.text));
    } else {
      p.est = f.ctx().Decode(trans, sub);
      if (p.est->input.n_features && !p.selector && p.est->input.n_features != p.cols.size()) {
        f.Fail("transformers_", fmt::format("'{}' selects {} columns but its transformer expects {}", p.name, p.cols.size(), p.est->input.n_features));
      }
      if (p.est->input.is_text.size() == p.cols.size()) {
        for (std::size_t k = 0; k < p.cols.size(); ++k) text_known[p.cols[k]] = p.est->input.is_text[k];
      }
    }
    if (auto w = weights.find(p.name); w != weights.end()) p.weight = w->second;
    e->parts.push_back(std::move(p));
  }
  bool any_text = std::any_of(text_known.begin(), text_known.end(), [](int t) { return t == 1; });
  if (any_text) {
    e->input.is_text.clear();
    for (int t : text_known) e->input.is_text.push_back(t == 1);
  }
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// FeatureUnion: every transformer on the whole input, outputs side by side.

class FeatureUnion : public Estimator, public TableTransformer {
 public:
  std::vector<Part> parts;  // cols unused

  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    return TableAsOutput(TransformTable(x));
  }
  Table TransformTable(const Table& x) const override {
    std::vector<Table> outs;
    for (const Part& p : parts) {
      Table t = p.est ? TransformAsTable(*p.est, x) : x;
      if (p.weight) Scale(&t, *p.weight, path + "." + p.name);
      outs.push_back(std::move(t));
    }
    if (outs.empty()) return Table::Dense(x.rows, 0, {});
    return HStack(outs, x.rows);
  }
};

}  // namespace

std::shared_ptr<Estimator> DecodeFeatureUnion(Fields& f) {
  auto e = std::make_shared<FeatureUnion>();
  f.ReadCommon(e.get(), false);
  auto weights = ReadWeights(f, "transformer_weights");
  const Value& list = f.Get("transformer_list");
  if (list.kind != Kind::kList && list.kind != Kind::kTuple) f.Fail("transformer_list", "expected a list of (name, transformer)");
  std::vector<std::shared_ptr<const Estimator>> children;
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const Value* item = list.items[i];
    if ((item->kind != Kind::kTuple && item->kind != Kind::kList) || item->items.size() != 2 || !item->items[0]->is_text()) {
      f.Fail("transformer_list", fmt::format("item {} is not a (name, transformer) pair", i));
    }
    Part p;
    p.name = std::string(item->items[0]->text);
    const Value& trans = *item->items[1];
    if (trans.is_none() || IsString(trans, "drop")) continue;
    if (!IsString(trans, "passthrough")) {
      p.est = f.ctx().Decode(trans, fmt::format("{}.transformer_list[{}].{}", f.path(), i, p.name));
      children.push_back(p.est);
    }
    if (auto w = weights.find(p.name); w != weights.end()) p.weight = w->second;
    e->parts.push_back(std::move(p));
  }
  if (!e->input.n_features) {
    InputSpec first = FirstInput(children);
    e->input.n_features = first.n_features;
    if (e->input.feature_names.empty()) e->input.feature_names = first.feature_names;
  }
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// TransformedTargetRegressor: regressor_.predict, then transformer_.inverse_transform.

// inverse_transform of the target transformer, column by column (y is rows x k).
struct TargetInverse {
  kernels::UnaryFn fn = nullptr;            // FunctionTransformer's inverse_func (nullptr: identity)
  std::vector<double> mul, add;             // y * mul + add, per column (scalers)
  std::vector<double> sub, div;             // (y - sub) / div, per column (MinMaxScaler)
  bool Apply(std::vector<double>* y, std::size_t k) const {
    auto at = [](const std::vector<double>& v, std::size_t c) { return v.size() == 1 ? v[0] : v[c]; };
    for (const auto* v : {&mul, &add, &sub, &div}) {
      if (!v->empty() && v->size() != 1 && v->size() != k) return false;
    }
    for (std::size_t i = 0; i < y->size(); ++i) {
      std::size_t c = i % k;
      double& x = (*y)[i];
      if (fn) x = fn(x);
      if (!sub.empty()) x -= at(sub, c);
      if (!div.empty()) x /= at(div, c);
      if (!mul.empty()) x *= at(mul, c);
      if (!add.empty()) x += at(add, c);
    }
    return true;
  }
};

// The name of a numpy function stored by reference: numpy.expm1, or _ufunc_reconstruct('numpy', 'expm1').
std::string NumpyFunctionName(const Value& v) {
  if (v.kind == Kind::kGlobal && (v.text == "numpy" || v.text.starts_with("numpy."))) return std::string(v.name);
  if (v.kind == Kind::kObject && v.GlobalPath().ends_with("._ufunc_reconstruct") && v.object->args &&
      v.object->args->items.size() == 2 && v.object->args->items[1]->is_text()) {
    const Value* mod = v.object->args->items[0];
    if (mod->is_text() && (mod->text == "numpy" || mod->text.starts_with("numpy."))) return std::string(v.object->args->items[1]->text);
  }
  return {};
}

TargetInverse ReadTargetInverse(const Value& t, DecodeContext& ctx, const std::string& path) {
  TargetInverse inv;
  if (t.is_none()) return inv;
  if (t.kind != Kind::kObject) throw Error::InvalidModel(fmt::format("{}: expected a transformer, found {}", path, t.Repr(40)));
  std::string cls = t.GlobalPath();
  Fields f(t, &ctx, path);
  auto opt = [&](std::string_view name) -> std::vector<double> { return f.IsNone(name) ? std::vector<double>{} : f.Doubles(name); };
  if (cls.ends_with(".FunctionTransformer")) {
    const Value* func = f.Find("inverse_func");
    if (func && !func->is_none()) {
      std::string name = NumpyFunctionName(*func);
      inv.fn = name.empty() ? nullptr : kernels::NumpyUnary(name);
      if (!inv.fn) {
        std::string what = func->kind == Kind::kGlobal || func->kind == Kind::kObject ? func->GlobalPath() : func->Repr(40);
        if (!name.empty()) what = "numpy." + name;
        throw Error::Unsupported(fmt::format("{}.inverse_func: {} is not a numpy function skbridge implements (it never runs Python code)", path, what));
      }
    }
    if (const Value* kw = f.Find("inv_kw_args"); kw && !kw->is_none() && !(kw->kind == Kind::kDict && kw->entries.empty())) {
      throw Error::Unsupported(fmt::format("{}.inv_kw_args: keyword arguments to the inverse function are not supported", path));
    }
    return inv;
  }
  if (cls.ends_with(".StandardScaler")) {
    if (!f.Has("with_std") || f.Bool("with_std")) inv.mul = opt("scale_");
    if (!f.Has("with_mean") || f.Bool("with_mean")) inv.add = opt("mean_");
    return inv;
  }
  if (cls.ends_with(".RobustScaler")) {
    if (!f.Has("with_scaling") || f.Bool("with_scaling")) inv.mul = opt("scale_");
    if (!f.Has("with_centering") || f.Bool("with_centering")) inv.add = opt("center_");
    return inv;
  }
  if (cls.ends_with(".MaxAbsScaler")) {
    inv.mul = f.Doubles("scale_");
    return inv;
  }
  if (cls.ends_with(".MinMaxScaler")) {
    inv.sub = f.Doubles("min_");
    inv.div = f.Doubles("scale_");
    return inv;
  }
  throw Error::Unsupported(fmt::format("{}: inverse_transform of {} is not supported as a target transformer", path, cls));
}

class TransformedTargetRegressor : public Estimator {
 public:
  std::shared_ptr<const Estimator> regressor;
  TargetInverse inverse;
  std::int64_t training_dim = 1;

  bool Has(Method m) const override { return m == Method::kPredict; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredict) Unsupported(m);
    Output o = regressor->Run(Method::kPredict, x);
    std::size_t k = o.cols == 0 ? 1 : o.cols;
    if (!inverse.Apply(&o.values, k)) {
      throw Error::InvalidInput(fmt::format("{}: the target transformer was fitted on a different number of targets than the regressor predicts ({})", path, k));
    }
    // 1-d predictions go through inverse_transform as one column; the result is squeezed back
    // to 1-d when the training target was 1-d.
    o.cols = (training_dim == 1 && k == 1) ? 0 : k;
    return o;
  }
};

}  // namespace

std::shared_ptr<Estimator> DecodeTransformedTargetRegressor(Fields& f) {
  auto e = std::make_shared<TransformedTargetRegressor>();
  f.ReadCommon(e.get(), false);
  e->regressor = f.Child("regressor_");
  if (!e->input.n_features) e->input = e->regressor->input;
  if (e->input.is_text.empty()) e->input.is_text = e->regressor->input.is_text;
  e->inverse = ReadTargetInverse(f.Get("transformer_"), f.ctx(), f.At("transformer_"));
  if (f.Has("_training_dim")) e->training_dim = f.Int("_training_dim");
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// Search CVs and other wrappers that delegate to one fitted estimator.

class Delegate : public Estimator, public TableTransformer {
 public:
  std::shared_ptr<const Estimator> inner;
  bool Has(Method m) const override { return inner->Has(m); }
  Output Run(Method m, const Table& x) const override { return inner->Run(m, x); }
  Table TransformTable(const Table& x) const override { return TransformAsTable(*inner, x); }
};

}  // namespace

std::shared_ptr<Estimator> DecodeSearchCV(Fields& f) {
  auto e = std::make_shared<Delegate>();
  f.ReadCommon(e.get(), false);
  if (!f.Has("best_estimator_")) {
    const Value* refit = f.Find("refit");
    bool no_refit = refit && refit->kind == Kind::kBool && !refit->boolean;
    throw Error::Unsupported(fmt::format("{}: {} has no best_estimator_ to predict with{}", f.path(), f.class_path(),
                                         no_refit ? " (it was fitted with refit=False; scikit-learn cannot predict with it either)" : ""));
  }
  e->inner = f.Child("best_estimator_");
  InputSpec own = e->input;
  e->input = e->inner->input;
  if (!own.feature_names.empty()) e->input.feature_names = own.feature_names;
  e->classes = e->inner->classes;
  return e;
}

namespace {

// ----------------------------------------------------------------------------------------------
// FixedThresholdClassifier / TunedThresholdClassifierCV (1.5+): predict thresholds the positive
// class's predict_proba column or decision_function; the other methods are the estimator's.

class ThresholdClassifier : public Estimator {
 public:
  std::shared_ptr<const Estimator> inner;
  Method response = Method::kPredictProba;
  std::size_t pos_idx = 1, neg_idx = 0;  // positions in classes_
  double threshold = 0.5;

  bool Has(Method m) const override {
    if (m == Method::kPredict) return true;
    if (m == Method::kPredictProba || m == Method::kPredictLogProba || m == Method::kDecisionFunction) return inner->Has(m);
    return false;
  }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredict) {
      if (!Has(m)) Unsupported(m);
      return inner->Run(m, x);
    }
    Output s = inner->Run(response, x);
    std::vector<std::size_t> idx(s.rows);
    for (std::size_t r = 0; r < s.rows; ++r) {
      double score;
      if (response == Method::kPredictProba) {
        score = s.values[r * s.cols + pos_idx];
      } else {
        // decision_function scores classes_[1]; a positive label of classes_[0] flips the sign.
        score = s.values[r * (s.cols == 0 ? 1 : s.cols)];
        if (pos_idx == 0) score = -score;
      }
      idx[r] = score >= threshold ? pos_idx : neg_idx;
    }
    Output o;
    o.rows = s.rows;
    o.labels = classes->Take(idx);
    return o;
  }
};

// The position of `label` in `classes`, or nullopt.
std::optional<std::size_t> FindLabel(const Labels& classes, const Value& label) {
  for (std::size_t i = 0; i < classes.size(); ++i) {
    switch (classes.type) {
      case Labels::Type::kString:
        if (label.is_text() && label.text == classes.strings[i]) return i;
        break;
      case Labels::Type::kInt:
      case Labels::Type::kBool:
      case Labels::Type::kFloat: {
        if (label.is_text() || label.is_none() || label.kind == Kind::kObject) break;
        double want = ToDoubles(label, "")[0];
        double have = classes.type == Labels::Type::kFloat ? classes.floats[i] : static_cast<double>(classes.ints[i]);
        if (want == have) return i;
        break;
      }
    }
  }
  return std::nullopt;
}

// Score functions whose pos_label parameter defaults to 1 (the rest have none, or None).
bool ScoreFunctionDefaultsToPosLabelOne(std::string_view name) {
  static const char* kOne[] = {"f1_score", "fbeta_score", "precision_score", "recall_score", "jaccard_score",
                               "average_precision_score", "precision_recall_fscore_support", "class_likelihood_ratios"};
  for (const char* n : kOne) {
    if (name == n) return true;
  }
  return false;
}

std::shared_ptr<Estimator> DecodeThreshold(Fields& f, bool tuned) {
  auto e = std::make_shared<ThresholdClassifier>();
  f.ReadCommon(e.get(), false);
  e->inner = f.Has("estimator_") ? f.Child("estimator_") : f.Child("estimator");
  InputSpec own = e->input;
  e->input = e->inner->input;
  if (!own.feature_names.empty()) e->input.feature_names = own.feature_names;
  if (!e->inner->classes || e->inner->classes->size() != 2) {
    f.Fail("estimator_", "is not a binary classifier (it needs exactly two classes_)");
  }
  e->classes = e->inner->classes;
  const Labels& classes = *e->classes;
  // Response: predict_proba when the estimator has it ('auto'), else decision_function.
  std::string rm = f.Has("response_method") && f.Get("response_method").is_text() ? f.Str("response_method") : "auto";
  if (rm == "auto") e->response = e->inner->Has(Method::kPredictProba) ? Method::kPredictProba : Method::kDecisionFunction;
  else if (rm == "predict_proba") e->response = Method::kPredictProba;
  else if (rm == "decision_function") e->response = Method::kDecisionFunction;
  else f.Fail("response_method", fmt::format("unknown option '{}'", rm));
  if (!e->inner->Has(e->response)) f.Fail("response_method", fmt::format("the estimator has no {}", MethodName(e->response)));
  // Positive label: FixedThresholdClassifier.pos_label; TunedThresholdClassifierCV takes the
  // scorer's (its pos_label keyword, else the score function's default).
  const Value* pos_label = nullptr;
  std::optional<std::int64_t> default_one;
  if (!tuned) {
    pos_label = f.Find("pos_label");
  } else {
    const Value& scorer = f.Get("_curve_scorer");
    const Value* st = scorer.State();
    if (!st || st->kind != Kind::kDict) f.Fail("_curve_scorer", "expected a scorer object");
    const Value* kwargs = st->Get("_kwargs");
    if (kwargs && kwargs->kind == Kind::kDict) pos_label = kwargs->Get("pos_label");
    if (!pos_label) {
      const Value* fn = st->Get("_score_func");
      std::string fn_name = fn && fn->kind == Kind::kGlobal ? std::string(fn->name) : "";
      if (fn && fn->kind == Kind::kGlobal && !(fn->text.starts_with("sklearn.metrics"))) {
        throw Error::Unsupported(fmt::format("{}._curve_scorer: score function {} is not scikit-learn's; its pos_label default is unknown",
                                             f.path(), fn->GlobalPath()));
      }
      if (ScoreFunctionDefaultsToPosLabelOne(fn_name)) default_one = 1;
    }
  }
  if (pos_label && !pos_label->is_none()) {
    auto i = FindLabel(classes, *pos_label);
    if (!i) f.Fail(tuned ? "_curve_scorer" : "pos_label", fmt::format("pos_label={} is not one of the classes ({}, {})", pos_label->Repr(30), classes.Text(0), classes.Text(1)));
    e->pos_idx = *i;
  } else if (default_one) {
    bool found = false;
    for (std::size_t i = 0; i < 2; ++i) {
      if ((classes.type == Labels::Type::kInt || classes.type == Labels::Type::kBool) && classes.ints[i] == 1) e->pos_idx = i, found = true;
      if (classes.type == Labels::Type::kFloat && classes.floats[i] == 1.0) e->pos_idx = i, found = true;
    }
    if (!found) f.Fail("_curve_scorer", fmt::format("pos_label=1 is not one of the classes ({}, {})", classes.Text(0), classes.Text(1)));
  } else {
    e->pos_idx = 1;
  }
  e->neg_idx = 1 - e->pos_idx;
  if (tuned) {
    e->threshold = f.Float("best_threshold_");
  } else {
    const Value& t = f.Get("threshold");
    if (IsString(t, "auto")) e->threshold = e->response == Method::kPredictProba ? 0.5 : 0.0;
    else e->threshold = f.Float("threshold");
  }
  return e;
}

}  // namespace

std::shared_ptr<Estimator> DecodeFixedThresholdClassifier(Fields& f) { return DecodeThreshold(f, false); }
std::shared_ptr<Estimator> DecodeTunedThresholdClassifierCV(Fields& f) { return DecodeThreshold(f, true); }

}  // namespace skbridge::est
