#include <cmath>
#include <cstring>

#include "estimators/estimator.h"

namespace skbridge {

const Table& Estimator::DenseInput(const Table& x, Table* storage) const {
  if (!x.is_dense()) *storage = x.ToDense();
  const Table& t = x.is_dense() ? x : *storage;
  if (input.n_features && t.cols != input.n_features) {
    throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, t.cols));
  }
  return t;
}

void Estimator::Unsupported(Method m) const {
  throw Error::InvalidInput(fmt::format("{} ({}) has no method {}", path, class_path, MethodName(m)));
}

namespace est {
namespace {

template <class T>
T Load(const std::byte* p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  return x;
}

// Element i (in C order) of a numeric array as double; handles Fortran layout.
std::vector<double> ArrayDoubles(const NdArray& a, const std::string& path) {
  std::int64_t n = a.size();
  std::vector<double> out(static_cast<std::size_t>(n));
  if (a.dtype.kind == DTypeKind::kObject) {
    for (std::int64_t i = 0; i < n; ++i) {
      const Value* o = a.objects[static_cast<std::size_t>(i)];
      if (o->kind == Kind::kFloat) out[i] = o->real;
      else if (o->kind == Kind::kInt) out[i] = static_cast<double>(o->integer);
      else if (o->kind == Kind::kBool) out[i] = o->boolean;
      else if (o->kind == Kind::kNone) out[i] = std::nan("");
      else throw Error::InvalidModel(fmt::format("{}: object array holds {}, expected numbers", path, o->Repr(30)));
    }
  } else {
    auto conv = [&](std::int64_t i) -> double {
      const std::byte* p = a.data + i * a.dtype.itemsize;
      switch (a.dtype.kind) {
        case DTypeKind::kBool: return std::to_integer<int>(*p) != 0;
        case DTypeKind::kInt:
          switch (a.dtype.itemsize) {
            case 1: return Load<std::int8_t>(p);
            case 2: return Load<std::int16_t>(p);
            case 4: return Load<std::int32_t>(p);
            default: return static_cast<double>(Load<std::int64_t>(p));
          }
        case DTypeKind::kUInt:
          switch (a.dtype.itemsize) {
            case 1: return Load<std::uint8_t>(p);
            case 2: return Load<std::uint16_t>(p);
            case 4: return Load<std::uint32_t>(p);
            default: return static_cast<double>(Load<std::uint64_t>(p));
          }
        case DTypeKind::kFloat:
          if (a.dtype.itemsize == 4) return Load<float>(p);
          if (a.dtype.itemsize == 8) return Load<double>(p);
          [[fallthrough]];
        default:
          throw Error::InvalidModel(fmt::format("{}: expected a numeric array, found dtype {}", path, a.dtype.Str()));
      }
    };
    if (a.fortran_order && a.ndim() > 1) {
      // Column-major storage: walk C-order indices and map them.
      std::vector<std::int64_t> idx(a.ndim(), 0);
      for (std::int64_t c = 0; c < n; ++c) {
        std::int64_t f = 0, stride = 1;
        for (std::size_t d = 0; d < a.ndim(); ++d) {
          f += idx[d] * stride;
          stride *= a.shape[d];
        }
        out[c] = conv(f);
        for (std::size_t d = a.ndim(); d-- > 0;) {
          if (++idx[d] < a.shape[d]) break;
          idx[d] = 0;
        }
      }
    } else {
      for (std::int64_t i = 0; i < n; ++i) out[i] = conv(i);
    }
  }
  return out;
}

}  // namespace

Error UnexpectedValue(const Value& v, const std::string& path, std::string_view expected) {
  if (const Value* cls = v.Class()) {
    if (cls->name == "NDArrayWrapper" || cls->name == "ZNDArrayWrapper") {
      const Value* file = v.State() ? v.State()->Get("filename") : nullptr;
      return Error::InvalidModel(fmt::format("{}: the array is stored in the legacy joblib side file '{}', which is missing", path,
                                             file && file->is_text() ? std::string(file->text) : "?"));
    }
    GlobalSafety safety = ClassifyGlobal(cls->text, cls->name);
    if (safety != GlobalSafety::kData) {
      return Error::Unsafe(fmt::format("{}: {} is built by {}, which is not on the allowlist of data-only names ({})", path,
                                       expected, v.GlobalPath(), GlobalSafetyName(safety)));
    }
  }
  return Error::InvalidModel(fmt::format("{}: expected {}, found {}", path, expected, v.Repr(40)));
}

std::vector<std::int64_t> ShapeOf(const Value& v, const std::string& path) {
  if (v.kind == Kind::kArray) return v.array->shape;
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) return {static_cast<std::int64_t>(v.items.size())};
  throw UnexpectedValue(v, path, "an array");
}

