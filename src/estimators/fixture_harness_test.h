// Shared harness of the estimator family tests: where the fixtures live, iterating a version's
// manifest, loading a case's model, reading the outputs real scikit-learn recorded, and comparing
// them with skbridge's while tracking the worst relative error. Each family's test file keeps only
// which cases it runs and how its family must match.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/io.h"
#include "skbridge/error.h"
#include "skbridge/model.h"
#include "skbridge/table_io.h"

namespace skbridge::testing {

// --- where the fixtures are ----------------------------------------------------------------------

// The scikit-learn versions tests/fixtures holds a corpus for.
inline constexpr const char* kFixtureVersions[] = {"0.23.2", "1.2.1", "1.4.2", "1.9.0"};

inline std::filesystem::path SourceDir() {
  const char* env = std::getenv("SKBRIDGE_SOURCE_DIR");
  return env ? env : SKBRIDGE_SOURCE_DIR;
}

inline std::filesystem::path FixtureDir(const std::string& version) { return SourceDir() / "tests" / "fixtures" / version; }

inline std::string Fixture(const std::string& version, const std::string& file) { return (FixtureDir(version) / file).string(); }

/// The recorded input `dataset` of a version (tests/fixtures/<version>/inputs/<dataset>.npy).
inline Table FixtureInput(const std::string& version, const std::string& dataset) {
  return TableFromNpy(Fixture(version, "inputs/" + dataset + ".npy"));
}

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The columns `names` of the CSV at `path` (all when empty).
inline Table CsvInput(const std::filesystem::path& path, const std::vector<std::string>& names = {}) {
  Table t = ParseCsv(ReadText(path), path.string());
  if (names.empty()) return t;
  std::vector<std::size_t> idx;
  for (const auto& n : names) {
    auto it = std::find(t.names.begin(), t.names.end(), n);
    if (it == t.names.end()) throw std::runtime_error("no column " + n);
    idx.push_back(static_cast<std::size_t>(it - t.names.begin()));
  }
  return t.Select(idx);
}

// --- the manifest and the models ---------------------------------------------------------------------

/// Calls `run(version, case)` for every case of every version's manifest.json that `wanted`
/// accepts; stops at the first fatal failure, as an ASSERT in the test body would.
inline void ForEachManifestCase(const std::function<bool(const nlohmann::json&)>& wanted,
                                const std::function<void(const std::string&, const nlohmann::json&)>& run) {
  for (const char* version : kFixtureVersions) {
    std::ifstream in(FixtureDir(version) / "manifest.json");
    if (!in) {
      ADD_FAILURE() << "no manifest.json for " << version;
      continue;
    }
    const nlohmann::json manifest = nlohmann::json::parse(in);
    for (const auto& c : manifest["cases"]) {
      if (!wanted(c)) continue;
      run(version, c);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

/// A case's model file in one version's corpus.
struct FixtureFile {
  std::string version;
  std::string path;
};

/// The files <name><extension> of every version whose corpus has them: a case missing from a
/// version is an estimator that version does not have, not a failure.
inline std::vector<FixtureFile> FixtureFilesOf(const std::string& name, const std::vector<std::string>& extensions) {
  std::vector<FixtureFile> files;
  for (const char* version : kFixtureVersions) {
    for (const auto& extension : extensions) {
      std::string path = Fixture(version, name + extension);
      if (std::filesystem::exists(path)) files.push_back({version, path});
    }
  }
  return files;
}

/// The model of a fixture file, or nullptr after a failure naming why it did not load (so one
/// broken file does not hide the others).
inline std::shared_ptr<const Model> LoadFixtureModel(const std::string& version, const std::string& file) {
  try {
    return Model::Load(Fixture(version, file));
  } catch (const Error& e) {
    ADD_FAILURE() << e.Describe();
    return nullptr;
  }
}

// --- recorded outputs ----------------------------------------------------------------------------

/// A recorded numeric output, flattened row-major.
inline std::vector<double> RecordedValues(const std::string& version, const std::string& file) {
  return TableFromNpy(Fixture(version, file)).dense;
}

/// A recorded output in skbridge's layout: numbers, or texts for string labels; stacked
/// multi-output (n_outputs, rows, k) arrays become rows x (n_outputs * k).
struct RecordedOutput {
  std::vector<std::int64_t> shape;
  std::vector<double> numbers;
  std::vector<std::string> texts;

  std::size_t rows() const { return static_cast<std::size_t>(shape.size() == 3 ? shape[1] : shape.empty() ? 1 : shape[0]); }
};

inline std::string Utf32ToString(const std::byte* p, std::int64_t chars) {
  std::string s;
  for (std::int64_t k = 0; k < chars; ++k) {
    char32_t cp;
    std::memcpy(&cp, p + 4 * k, 4);
    if (!cp) break;
    s.push_back(static_cast<char>(cp));
  }
  return s;
}

inline RecordedOutput LoadRecordedOutput(const std::string& path) {
  auto a = io::ReadNpyFile(path);
  RecordedOutput r;
  r.shape = a->shape;
  if (a->dtype.kind == DTypeKind::kUnicode) {
    for (std::int64_t i = 0; i < a->size(); ++i) r.texts.push_back(Utf32ToString(a->data + i * a->dtype.itemsize, a->dtype.itemsize / 4));
    return r;
  }
  std::vector<double> flat;
  if (a->dtype.kind == DTypeKind::kBool) {
    for (std::int64_t i = 0; i < a->size(); ++i) flat.push_back(std::to_integer<int>(a->data[i]) != 0);
  } else if (a->shape.size() <= 2) {
    flat = TableFromNpy(path).dense;
  } else {
    // float64 3-d: TableFromNpy reads tables only.
    flat.resize(static_cast<std::size_t>(a->size()));
    std::memcpy(flat.data(), a->data, flat.size() * 8);
  }
  if (r.shape.size() == 3) {
    std::size_t o = r.shape[0], rows = r.shape[1], k = r.shape[2];
    r.numbers.resize(flat.size());
    for (std::size_t q = 0; q < o; ++q)
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < k; ++j) r.numbers[i * o * k + q * k + j] = flat[(q * rows + i) * k + j];
  } else {
    r.numbers = std::move(flat);
  }
  return r;
}

// --- comparing ----------------------------------------------------------------------------------------

/// How close a float must be to the recorded one: within `relative` of the larger magnitude, or
/// within `absolute` (differences that small are rounding around zero).
struct Tolerance {
  double relative = 1e-9;
  double absolute = 1e-13;
};

/// The relative error of `got` against `want`; 0 when they agree within the absolute floor, or
/// are both NaN (a recorded NaN reproduced).
inline double RelativeError(double got, double want, double absolute) {
  if (got == want || (std::isnan(got) && std::isnan(want))) return 0;
  double d = std::fabs(got - want);
  if (d <= absolute) return 0;
  return d / std::max(std::fabs(got), std::fabs(want));
}

inline bool WithinTolerance(double got, double want, const Tolerance& tol) {
  if (got == want || (std::isnan(got) && std::isnan(want))) return true;
  double d = std::fabs(got - want);
  return d <= tol.absolute || d <= tol.relative * std::max(std::fabs(got), std::fabs(want));
}

/// The worst relative error seen over a test, and where it was.
struct WorstError {
  double value = 0;
  std::string where;

  void Note(double error, const std::string& at) {
    if (error <= value) return;
    value = error;
    where = at;
  }
};

/// Every element of `got` against `want`; fails naming the first mismatch and how many there were.
/// `what` names the output in the failure and in `worst`.
inline ::testing::AssertionResult ValuesMatch(const std::vector<double>& got, const std::vector<double>& want, const Tolerance& tol = {},
                                             WorstError* worst = nullptr, const std::string& what = "") {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << what << " size " << got.size() << " != recorded " << want.size();
  std::size_t mismatches = 0;
  std::string first;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (worst) worst->Note(RelativeError(got[i], want[i], tol.absolute), fmt::format("{} element {}", what, i));
    if (WithinTolerance(got[i], want[i], tol)) continue;
    if (mismatches++ == 0) first = fmt::format("element {}: got {:.17g}, recorded {:.17g}", i, got[i], want[i]);
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << " " << first << " (" << mismatches << " of " << got.size() << " elements differ)";
}

/// An output against a recorded one: the same number of rows, labels equal (as texts, or as
/// numbers), float values within `tol`. Fails naming the first mismatch and how many there were.
inline ::testing::AssertionResult OutputMatches(const Output& got, const RecordedOutput& want, const Tolerance& tol = {},
                                               WorstError* worst = nullptr, const std::string& what = "") {
  std::size_t n = want.texts.empty() ? want.numbers.size() : want.texts.size();
  std::size_t got_n = got.labels ? got.labels->size() : got.values.size();
  if (got_n != n) return ::testing::AssertionFailure() << what << " size " << got_n << " != recorded " << n;
  if (got.rows != want.rows()) return ::testing::AssertionFailure() << what << " rows " << got.rows << " != recorded " << want.rows();
  if (!got.labels) {
    if (!want.texts.empty()) return ::testing::AssertionFailure() << what << " numbers where labels were recorded";
    return ValuesMatch(got.values, want.numbers, tol, worst, what);
  }
  const Labels& l = *got.labels;
  if (want.texts.empty() && l.type == Labels::Type::kString)
    return ::testing::AssertionFailure() << what << " string labels where numbers were recorded";
  std::size_t mismatches = 0;
  std::string first;
  for (std::size_t i = 0; i < n; ++i) {
    if (!want.texts.empty()) {
      if (l.Text(i) == want.texts[i]) continue;
      if (mismatches++ == 0) first = fmt::format("label {}: {} != {}", i, l.Text(i), want.texts[i]);
      continue;
    }
    double g = l.type == Labels::Type::kFloat ? l.floats[i] : static_cast<double>(l.ints[i]);
    if (g == want.numbers[i]) continue;
    if (mismatches++ == 0) first = fmt::format("label {}: {} != {}", i, g, want.numbers[i]);
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << " " << first << " (" << mismatches << " of " << n << " labels differ)";
}

// --- editing a decoded graph (broken states, other versions' rules) ---------------------------------

/// The state dict of an object, editable: the test owns the ModelFile.
inline Value* StateOf(const Value* object) { return const_cast<Value*>(object->State()); }
inline Value* RootState(ModelFile& f) { return StateOf(f.graph.root); }

/// Replaces (or, with nullptr, removes) attribute `name` of a state dict; adds it when absent and
/// a graph to hold its name is given.
inline void SetAttr(Value* state, std::string_view name, const Value* v, Graph* g = nullptr) {
  auto& e = state->entries;
  for (auto it = e.begin(); it != e.end(); ++it) {
    if (it->first->is_text() && it->first->text == name) {
      if (v) it->second = v;
      else e.erase(it);
      return;
    }
  }
  ASSERT_TRUE(g) << "no attribute " << name;
  Value* k = g->New(Kind::kStr);
  k->text = g->Store(std::string(name));
  e.emplace_back(k, v);
}

/// An array value of `kind` holding `values`; 1-d unless `shape` is given.
template <class T>
const Value* NewArray(Graph& g, std::vector<T> values, DTypeKind kind, std::vector<std::int64_t> shape = {}) {
  Value* v = g.New(Kind::kArray);
  auto a = std::make_shared<NdArray>();
  a->dtype.kind = kind;
  a->dtype.itemsize = sizeof(T);
  a->shape = shape.empty() ? std::vector<std::int64_t>{static_cast<std::int64_t>(values.size())} : shape;
  auto owned = std::make_shared<std::vector<T>>(std::move(values));
  a->data = reinterpret_cast<const std::byte*>(owned->data());
  a->nbytes = owned->size() * sizeof(T);
  a->owner = owned;
  v->array = a;
  return v;
}

inline const Value* NewFloats(Graph& g, std::vector<double> values, std::vector<std::int64_t> shape = {}) {
  return NewArray(g, std::move(values), DTypeKind::kFloat, std::move(shape));
}

inline const Value* NewStr(Graph& g, std::string_view s) {
  Value* v = g.New(Kind::kStr);
  v->text = g.Store(std::string(s));
  return v;
}

inline const Value* NewInt(Graph& g, std::int64_t i) {
  Value* v = g.New(Kind::kInt);
  v->integer = i;
  return v;
}

inline const Value* NewFloat(Graph& g, double d) {
  Value* v = g.New(Kind::kFloat);
  v->real = d;
  return v;
}

/// The message typing the edited file fails with, or "(no error)".
inline std::string LoadError(ModelFile f) {
  try {
    Model::FromFile(std::move(f));
  } catch (const Error& e) {
    return e.message();
  }
  return "(no error)";
}

// --- the extra models of tests/data/compose ---------------------------------------------------------

/// Compares `got` with the .npy at `path`; returns the worst relative error (labels: 0) or fails.
inline double ExpectMatchesNpy(const Output& got, const std::filesystem::path& path, const std::string& what) {
  RecordedOutput want = LoadRecordedOutput(path.string());
  std::size_t cols = want.shape.size() >= 2 ? static_cast<std::size_t>(want.shape[1]) : 0;
  EXPECT_EQ(got.rows, want.rows()) << what;
  EXPECT_TRUE(got.cols == cols || (cols == 1 && got.cols == 0)) << what << ": got " << got.cols << " columns, recorded " << cols;
  WorstError worst;
  EXPECT_TRUE(OutputMatches(got, want, {}, &worst, what));
  return worst.value;
}

/// tests/data/compose/<version>/<file>: the extra models (and their inputs) that
/// tests/data/compose/make_models.py writes in each real scikit-learn.
inline std::string ComposeDataFile(const std::string& version, const std::string& file) {
  return (SourceDir() / "tests" / "data" / "compose" / version / file).string();
}

/// Runs every case of tests/data/compose/<version>/cases.json whose name starts with one of
/// `prefixes`; returns how many ran.
inline int RunFamilyCases(const std::vector<std::string>& prefixes, double* worst) {
  namespace fs = std::filesystem;
  int ran = 0;
  fs::path root = SourceDir() / "tests" / "data" / "compose";
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!fs::exists(dir.path() / "cases.json")) continue;
    auto manifest = nlohmann::json::parse(ReadText(dir.path() / "cases.json"));
    for (const auto& c : manifest["cases"]) {
      std::string name = c["name"];
      bool match = false;
      for (const auto& p : prefixes) match |= name.starts_with(p);
      if (!match) continue;
      std::string where = dir.path().filename().string() + "/" + name;
      SCOPED_TRACE(where);
      std::vector<std::string> cols;
      if (c.contains("columns") && !c["columns"].is_null()) cols = c["columns"].get<std::vector<std::string>>();
      Table input = CsvInput(dir.path() / "inputs" / c["csv"].get<std::string>(), cols);
      if (c.contains("error")) {
        std::string want = c["error"];
        try {
          auto model = Model::Load((dir.path() / (name + ".pkl")).string());
          model->Run(model->methods().front(), input);
          ADD_FAILURE() << where << ": expected an error containing \"" << want << "\"";
        } catch (const Error& e) {
          EXPECT_NE(e.message().find(want), std::string::npos) << where << ": " << e.message();
        }
        ++ran;
        continue;
      }
      auto model = Model::Load((dir.path() / (name + ".pkl")).string());
      for (const auto& m : c["methods"]) {
        auto method = ParseMethod(m.get<std::string>());
        EXPECT_TRUE(model->Has(*method)) << where << " " << m;
        Output out = model->Run(*method, input);
        *worst = std::max(*worst, ExpectMatchesNpy(out, dir.path() / (name + "." + m.get<std::string>() + ".npy"), where + "." + m.get<std::string>()));
      }
      ++ran;
    }
  }
  return ran;
}

}  // namespace skbridge::testing
