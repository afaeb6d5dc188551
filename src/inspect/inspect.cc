#include "skbridge/inspect.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "skbridge/compat.h"
#include "skbridge/error.h"

namespace skbridge {
namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxInlineItems = 20;    // lists/arrays of scalars shown in full up to this size
constexpr std::size_t kMaxDictItems = 64;      // dicts described key by key up to this size
constexpr std::size_t kCollapseSameClass = 3;  // lists of more same-class objects show the first only

bool IsScalar(const Value* v) {
  switch (v->kind) {
    case Kind::kNone: case Kind::kBool: case Kind::kInt: case Kind::kFloat: case Kind::kStr: return true;
    case Kind::kArray: return v->array->is_scalar && v->array->dtype.kind != DTypeKind::kObject;
    default: return false;
  }
}

ordered_json FloatJson(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return d;
}

// JSON for one element of a numeric / string array at flat index i.
ordered_json ArrayElement(const NdArray& a, std::int64_t i) {
  const std::byte* p = a.data + i * a.dtype.itemsize;
  auto load = [&](auto tag) {
    decltype(tag) x;
    std::memcpy(&x, p, sizeof(x));
    return x;
  };
  switch (a.dtype.kind) {
    case DTypeKind::kBool: return std::to_integer<int>(*p) != 0;
    case DTypeKind::kInt:
      switch (a.dtype.itemsize) {
        case 1: return load(std::int8_t{});
        case 2: return load(std::int16_t{});
        case 4: return load(std::int32_t{});
        default: return load(std::int64_t{});
      }
    case DTypeKind::kUInt:
      switch (a.dtype.itemsize) {
        case 1: return load(std::uint8_t{});
        case 2: return load(std::uint16_t{});
        case 4: return load(std::uint32_t{});
        default: return load(std::uint64_t{});
      }
    case DTypeKind::kFloat:
      if (a.dtype.itemsize == 4) return FloatJson(load(float{}));
      if (a.dtype.itemsize == 8) return FloatJson(load(double{}));
      return nullptr;
    case DTypeKind::kUnicode: return a.UnicodeAt(i);
    case DTypeKind::kBytes: {
      std::string s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(a.dtype.itemsize));
      while (!s.empty() && s.back() == '\0') s.pop_back();
      return ordered_json::binary_t(std::vector<std::uint8_t>(s.begin(), s.end())).empty() ? ordered_json("") : ordered_json(s);
    }
    default: return nullptr;
  }
}

class Walker {
 public:
  explicit Walker(const Limits& limits) : limits_(limits) {}

  ordered_json estimators = ordered_json::array();
  std::set<std::string> sklearn_versions;
  bool saw_unversioned_sklearn = false;
  bool truncated = false;
  std::vector<std::string> tree_counts_paths;

  void VisitRoot(const Value* root) {
    std::string name = "root";
    if (const Value* cls = root->Class()) name = Lower(cls->name);
    root_description_ = Describe(root, name, 0);
  }
  ordered_json root_description_;

 private:
  static std::string Lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  void CheckDepth(std::size_t depth, const std::string& path) {
    if (depth > limits_.max_depth) {
      throw Error::Limit(fmt::format("nesting deeper than {} levels at {}", limits_.max_depth, path.substr(0, 200)));
    }
  }

  ordered_json Scalar(const Value* v) {
    switch (v->kind) {
      case Kind::kNone: return nullptr;
      case Kind::kBool: return v->boolean;
      case Kind::kInt: return v->is_big_int() ? ordered_json(v->IntDecimal()) : ordered_json(v->integer);
      case Kind::kFloat: return FloatJson(v->real);
      case Kind::kStr: return std::string(v->text);
      case Kind::kArray: return ArrayElement(*v->array, 0);
      default: return nullptr;
    }
  }