std::vector<double> ToDoubles(const Value& v, const std::string& path) {
  if (v.kind == Kind::kArray) return ArrayDoubles(*v.array, path);
  if (v.kind == Kind::kFloat) return {v.real};
  if (v.kind == Kind::kInt) return {static_cast<double>(v.integer)};
  if (v.kind == Kind::kBool) return {v.boolean ? 1.0 : 0.0};
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) {
    std::vector<double> out;
    for (const Value* i : v.items) {
      auto x = ToDoubles(*i, path);
      out.insert(out.end(), x.begin(), x.end());
    }
    return out;
  }
  throw UnexpectedValue(v, path, "numbers");
}

std::vector<std::int64_t> ToInts(const Value& v, const std::string& path) {
  auto d = ToDoubles(v, path);
  std::vector<std::int64_t> out(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] != std::floor(d[i])) throw Error::InvalidModel(fmt::format("{}: expected integers, found {}", path, d[i]));
    out[i] = static_cast<std::int64_t>(d[i]);
  }
  return out;
}

std::vector<std::string> ToStrings(const Value& v, const std::string& path) {
  Labels l = ToLabels(v, path);
  if (l.type == Labels::Type::kString) return l.strings;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < l.size(); ++i) out.push_back(l.Text(i));
  return out;
}

Labels ToLabels(const Value& v, const std::string& path) {
  Labels l;
  auto from_values = [&](const std::vector<const Value*>& items) {
    bool all_text = !items.empty(), all_int = !items.empty(), all_bool = !items.empty();
    for (const Value* o : items) {
      all_text &= o->is_text();
      all_int &= o->kind == Kind::kInt || (o->kind == Kind::kArray && o->array->is_scalar && (o->array->dtype.kind == DTypeKind::kInt || o->array->dtype.kind == DTypeKind::kUInt));
      all_bool &= o->kind == Kind::kBool;
    }
    if (all_text) {
      l.type = Labels::Type::kString;
      for (const Value* o : items) l.strings.emplace_back(o->text);
    } else if (all_bool) {
      l.type = Labels::Type::kBool;
      for (const Value* o : items) l.ints.push_back(o->boolean);
    } else if (all_int) {
      l.type = Labels::Type::kInt;
      for (const Value* o : items) l.ints.push_back(static_cast<std::int64_t>(ToDoubles(*o, path)[0]));
    } else {
      l.type = Labels::Type::kFloat;
      for (const Value* o : items) l.floats.push_back(ToDoubles(*o, path)[0]);
    }
  };
  if (v.kind == Kind::kArray) {
    const NdArray& a = *v.array;
    switch (a.dtype.kind) {
      case DTypeKind::kObject: from_values(a.objects); return l;
      case DTypeKind::kUnicode:
        l.type = Labels::Type::kString;
        for (std::int64_t i = 0; i < a.size(); ++i) l.strings.push_back(a.UnicodeAt(i));
        return l;
      case DTypeKind::kBytes:
        l.type = Labels::Type::kString;
        for (std::int64_t i = 0; i < a.size(); ++i) {
          std::string s(reinterpret_cast<const char*>(a.data + i * a.dtype.itemsize), static_cast<std::size_t>(a.dtype.itemsize));
          while (!s.empty() && s.back() == '\0') s.pop_back();
          l.strings.push_back(s);
        }
        return l;
      case DTypeKind::kBool: {
        l.type = Labels::Type::kBool;
        for (double d : ArrayDoubles(a, path)) l.ints.push_back(d != 0);
        return l;
      }
      case DTypeKind::kInt:
      case DTypeKind::kUInt:
        l.type = Labels::Type::kInt;
        for (double d : ArrayDoubles(a, path)) l.ints.push_back(static_cast<std::int64_t>(d));
        return l;
      case DTypeKind::kFloat:
        l.type = Labels::Type::kFloat;
        l.floats = ArrayDoubles(a, path);
        return l;
      default: break;
    }
  } else if (v.kind == Kind::kList || v.kind == Kind::kTuple) {
    from_values(v.items);
    return l;
  }
  throw UnexpectedValue(v, path, "class labels");
}

