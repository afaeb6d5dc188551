// inspect over real files: the wild corpus (real models from public repositories, 2015-2026) and
// the JSON document's schema (docs/inspect-json.md).
#include "skbridge/inspect.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "skbridge/error.h"

namespace skbridge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path WildDir() { return fs::path(SKBRIDGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "wild"; }

std::string ExpectedCompressor(const std::string& container) {
  if (container.find("gzip") != std::string::npos) return "gzip";
  if (container.find("zlib") != std::string::npos || container.find("zfile") != std::string::npos) return "zlib";
  return "none";
}

TEST(InspectWild, ReadsEveryRealFileAndReportsItsVersions) {
  fs::path dir = WildDir();
  if (!fs::exists(dir / "index.json")) GTEST_SKIP() << "wild corpus not found at " << dir << " (it lives in ../shared)";
  std::ifstream in(dir / "index.json");
  json index = json::parse(in);
  int read = 0, corrupt = 0;
  for (const auto& entry : index) {
    std::string file = (dir / entry["file"].get<std::string>()).string();
    SCOPED_TRACE(file);
    std::string container = entry["container"];
    if (container.find("corrupt") != std::string::npos) {
      try {
        ReadModelFile(file);
        ADD_FAILURE() << "a corrupt file was read without error";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kFormat);
        EXPECT_TRUE(e.offset().has_value());
        EXPECT_NE(e.Describe().find(file), std::string::npos) << e.Describe();
        EXPECT_NE(e.message().find("gzip"), std::string::npos) << e.message();
        ++corrupt;
      }
      continue;
    }
    ModelFile mf = ReadModelFile(file);
    json r = json::parse(Inspect(mf).json);
    EXPECT_EQ(r["file"]["sha256"], entry["sha256"]);
    EXPECT_EQ(r["file"]["size"], entry["size"]);
    EXPECT_EQ(r["file"]["compressor"], ExpectedCompressor(container));
    if (!entry["pickle_protocol"].is_null()) {
      EXPECT_EQ(r["file"]["protocol"], entry["pickle_protocol"]);
    }
    std::vector<std::string> want = entry["sklearn_versions"];
    std::vector<std::string> got = r["versions"]["sklearn"];
    if (want.empty()) {
      // Files from before 0.18 record no version; inspect says so rather than leaving it blank.
      EXPECT_TRUE(got.empty() || got == std::vector<std::string>{"pre-0.18"}) << json(got).dump();
    } else {
      EXPECT_EQ(got, want);
    }
    EXPECT_EQ(r["versions"]["numpy_generation"] == "2.x", entry["numpy2"].get<bool>()) << r["versions"].dump();
    if (container == "joblib-legacy-npy") {
      EXPECT_EQ(r["file"]["container"], "joblib-legacy-npy");
    }
    ++read;
  }
  EXPECT_EQ(read + corrupt, static_cast<int>(index.size()));
  EXPECT_EQ(corrupt, 1);
}