  ordered_json Describe(const Value* v, const std::string& path, std::size_t depth) {
    CheckDepth(depth, path);
    // Containers shared through the memo are described once; later references point back to the
    // first, so a "billion laughs" of nested shared lists stays linear in the graph's size.
    bool container = v->kind == Kind::kList || v->kind == Kind::kTuple || v->kind == Kind::kDict || v->kind == Kind::kSet ||
                     v->kind == Kind::kFrozenSet;
    if (container && (v->items.size() + v->entries.size()) > 0) {
      auto [it, fresh] = seen_containers_.emplace(v, path);
      if (!fresh) return {{"type", "ref"}, {"path", it->second}};
    }
    if (++described_ > kMaxDescribed) {
      if (described_ == kMaxDescribed + 1) truncated = true;
      return {{"type", "truncated"}};
    }
    if (IsScalar(v)) {
      if (v->kind == Kind::kArray) return {{"type", "numpy." + v->array->dtype.Name()}, {"value", Scalar(v)}};
      return Scalar(v);
    }
    switch (v->kind) {
      case Kind::kComplex: return {{"type", "complex"}, {"real", FloatJson(v->real)}, {"imag", FloatJson(v->imag)}};
      case Kind::kBytes:
      case Kind::kByteArray: return {{"type", KindName(v->kind)}, {"length", v->text.size()}};
      case Kind::kPickleBuffer: return {{"type", "out-of-band-buffer"}, {"index", v->integer}};
      case Kind::kGlobal: return {{"type", "global"}, {"path", v->GlobalPath()}};
      case Kind::kArray: return DescribeArray(*v->array, path, depth);
      case Kind::kList:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kFrozenSet: return DescribeSequence(v, path, depth);
      case Kind::kDict: return DescribeDict(v, path, depth);
      case Kind::kObject: return DescribeObject(v, path, depth);
      default: return nullptr;
    }
  }

  ordered_json DescribeArray(const NdArray& a, const std::string& path, std::size_t depth) {
    ordered_json j = {{"type", "ndarray"}, {"dtype", a.dtype.IsStructured() ? a.dtype.Str() : a.dtype.Name()}, {"shape", a.shape}};
    if (a.fortran_order && a.ndim() > 1) j["order"] = "F";
    if (a.stored_byteorder == '>') j["stored_byteorder"] = "big";
    std::int64_t n = a.size();
    if (a.dtype.kind == DTypeKind::kObject) {
      if (n <= static_cast<std::int64_t>(kMaxInlineItems) && std::all_of(a.objects.begin(), a.objects.end(), [](const Value* o) { return IsScalar(o); })) {
        ordered_json values = ordered_json::array();
        for (const Value* o : a.objects) values.push_back(Scalar(o));
        j["values"] = values;
      } else {
        // Object arrays may hold estimators (e.g. GradientBoosting's estimators_): walk them.
        std::size_t shown = 0;
        for (std::size_t i = 0; i < a.objects.size(); ++i) {
          const Value* o = a.objects[i];
          if (o->kind == Kind::kObject && shown++ < 1) Describe(o, fmt::format("{}[{}]", path, i), depth + 1);
        }
      }
    } else if (n <= static_cast<std::int64_t>(kMaxInlineItems) && !a.dtype.IsStructured() && a.dtype.kind != DTypeKind::kVoid) {
      ordered_json values = ordered_json::array();
      for (std::int64_t i = 0; i < n; ++i) values.push_back(ArrayElement(a, i));
      j["values"] = values;
    }
    return j;
  }