Fields::Fields(const Value& object, DecodeContext* ctx, std::string path)
    : object_(object), state_(object.State()), ctx_(ctx), path_(std::move(path)) {
  if (!state_ || state_->kind != Kind::kDict) {
    throw Error::InvalidModel(fmt::format("{} ({}): state is not an attribute dict", path_, object.GlobalPath()));
  }
  const Value* v = state_->Get("_sklearn_version");
  version_ = v && v->is_text() ? std::string(v->text) : "pre-0.18";
}

const Value* Fields::Find(std::string_view name) const { return state_->Get(name); }

const Value* Fields::FindAny(std::initializer_list<std::string_view> names) const {
  for (auto n : names) {
    if (const Value* v = Find(n)) return v;
  }
  return nullptr;
}

const Value& Fields::Get(std::string_view name) const {
  const Value* v = Find(name);
  if (!v) Fail(name, "missing");
  return *v;
}

void Fields::Fail(std::string_view name, const std::string& message) const {
  throw Error::InvalidModel(fmt::format("{}: {}", At(name), message));
}

double Fields::Float(std::string_view name) const {
  const Value& v = Get(name);
  if (v.kind == Kind::kFloat) return v.real;
  if (v.kind == Kind::kInt) return static_cast<double>(v.integer);
  if (v.kind == Kind::kBool) return v.boolean;
  if (v.kind == Kind::kArray && v.array->size() == 1) return ToDoubles(v, At(name))[0];
  Fail(name, fmt::format("expected a number, found {}", v.Repr(40)));
}

std::int64_t Fields::Int(std::string_view name) const {
  const Value& v = Get(name);
  if (v.kind == Kind::kInt && !v.is_big_int()) return v.integer;
  if (v.kind == Kind::kBool) return v.boolean;
  if (v.kind == Kind::kArray && v.array->size() == 1) {
    double d = ToDoubles(v, At(name))[0];
    if (d == std::floor(d)) return static_cast<std::int64_t>(d);
  }
  Fail(name, fmt::format("expected an integer, found {}", v.Repr(40)));
}

bool Fields::Bool(std::string_view name) const {
  const Value& v = Get(name);
  if (v.kind == Kind::kBool) return v.boolean;
  if (v.kind == Kind::kInt) return v.integer != 0;
  if (v.kind == Kind::kArray && v.array->size() == 1) return ToDoubles(v, At(name))[0] != 0;
  Fail(name, fmt::format("expected a bool, found {}", v.Repr(40)));
}

std::string Fields::Str(std::string_view name) const {
  const Value& v = Get(name);
  if (v.is_text()) return std::string(v.text);
  Fail(name, fmt::format("expected a string, found {}", v.Repr(40)));
}

bool Fields::IsNone(std::string_view name) const {
  const Value* v = Find(name);
  return !v || v->is_none();
}

std::vector<double> Fields::Doubles(std::string_view name, std::optional<std::size_t> expected) const {
  auto d = ToDoubles(Get(name), At(name));
  if (expected && d.size() != *expected) Fail(name, fmt::format("expected {} values, got {}", *expected, d.size()));
  return d;
}

std::vector<std::int64_t> Fields::Ints(std::string_view name, std::optional<std::size_t> expected) const {
  auto d = ToInts(Get(name), At(name));
  if (expected && d.size() != *expected) Fail(name, fmt::format("expected {} values, got {}", *expected, d.size()));
  return d;
}

