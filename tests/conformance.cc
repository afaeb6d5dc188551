// The conformance runner: for every fixture written by real scikit-learn (tests/fixtures/<version>/
// manifest.json), check that every file of the case reads, that inspect reports the version that
// wrote it, and that native predictions equal the recorded outputs (labels equal, floats within
// 1e-9 relative). Estimators skbridge does not support yet are named skips. Prints a table
// estimator x version and the worst relative error, and ends with "N passed, N failed, N skipped".
//
//   conformance [--fixtures DIR] [--filter REGEX] [--version V] [--verbose]
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "io/io.h"
#include "skbridge/inspect.h"
#include "skbridge/model.h"
#include "skbridge/table_io.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace skbridge;

namespace {

constexpr double kRelTol = 1e-9;
constexpr double kAbsFloor = 1e-13;  // values that are zero up to rounding (documented in docs/conformance.md)

enum class Verdict { kPass, kFail, kUnsupported };

struct CaseResult {
  Verdict verdict = Verdict::kPass;
  std::string note;
  double worst = 0;
};

json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

// Expected output as doubles, or as label texts for string arrays.
struct Expected {
  std::vector<std::int64_t> shape;
  std::vector<double> numbers;
  std::vector<std::string> texts;
  bool is_text = false;
};

Expected LoadExpected(const fs::path& p) {
  auto a = io::ReadNpyFile(p.string());
  Expected e;
  e.shape = a->shape;
  if (a->dtype.kind == DTypeKind::kUnicode) {
    e.is_text = true;
    for (std::int64_t i = 0; i < a->size(); ++i) e.texts.push_back(a->UnicodeAt(i));
    return e;
  }
  if (a->ndim() == 3) {
    // Multi-output predict_proba, recorded stacked as (n_outputs, n_rows, n_classes); skbridge
    // returns one row per sample with the outputs side by side: (n_rows, n_outputs * n_classes).
    if (a->dtype.kind != DTypeKind::kFloat || a->dtype.itemsize != 8 || a->fortran_order) throw Error::InvalidInput(p.string() + ": unexpected 3-d output layout");
    std::int64_t o = a->shape[0], n = a->shape[1], c = a->shape[2];
    auto v = a->view<double>();
    e.shape = {n, o * c};
    e.numbers.resize(static_cast<std::size_t>(n * o * c));
    for (std::int64_t k = 0; k < o; ++k)
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t j = 0; j < c; ++j) e.numbers[static_cast<std::size_t>(r * o * c + k * c + j)] = v[static_cast<std::size_t>((k * n + r) * c + j)];
    return e;
  }
  Table t = TableFromNpy(p.string());
  e.numbers = t.dense;
  return e;
}

double RelErr(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (a == b) return 0;
  double d = std::fabs(a - b);
  if (d <= kAbsFloor) return 0;
  return d / std::max(std::fabs(a), std::fabs(b));
}