  ordered_json DescribeSequence(const Value* v, const std::string& path, std::size_t depth) {
    const auto& items = v->items;
    if (items.size() <= kMaxInlineItems && std::all_of(items.begin(), items.end(), IsScalar)) {
      ordered_json arr = ordered_json::array();
      for (const Value* i : items) arr.push_back(Scalar(i));
      if (v->kind == Kind::kList) return arr;
      return {{"type", KindName(v->kind)}, {"values", arr}};
    }
    // Many objects of one class (forest trees): describe the first, count the rest.
    if (items.size() > kCollapseSameClass && items[0]->kind == Kind::kObject &&
        std::all_of(items.begin(), items.end(), [&](const Value* i) { return i->GlobalPath() == items[0]->GlobalPath(); })) {
      return {{"type", KindName(v->kind)}, {"length", items.size()}, {"item_class", items[0]->GlobalPath()},
              {"first", Describe(items[0], path + "[0]", depth + 1)}};
    }
    ordered_json arr = ordered_json::array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Value* item = items[i];
      // (name, estimator) pairs of Pipeline.steps, ColumnTransformer.transformers ...
      if (item->kind == Kind::kTuple && item->items.size() >= 2 && item->items[0]->kind == Kind::kStr &&
          item->items[1]->kind == Kind::kObject) {
        std::string sub = fmt::format("{}[{}].{}", path, i, item->items[0]->text);
        ordered_json t = ordered_json::array();
        t.push_back(std::string(item->items[0]->text));
        for (std::size_t k = 1; k < item->items.size(); ++k) t.push_back(Describe(item->items[k], k == 1 ? sub : fmt::format("{}[{}][{}]", path, i, k), depth + 1));
        arr.push_back(t);
      } else {
        arr.push_back(Describe(item, fmt::format("{}[{}]", path, i), depth + 1));
      }
      if (i + 1 == 200 && items.size() > 200) {
        arr.push_back(fmt::format("... {} more", items.size() - 200));
        break;
      }
    }
    if (v->kind == Kind::kList) return arr;
    return {{"type", KindName(v->kind)}, {"values", arr}};
  }

  ordered_json DescribeDict(const Value* v, const std::string& path, std::size_t depth) {
    if (v->entries.size() > kMaxDictItems) {
      ordered_json keys = ordered_json::array();
      for (std::size_t i = 0; i < 5 && i < v->entries.size(); ++i) keys.push_back(v->entries[i].first->Repr(40));
      return {{"type", "dict"}, {"length", v->entries.size()}, {"sample_keys", keys}};
    }
    ordered_json j = ordered_json::object();
    for (const auto& [k, val] : v->entries) {
      std::string key = k->is_text() ? std::string(k->text) : k->Repr(40);
      j[key] = Describe(val, fmt::format("{}['{}']", path, key), depth + 1);
    }
    return j;
  }

  ordered_json DescribeObject(const Value* v, const std::string& path, std::size_t depth) {
    if (auto it = seen_.find(v); it != seen_.end()) return {{"type", "ref"}, {"path", it->second}};
    seen_.emplace(v, path);
    std::string cls = v->GlobalPath();
    if (cls.empty()) cls = "<callable " + v->object->callable->Repr(40) + ">";
    ordered_json entry = {{"path", path}, {"class", cls}};
    const Value* state = v->object->state;
    bool sklearn = cls.starts_with("sklearn.");
    if (v->object->args && !v->object->args->items.empty()) entry["args"] = Describe(v->object->args, path + ".__args__", depth + 1);
    std::size_t index = estimators.size();
    estimators.push_back(entry);
    ordered_json params = ordered_json::object(), fitted = ordered_json::object(), internal = ordered_json::object();
    std::string version;
    if (state && state->kind == Kind::kDict) {
      for (const auto& [k, val] : state->entries) {
        if (!k->is_text()) continue;
        std::string key(k->text);
        if (key == "_sklearn_version" && val->is_text()) {
          version = std::string(val->text);
          continue;
        }
        ordered_json d = Describe(val, path + "." + key, depth + 1);
        if (!key.empty() && key[0] == '_') internal[key] = d;
        else if (!key.empty() && key.back() == '_') fitted[key] = d;
        else params[key] = d;
      }
    } else if (state) {
      entry["state"] = Describe(state, path + ".__state__", depth + 1);
    }
    if (!v->object->dict_items.empty()) entry["dict_items"] = v->object->dict_items.size();
    if (!v->object->list_items.empty()) entry["list_items"] = v->object->list_items.size();
    // scikit-learn 1.4 changed what tree_.value means (counts -> fractions) and stopped normalising:
    // a classifier tree written before 1.4 silently gives different probabilities in >= 1.4.
    if (!version.empty() && (cls.ends_with(".DecisionTreeClassifier") || cls.ends_with(".ExtraTreeClassifier"))) {
      auto v = Version::Parse(version);
      if (v && *v < Version{1, 4, 0}) tree_counts_paths.push_back(path);
    }
    // Only BaseEstimator subclasses record _sklearn_version (Cython helpers such as Tree do not).
    if (!version.empty()) {
      entry["sklearn_version"] = version;
      sklearn_versions.insert(version);
    } else if (sklearn) {
      saw_unversioned_sklearn = true;
    }
    if (!params.empty()) entry["params"] = params;
    if (!fitted.empty()) entry["fitted"] = fitted;
    if (!internal.empty()) entry["internal"] = internal;
    estimators[index] = entry;
    return {{"type", "object"}, {"class", cls}, {"path", path}};
  }

  const Limits& limits_;
  std::unordered_map<const Value*, std::string> seen_;
  std::unordered_map<const Value*, std::string> seen_containers_;
  std::size_t described_ = 0;
  static constexpr std::size_t kMaxDescribed = 1'000'000;  // bounds the report of a huge graph
};