Matrix Fields::Matrix2D(std::string_view name, std::optional<std::size_t> rows, std::optional<std::size_t> cols) const {
  const Value& v = Get(name);
  auto shape = ShapeOf(v, At(name));
  Matrix m;
  if (shape.size() == 1) {
    m.rows = 1;
    m.cols = static_cast<std::size_t>(shape[0]);
  } else if (shape.size() == 2) {
    m.rows = static_cast<std::size_t>(shape[0]);
    m.cols = static_cast<std::size_t>(shape[1]);
  } else {
    Fail(name, fmt::format("expected a 2-d array, got {} dimensions", shape.size()));
  }
  if ((rows && m.rows != *rows) || (cols && m.cols != *cols)) {
    Fail(name, fmt::format("expected ({}, {}), got ({}, {})", rows ? std::to_string(*rows) : "?", cols ? std::to_string(*cols) : "?", m.rows, m.cols));
  }
  m.v = ToDoubles(v, At(name));
  return m;
}

Labels Fields::GetLabels(std::string_view name) const { return ToLabels(Get(name), At(name)); }

std::shared_ptr<const Estimator> Fields::Child(std::string_view name) const { return ctx_->Decode(Get(name), At(name)); }

void Fields::ReadCommon(Estimator* e, bool classifier) const {
  e->class_path = class_path();
  e->path = path_;
  e->sklearn_version = version_;
  if (const Value* n = FindAny({"n_features_in_", "n_features_"}); n && n->kind == Kind::kInt) {
    e->input.n_features = static_cast<std::size_t>(n->integer);
  }
  if (const Value* names = Find("feature_names_in_"); names && !names->is_none()) {
    e->input.feature_names = ToStrings(*names, At("feature_names_in_"));
    e->input.n_features = e->input.feature_names.size();
  }
  if (classifier && Has("classes_")) e->classes = GetLabels("classes_");
}

std::shared_ptr<const Estimator> DecodeContext::Decode(const Value& v, const std::string& path) {
  if (auto it = done_.find(&v); it != done_.end()) return it->second;
  if (v.kind != Kind::kObject) {
    throw Error::InvalidModel(fmt::format("{}: expected an estimator, found {}", path, v.Repr(40)));
  }
  const Value* cls = v.Class();
  if (!cls) throw Error::InvalidModel(fmt::format("{}: the object's class is not a named global", path));
  std::string class_path = v.GlobalPath();
  GlobalSafety safety = ClassifyGlobal(cls->text, cls->name);
  if (safety != GlobalSafety::kData) {
    throw Error::Unsafe(fmt::format("{}: {} is not on the allowlist of data-only classes ({}); skbridge will not interpret it",
                                    path, class_path, GlobalSafetyName(safety)));
  }
  DecodeFn fn = FindDecoder(cls->text, cls->name);
  if (!fn) {
    const Value* ver = v.State() ? v.State()->Get("_sklearn_version") : nullptr;
    throw Error::Unsupported(fmt::format("{}: {} (written by scikit-learn {}) is not supported yet", path, class_path,
                                         ver && ver->is_text() ? std::string(ver->text) : "pre-0.18"));
  }
  if (++depth_ > 200) throw Error::Limit(fmt::format("{}: estimators nested more than 200 deep", path));
  Fields fields(v, this, path);
  std::shared_ptr<Estimator> e = fn(fields);
  --depth_;
  if (e->class_path.empty()) fields.ReadCommon(e.get(), false);
  done_.emplace(&v, e);
  return e;
}

Output NumericOutput(std::size_t rows, std::size_t cols, std::vector<double> values) {
  Output o;
  o.rows = rows;
  o.cols = cols;
  o.values = std::move(values);
  return o;
}

Output ArgmaxLabels(const Labels& classes, std::size_t rows, std::size_t k, const std::vector<double>& scores) {
  std::vector<std::size_t> idx(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const double* s = scores.data() + r * k;
    std::size_t best = 0;
    for (std::size_t j = 1; j < k; ++j) {
      if (s[j] > s[best]) best = j;  // first maximum wins, as numpy.argmax
    }
    idx[r] = best;
  }
  Output o;
  o.rows = rows;
  o.labels = classes.Take(idx);
  return o;
}

}  // namespace est
}  // namespace skbridge