TEST(InspectJson, DocumentHasTheDocumentedSchema) {
  fs::path model = fs::path(SKBRIDGE_SOURCE_DIR) / "examples" / "iris_pipeline.joblib";
  InspectReport report = Inspect(ReadModelFile(model.string()));
  json r = json::parse(report.json);
  EXPECT_EQ(r["schema"], "skbridge.inspect/1");
  for (const char* key : {"path", "size", "sha256", "container", "compressor", "stream_size", "protocol", "side_files", "missing_side_files"}) {
    EXPECT_TRUE(r["file"].contains(key)) << key;
  }
  EXPECT_EQ(r["file"]["container"], "joblib");
  EXPECT_EQ(r["file"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(r["versions"]["sklearn"], json::array({"1.9.0"}));
  EXPECT_EQ(r["versions"]["numpy_generation"], "2.x");
  ASSERT_EQ(r["estimators"].size(), 3u);
  const json& pipe = r["estimators"][0];
  EXPECT_EQ(pipe["path"], "pipeline");
  EXPECT_EQ(pipe["class"], "sklearn.pipeline.Pipeline");
  EXPECT_EQ(pipe["sklearn_version"], "1.9.0");
  const json& lr = r["estimators"][2];
  EXPECT_EQ(lr["path"], "pipeline.steps[1].logisticregression");
  EXPECT_EQ(lr["fitted"]["coef_"]["type"], "ndarray");
  EXPECT_EQ(lr["fitted"]["coef_"]["dtype"], "float64");
  EXPECT_EQ(lr["fitted"]["coef_"]["shape"], json::array({3, 4}));
  EXPECT_EQ(lr["fitted"]["classes_"]["values"], json::array({"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(lr["params"]["C"], 1.0);
  for (const auto& g : r["globals"]) {
    for (const char* key : {"module", "name", "path", "safety", "called", "uses", "first_offset"}) EXPECT_TRUE(g.contains(key)) << key;
    EXPECT_EQ(g["safety"], "data") << g.dump();
  }
  EXPECT_TRUE(r["findings"].empty());
  EXPECT_FALSE(report.has_dangerous_globals);
  EXPECT_NE(report.text.find("pipeline.steps[1].logisticregression"), std::string::npos);
}

TEST(InspectJson, DangerousGlobalIsAFinding) {
  // cos\nsystem\n(S'touch /tmp/x'\ntR.  — os.system('touch /tmp/x'), never executed.
  std::string p = "cos\nsystem\n(S'true'\ntR.";
  ModelFile mf = ReadPickleBytes(std::as_bytes(std::span(p.data(), p.size())));
  InspectReport report = Inspect(mf);
  EXPECT_TRUE(report.has_dangerous_globals);
  json r = json::parse(report.json);
  ASSERT_EQ(r["findings"].size(), 1u);
  EXPECT_EQ(r["findings"][0]["code"], "dangerous-global");
  EXPECT_EQ(r["findings"][0]["global"], "os.system");
  EXPECT_EQ(r["findings"][0]["offset"], 0);
  EXPECT_EQ(r["globals"][0]["called"], true);
}

TEST(InspectJson, UnknownThirdPartyClassIsReportedNotTrusted) {
  std::string p = "\x80\x02" "cxgboost.sklearn\nXGBClassifier\n)\x81}b.";
  ModelFile mf = ReadPickleBytes(std::as_bytes(std::span(p.data(), p.size())));
  InspectReport report = Inspect(mf);
  EXPECT_FALSE(report.has_dangerous_globals);
  EXPECT_TRUE(report.has_unknown_globals);
  json r = json::parse(report.json);
  EXPECT_EQ(r["globals"][0]["safety"], "unknown");
  EXPECT_EQ(r["estimators"][0]["class"], "xgboost.sklearn.XGBClassifier");
}

TEST(InspectJson, DeepNestingIsALimitErrorNotACrash) {
  std::string p = "\x80\x02";
  for (int i = 0; i < 200000; ++i) p += "]";   // EMPTY_LIST x N
  for (int i = 0; i < 199999; ++i) p += "a";   // APPEND each into the previous
  p += ".";
  ModelFile mf = ReadPickleBytes(std::as_bytes(std::span(p.data(), p.size())));
  try {
    Inspect(mf);
    ADD_FAILURE() << "expected a depth limit error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLimit);
    EXPECT_NE(e.message().find("nesting deeper"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

TEST(InspectFindings, FlagsTreeValueSemanticsBeforeOneFour) {
  auto path = [](const char* v) {
    return (std::filesystem::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures" / v / "DecisionTreeClassifier_binary.joblib").string();
  };
  auto codes = [](const std::string& file) {
    auto r = nlohmann::json::parse(Inspect(ReadModelFile(file)).json);
    std::vector<std::string> out;
    for (const auto& f : r["findings"]) out.push_back(f["code"]);
    return out;
  };
  if (!std::filesystem::exists(path("1.2.1"))) GTEST_SKIP() << "fixture absent";
  EXPECT_EQ(codes(path("1.2.1")), std::vector<std::string>{"tree-values-are-counts"});
  EXPECT_TRUE(codes(path("1.9.0")).empty());
}

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

TEST(InspectLimits, BillionLaughsIsDescribedInLinearTime) {
  auto file = std::filesystem::path(SKBRIDGE_SOURCE_DIR) / "tests" / "data" / "broken" / "billion_laughs.pkl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  auto start = std::chrono::steady_clock::now();
  InspectReport r = Inspect(ReadModelFile(file.string()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LT(r.json.size(), 1u << 20) << "shared containers must be described once";
  EXPECT_NE(r.json.find("\"ref\""), std::string::npos);
}

}  // namespace
}  // namespace skbridge