std::string NumpyGeneration(const std::vector<GlobalRef>& globals, std::vector<std::string>* evidence) {
  bool v1 = false, v2 = false;
  for (const auto& g : globals) {
    if (g.module.starts_with("numpy._core")) { v2 = true; evidence->push_back(g.Path()); }
    else if (g.module.starts_with("numpy.core")) { v1 = true; evidence->push_back(g.Path()); }
  }
  if (v1 && v2) return "mixed";
  if (v2) return "2.x";
  if (v1) return "1.x";
  return "unknown";
}

std::string HumanSize(std::uint64_t n) {
  if (n < 10 * 1024) return fmt::format("{} bytes", n);
  if (n < 10 * 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{:.1f} MiB", n / (1024.0 * 1024.0));
}

std::string Inline(const ordered_json& d) {
  if (d.is_object() && d.contains("type")) {
    std::string t = d["type"];
    if (t == "ndarray") {
      std::string shape = "(";
      for (std::size_t i = 0; i < d["shape"].size(); ++i) shape += (i ? ", " : "") + d["shape"][i].dump();
      if (d["shape"].size() == 1) shape += ",";
      shape += ")";
      std::string s = fmt::format("{} {}", d["dtype"].get<std::string>(), shape);
      if (d.contains("values") && d["values"].dump().size() < 60) s += " " + d["values"].dump();
      return s;
    }
    if (t == "object") return "<" + d["class"].get<std::string>() + ">";
    if (t == "ref") return "-> " + d["path"].get<std::string>();
    if (t == "global") return d["path"].get<std::string>();
    if (d.contains("length")) return fmt::format("{} of {}", t, d["length"].dump());
    if (d.contains("value")) return d["value"].dump();
  }
  bool pairs = d.is_array() && !d.empty() && std::all_of(d.begin(), d.end(), [](const ordered_json& p) {
                 return p.is_array() && p.size() >= 2 && p[0].is_string();
               });
  if (pairs) {
    std::string s = "[";  // (name, estimator) pairs
    for (const auto& pair : d) s += (s.size() > 1 ? ", " : "") + pair[0].get<std::string>() + ": " + Inline(pair[1]);
    return s + "]";
  }
  std::string s = d.dump();
  if (s.size() > 70) s = s.substr(0, 67) + "...";
  return s;
}

std::string RenderText(const ordered_json& r) {
  std::string out;
  const auto& f = r["file"];
  out += fmt::format("file        {}\n", f["path"].get<std::string>());
  out += fmt::format("size        {} ({} bytes)", HumanSize(f["size"]), f["size"].dump());
  if (f["compressor"] != "none") out += fmt::format(", {} decompressed", HumanSize(f["stream_size"]));
  out += fmt::format("\nsha256      {}\n", f["sha256"].get<std::string>());
  out += fmt::format("container   {}{}, pickle protocol {}\n", f["container"].get<std::string>(),
                     f["compressor"] == "none" ? "" : ", " + f["compressor"].get<std::string>() + "-compressed",
                     f["protocol"].dump());
  for (const auto& s : f["side_files"]) out += fmt::format("side file   {}\n", s.get<std::string>());
  const auto& v = r["versions"];
  std::string sk;
  for (const auto& x : v["sklearn"]) sk += (sk.empty() ? "" : ", ") + x.get<std::string>();
  out += fmt::format("versions    scikit-learn {} · numpy {}\n", sk.empty() ? "none recorded" : sk, v["numpy_generation"].get<std::string>());
  out += fmt::format("root        {}\n", Inline(r["root"]));
  out += "\nestimators\n";
  for (const auto& e : r["estimators"]) {
    std::string ver = e.contains("sklearn_version") ? "  [" + e["sklearn_version"].get<std::string>() + "]" : "";
    out += fmt::format("  {}  {}{}\n", e["path"].get<std::string>(), e["class"].get<std::string>(), ver);
    for (const char* group : {"params", "fitted"}) {
      if (!e.contains(group)) continue;
      std::string line;
      bool first = true;
      auto flush = [&] {
        out += fmt::format("      {:<7} {}\n", first ? group : "", line);
        first = false;
        line.clear();
      };
      for (const auto& [k, val] : e[group].items()) {
        std::string item = k + "=" + Inline(val);
        if (!line.empty() && line.size() + item.size() > 96) flush();
        line += (line.empty() ? "" : ", ") + item;
      }
      if (!line.empty()) flush();
    }
  }
  out += fmt::format("\nglobals ({})\n", r["globals"].size());
  for (const auto& g : r["globals"]) {
    out += fmt::format("  {:<9} {}{}\n", g["safety"].get<std::string>(), g["path"].get<std::string>(),
                       g["called"].get<bool>() ? "  (called at load)" : "");
  }
  if (!r["findings"].empty()) {
    out += "\nfindings\n";
    for (const auto& x : r["findings"]) {
      out += fmt::format("  {:<8} {}\n", x["severity"].get<std::string>(), x["message"].get<std::string>());
    }
  }
  return out;
}

}  // namespace

