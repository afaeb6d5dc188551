// Test helper for the encoder / composition families: runs the extra models of tests/data/compose
// (written by tests/data/compose/make_models.py in each real scikit-learn) and compares outputs.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "io/io.h"
#include "skbridge/model.h"
#include "skbridge/table_io.h"

namespace skbridge::testing {

inline std::filesystem::path SourceDir() {
  const char* env = std::getenv("SKBRIDGE_SOURCE_DIR");
  return env ? env : SKBRIDGE_SOURCE_DIR;
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

/// Compares `got` with the .npy at `path`; returns the worst relative error (labels: 0) or fails.
inline double ExpectMatchesNpy(const Output& got, const std::filesystem::path& path, const std::string& what) {
  auto a = io::ReadNpyFile(path.string());
  std::size_t rows = a->shape.empty() ? 1 : static_cast<std::size_t>(a->shape[0]);
  std::size_t cols = a->shape.size() >= 2 ? static_cast<std::size_t>(a->shape[1]) : 0;
  EXPECT_EQ(got.rows, rows) << what;
  EXPECT_TRUE(got.cols == cols || (cols == 1 && got.cols == 0)) << what << ": got " << got.cols << " columns, recorded " << cols;
  double worst = 0;
  if (a->dtype.kind == DTypeKind::kUnicode) {
    EXPECT_TRUE(got.labels.has_value()) << what;
    return 0;
  }
  Table want = TableFromNpy(path.string());
  for (std::size_t i = 0; i < want.dense.size(); ++i) {
    double g = got.labels ? (got.labels->type == Labels::Type::kFloat ? got.labels->floats[i] : static_cast<double>(got.labels->ints[i]))
                          : got.values.at(i);
    double w = want.dense[i];
    if (std::isnan(g) && std::isnan(w)) continue;
    double d = std::fabs(g - w);
    double rel = d <= 1e-13 ? 0 : d / std::max(std::fabs(g), std::fabs(w));
    worst = std::max(worst, rel);
    if (rel > 1e-9) {
      ADD_FAILURE() << what << ": element " << i << " got " << fmt::format("{:.17g}", g) << ", recorded " << fmt::format("{:.17g}", w);
      return worst;
    }
  }
  return worst;
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