// Compares one output; returns an empty string when equal (and updates *worst).
std::string Compare(const Output& got, const Expected& want, double* worst) {
  std::size_t want_rows = want.shape.empty() ? 1 : static_cast<std::size_t>(want.shape[0]);
  std::size_t want_cols = want.shape.size() >= 2 ? static_cast<std::size_t>(want.shape[1]) : 0;
  if (want.shape.size() > 2) return fmt::format("recorded output has {} dimensions", want.shape.size());
  if (got.rows != want_rows || (got.cols != want_cols && !(want_cols == 1 && got.cols == 0) && !(want_cols == 0 && got.cols == 1))) {
    return fmt::format("shape: got ({}, {}), recorded ({}, {})", got.rows, got.cols, want_rows, want_cols);
  }
  std::size_t n = want.is_text ? want.texts.size() : want.numbers.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (want.is_text) {
      if (!got.labels) return "got numbers, recorded labels";
      std::string g = got.labels->Text(i);
      if (g != want.texts[i]) return fmt::format("row {}: got '{}', recorded '{}'", i, g, want.texts[i]);
      continue;
    }
    double g;
    if (got.labels) {
      const Labels& l = *got.labels;
      if (l.type == Labels::Type::kString) return fmt::format("row {}: got label '{}', recorded a number", i, l.strings[i]);
      g = l.type == Labels::Type::kFloat ? l.floats[i] : static_cast<double>(l.ints[i]);
      if (g != want.numbers[i]) return fmt::format("row {}: got label {}, recorded {}", i, g, want.numbers[i]);
      continue;
    }
    g = got.values[i];
    double e = RelErr(g, want.numbers[i]);
    *worst = std::max(*worst, e);
    if (e > kRelTol) return fmt::format("element {}: got {:.17g}, recorded {:.17g} (relative error {:.3g})", i, g, want.numbers[i], e);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path fixtures = fs::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures";
  std::string filter = ".*", only_version;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fixtures" && i + 1 < argc) fixtures = argv[++i];
    else if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "--version" && i + 1 < argc) only_version = argv[++i];
    else if (a == "--verbose" || a == "-v") verbose = true;
    else {
      std::fprintf(stderr, "usage: conformance [--fixtures DIR] [--filter REGEX] [--version V] [--verbose]\n");
      return 2;
    }
  }
  std::regex re(filter);
  if (!fs::exists(fixtures)) {
    std::printf("conformance: no fixtures at %s\n", fixtures.c_str());
    return 1;
  }
  std::vector<std::string> versions;
  for (const auto& d : fs::directory_iterator(fixtures)) {
    if (fs::exists(d.path() / "manifest.json") && (only_version.empty() || d.path().filename() == only_version)) {
      versions.push_back(d.path().filename().string());
    }
  }
  std::sort(versions.begin(), versions.end(), [](const std::string& a, const std::string& b) {
    auto key = [](const std::string& v) {
      std::vector<int> k;
      std::stringstream ss(v);
      std::string part;
      while (std::getline(ss, part, '.')) k.push_back(std::atoi(part.c_str()));
      return k;
    };
    return key(a) < key(b);
  });
  std::map<std::string, std::map<std::string, CaseResult>> table;  // case -> version -> result
  std::size_t passed = 0, failed = 0, skipped = 0;
  double worst_overall = 0;
  std::string worst_where;
  std::vector<std::string> failures;
  for (const auto& version : versions) {
    fs::path dir = fixtures / version;
    json manifest = ReadJson(dir / "manifest.json");
    std::string sklearn = manifest["versions"]["sklearn"];
    for (const auto& c : manifest["cases"]) {
      std::string name = c["name"];
      if (!std::regex_search(name, re)) continue;
      CaseResult res;
      std::string dataset = c["dataset"];
      const json& ds = manifest["datasets"][dataset];
      try {
        Table input = ds.contains("npy") && !ds["npy"].is_null() && ds.value("kind", "numeric") == "numeric"
                          ? TableFromNpy((dir / ds["npy"].get<std::string>()).string())
                          : ReadTableFile((dir / ds["csv"].get<std::string>()).string());
        if (ds.contains("columns") && input.names.empty()) {
          for (const auto& col : ds["columns"]) input.names.push_back(col);
          if (input.names.size() != input.cols) input.names.clear();
        }
        for (const auto& f : c["files"]) {
          std::string file = (dir / f["path"].get<std::string>()).string();
          ModelFile mf = ReadModelFile(file);
          // inspect must report the version that wrote the file.
          json report = json::parse(Inspect(mf).json);
          std::vector<std::string> seen = report["versions"]["sklearn"];
          if (seen != std::vector<std::string>{sklearn}) {
            res.verdict = Verdict::kFail;
            res.note = fmt::format("{}: inspect reports versions {}, expected [{}]", f["path"].get<std::string>(), json(seen).dump(), sklearn);
            break;
          }
          std::shared_ptr<const Model> model;
          try {
            model = Model::FromFile(std::move(mf));
          } catch (const Error& e) {
            if (e.code() != ErrorCode::kUnsupported) throw;
            res.verdict = Verdict::kUnsupported;
            res.note = e.message();
            break;
          }
          for (const auto& [method_name, out] : c["outputs"].items()) {
            auto method = ParseMethod(method_name);
            if (!method) continue;  // kneighbors_* are not part of the model API (yet)
            if (!model->Has(*method)) {
              res.verdict = Verdict::kFail;
              res.note = fmt::format("{} lacks {}, which scikit-learn recorded", model->class_path(), method_name);
              break;
            }
            Output got = model->Run(*method, input);
            Expected want = LoadExpected(dir / out["path"].get<std::string>());
            double worst = 0;
            std::string diff = Compare(got, want, &worst);
            res.worst = std::max(res.worst, worst);
            if (!diff.empty()) {
              res.verdict = Verdict::kFail;
              res.note = fmt::format("{} {}: {}", f["path"].get<std::string>(), method_name, diff);
              break;
            }
          }
          if (res.verdict != Verdict::kPass) break;
        }
      } catch (const Error& e) {
        res.verdict = e.code() == ErrorCode::kUnsupported ? Verdict::kUnsupported : Verdict::kFail;
        res.note = e.Describe();
      } catch (const std::exception& e) {
        res.verdict = Verdict::kFail;
        res.note = std::string("exception: ") + e.what();
      }
      if (res.verdict == Verdict::kPass) ++passed;
      else if (res.verdict == Verdict::kFail) ++failed, failures.push_back(fmt::format("FAIL {} [{}]: {}", name, version, res.note));
      else ++skipped;
      if (res.worst > worst_overall) {
        worst_overall = res.worst;
        worst_where = fmt::format("{} [{}]", name, version);
      }
      if (verbose || res.verdict != Verdict::kPass) {
        if (verbose || res.verdict == Verdict::kFail)
          std::printf("%-6s %-48s %-7s %s\n", res.verdict == Verdict::kPass ? "pass" : res.verdict == Verdict::kFail ? "FAIL" : "skip",
                      name.c_str(), version.c_str(), res.note.c_str());
      }
      table[name][version] = res;
    }
  }
  // Summary table: case x version.
  std::printf("\n%-52s", "case");
  for (const auto& v : versions) std::printf(" %-11s", v.c_str());
  std::printf("\n");
  std::map<std::string, std::set<std::string>> unsupported;  // reason -> cases
  for (const auto& [name, row] : table) {
    std::printf("%-52s", name.c_str());
    for (const auto& v : versions) {
      auto it = row.find(v);
      const char* cell = it == row.end() ? "-" : it->second.verdict == Verdict::kPass ? "pass" : it->second.verdict == Verdict::kFail ? "FAIL" : "unsupported";
      std::printf(" %-11s", cell);
      if (it != row.end() && it->second.verdict == Verdict::kUnsupported) {
        std::string reason = it->second.note;
        auto colon = reason.find(": ");
        if (colon != std::string::npos) reason = reason.substr(colon + 2);
        // One line per estimator class, whatever version wrote it.
        if (auto w = reason.find(" (written by"); w != std::string::npos) reason = reason.substr(0, w) + reason.substr(reason.find(')', w) + 1);
        unsupported[reason].insert(name + "@" + v);
      }
    }
    std::printf("\n");
  }
  if (!unsupported.empty()) {
    std::printf("\nnamed skips (unsupported):\n");
    for (const auto& [reason, cases] : unsupported) std::printf("  SKIP %s (%zu cases)\n", reason.c_str(), cases.size());
  }
  for (const auto& f : failures) std::printf("%s\n", f.c_str());
  std::printf("\nworst relative error: %.3g%s\n", worst_overall, worst_where.empty() ? "" : (" at " + worst_where).c_str());
  std::printf("conformance: %zu passed, %zu failed, %zu skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