InspectReport Inspect(const ModelFile& file, const Limits& limits) {
  ordered_json r;
  r["schema"] = "skbridge.inspect/1";
  r["file"] = {{"path", file.path},
               {"size", file.file_size},
               {"sha256", file.sha256},
               {"container", ContainerName(file.container)},
               {"compressor", CompressorName(file.compressor)},
               {"stream_size", file.stream_size},
               {"protocol", file.protocol},
               {"max_protocol", file.max_protocol},
               {"side_files", file.side_files},
               {"missing_side_files", file.missing_side_files}};
  Walker walker(limits);
  walker.VisitRoot(file.graph.root);
  // scikit-learn objects without any recorded version come from scikit-learn before 0.18.
  if (walker.sklearn_versions.empty() && walker.saw_unversioned_sklearn) walker.sklearn_versions.insert("pre-0.18");
  std::vector<std::string> numpy_evidence;
  std::string numpy_generation = NumpyGeneration(file.globals, &numpy_evidence);
  r["versions"] = {{"sklearn", std::vector<std::string>(walker.sklearn_versions.begin(), walker.sklearn_versions.end())},
                   {"numpy_generation", numpy_generation},
                   {"numpy_evidence", numpy_evidence.size() > 3 ? std::vector<std::string>(numpy_evidence.begin(), numpy_evidence.begin() + 3) : numpy_evidence}};
  r["root"] = walker.root_description_;
  r["estimators"] = walker.estimators;
  ordered_json globals = ordered_json::array();
  ordered_json findings = ordered_json::array();
  InspectReport report;
  for (const auto& g : file.globals) {
    globals.push_back({{"module", g.module}, {"name", g.name}, {"path", g.Path()}, {"safety", GlobalSafetyName(g.safety)},
                       {"called", g.called}, {"uses", g.uses}, {"first_offset", g.first_offset}});
    if (g.safety == GlobalSafety::kDangerous) {
      report.has_dangerous_globals = true;
      findings.push_back({{"severity", "danger"}, {"code", "dangerous-global"}, {"global", g.Path()}, {"offset", g.first_offset},
                          {"message", fmt::format("{} is a known code-execution gadget{} (first at offset 0x{:x}); skbridge never runs it, "
                                                  "but Python's pickle would",
                                                  g.Path(), g.called ? ", called at load" : "", g.first_offset)}});
    } else if (g.safety == GlobalSafety::kUnknown) {
      report.has_unknown_globals = true;
      findings.push_back({{"severity", "unknown"}, {"code", "unknown-global"}, {"global", g.Path()}, {"offset", g.first_offset},
                          {"message", fmt::format("{} is not on skbridge's allowlist of data-only names{} (first at offset 0x{:x}); "
                                                  "Python's pickle would import{} it",
                                                  g.Path(), g.called ? ", called at load" : "", g.first_offset, g.called ? " and call" : "")}});
    }
  }
  if (!walker.tree_counts_paths.empty()) {
    const auto& paths = walker.tree_counts_paths;
    findings.push_back({{"severity", "warning"}, {"code", "tree-values-are-counts"}, {"path", paths.front()}, {"count", paths.size()},
                        {"message", fmt::format("{}{}: classifier tree values are weighted counts (written before scikit-learn 1.4); "
                                                "scikit-learn >= 1.4 reads them as fractions and would silently return unnormalised "
                                                "probabilities (skbridge predict normalises them as the writing version did)",
                                                paths.front(), paths.size() > 1 ? fmt::format(" and {} more trees", paths.size() - 1) : "")}});
  }
  if (walker.truncated) {
    findings.push_back({{"severity", "warning"}, {"code", "report-truncated"},
                        {"message", "the value graph is too large to describe in full; the report stops after a million values"}});
  }
  for (const auto& m : file.missing_side_files) {
    findings.push_back({{"severity", "warning"}, {"code", "missing-side-file"}, {"file", m},
                        {"message", fmt::format("side file {} is missing: the array it holds cannot be read", m)}});
  }
  r["globals"] = globals;
  r["findings"] = findings;
  report.json = r.dump(2);
  report.text = RenderText(r);
  return report;
}

}  // namespace skbridge
