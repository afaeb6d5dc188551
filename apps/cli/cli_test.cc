// The command line as a user runs it: formats in and out, exit codes and the one-line errors.
// Runs the real binary (SKBRIDGE_CLI) on the bundled example and on fixtures.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out, err;
};

// Runs `skbridge ARGS` with stdout and stderr captured separately.
CliRun Cli(const std::string& args) {
  fs::path err_file = fs::temp_directory_path() / ("skbridge-cli-err-" + std::to_string(::getpid()));
  std::string cmd = std::string(SKBRIDGE_CLI) + " " + args + " 2>" + err_file.string();
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err_file);
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  fs::remove(err_file);
  return r;
}

std::string Src(const std::string& rel) { return (fs::path(SKBRIDGE_SOURCE_DIR) / rel).string(); }
const std::string kModel = Src("examples/iris_pipeline.joblib");
const std::string kRows = Src("examples/iris_rows.csv");

fs::path Temp(const std::string& name, const std::string& content) {
  fs::path p = fs::temp_directory_path() / ("skbridge-cli-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << content;
  return p;
}

TEST(Cli, PredictCsvToCsvWithClassColumns) {
  CliRun r = Cli("predict " + kModel + " --input " + kRows + " --method predict_proba");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "setosa,versicolor,virginica");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 11);  // header + 10 rows
  CliRun labels = Cli("predict " + kModel + " -i " + kRows);
  ASSERT_EQ(labels.status, 0) << labels.err;
  EXPECT_EQ(labels.out.substr(0, labels.out.find('\n')), "prediction");
  EXPECT_NE(labels.out.find("setosa"), std::string::npos);
}

TEST(Cli, JsonInputsInEveryMlflowShapeGiveTheSameAnswer) {
  std::string rows = "[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]";
  std::string cols = "[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]";
  auto split = Temp("split.json", "{\"dataframe_split\": {\"columns\": " + cols + ", \"data\": " + rows + "}}");
  auto records = Temp("records.json",
                      "{\"dataframe_records\": [{\"sepal_length\":5.1,\"sepal_width\":3.5,\"petal_length\":1.4,\"petal_width\":0.2},"
                      "{\"petal_width\":2.3,\"sepal_length\":6.7,\"sepal_width\":3.0,\"petal_length\":5.2}]}");
  auto instances = Temp("instances.json", "{\"instances\": " + rows + "}");
  std::string first;
  for (const auto& f : {split, records, instances}) {
    CliRun r = Cli("predict " + kModel + " -i " + f.string() + " --format json");
    ASSERT_EQ(r.status, 0) << f << ": " << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["predictions"].size(), 2u);
    EXPECT_EQ(j["predictions"][0], "setosa");
    EXPECT_EQ(j["predictions"][1], "virginica");
    fs::remove(f);
  }
}

TEST(Cli, JsonOutputRoundTripsDoubles) {
  CliRun r = Cli("predict " + kModel + " -i " + kRows + " -m predict_proba -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["predictions"].size(), 10u);
  double sum = 0;
  for (double p : j["predictions"][0]) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(Cli, NpyOutputAndNoOverwriteWithoutForce) {
  fs::path out = fs::temp_directory_path() / ("skbridge-cli-" + std::to_string(::getpid()) + ".npy");
  fs::remove(out);
  CliRun r = Cli("predict " + kModel + " -i " + kRows + " -m predict_proba -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out, std::ios::binary);
  std::string magic(6, '\0');
  f.read(magic.data(), 6);
  EXPECT_EQ(magic, "\x93NUMPY");
  CliRun again = Cli("predict " + kModel + " -i " + kRows + " -o " + out.string());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(Cli("predict " + kModel + " -i " + kRows + " -o " + out.string() + " --force").status, 0);
  fs::remove(out);
}

TEST(Cli, BadInputIsOneClearLineAndExitTwo) {
  struct Case {
    std::string csv, method, expect;
  };
  const Case cases[] = {
      {"sepal_length,sepal_width,petal_length\n5,3,1\n", "predict", "lacks 1 column"},
      {"sepal_length,sepal_width,petal_length,petal_width,extra\n5,3,1,0.2,9\n", "predict", "not fitted on: 'extra'"},
      {"sepal_length,sepal_width,petal_length,petal_width\n5,3,abc,0.2\n", "predict", "'abc' is text where a number is needed"},
      {"sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n", "transform", "has no method transform"},
      {"a,b\n1\n", "predict", "row 1 has 1 cells"},
  };
  for (const auto& c : cases) {
    auto in = Temp("bad.csv", c.csv);
    CliRun r = Cli("predict " + kModel + " -i " + in.string() + " -m " + c.method);
    EXPECT_EQ(r.status, 2) << c.csv;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    fs::remove(in);
  }
  CliRun unknown = Cli("predict " + kModel + " -i " + kRows + " -m nonsense");
  EXPECT_EQ(unknown.status, 2);
}

TEST(Cli, UnknownCategoryNamesColumnRowAndValue) {
  // OneHotEncoder fitted with handle_unknown='error' (the default) on color/size/city.
  auto in = Temp("cats.csv", "color,size,city\nblue,small,paris\nblue,small,atlantis\n");
  CliRun r = Cli("predict " + Src("tests/fixtures/1.9.0/OneHotEncoder.joblib") + " -i " + in.string() + " -m transform");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("atlantis"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("city"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("row 2"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  fs::remove(in);
}

TEST(Cli, UnsupportedEstimatorIsNamedWithModuleAndVersion) {
  std::string model = Src("tests/fixtures/1.9.0/GaussianProcessRegressor.joblib");
  if (!fs::exists(model)) GTEST_SKIP() << "fixture absent";
  CliRun r = Cli("predict " + model + " -i " + Src("tests/fixtures/1.9.0/inputs/regression.npy"));
  if (r.status == 0) GTEST_SKIP() << "GaussianProcessRegressor became supported; pick another unsupported estimator";
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("sklearn.gaussian_process"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1.9.0"), std::string::npos) << r.err;
}

TEST(Cli, InspectExitCodes) {
  EXPECT_EQ(Cli("inspect " + kModel).status, 0);
  auto evil = Temp("evil.pkl", "cos\nsystem\n(S'true'\ntR.");
  CliRun r = Cli("inspect " + evil.string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.out.find("os.system"), std::string::npos);
  CliRun p = Cli("predict " + evil.string() + " -i " + kRows);
  EXPECT_EQ(p.status, 3) << p.err;
  fs::remove(evil);
  auto truncated = Temp("trunc.pkl", "\x80\x04\x95");
  CliRun t = Cli("inspect " + truncated.string());
  EXPECT_EQ(t.status, 2);
  EXPECT_NE(t.err.find("offset"), std::string::npos) << t.err;
  fs::remove(truncated);
  EXPECT_EQ(Cli("inspect /nonexistent/model.pkl").status, 2);
  EXPECT_EQ(Cli("").status, 2);
}

TEST(Cli, DoctorExitCodes) {
  CliRun same = Cli("doctor " + kModel + " --target sklearn=1.9.0");
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  CliRun old = Cli("doctor " + kModel + " --target sklearn=0.23.2 --json");
  EXPECT_EQ(old.status, 1) << old.err;
  auto j = nlohmann::json::parse(old.out);
  EXPECT_EQ(j["verdict"], "load-fails");
  EXPECT_FALSE(j["safe"].get<bool>());
  EXPECT_EQ(Cli("doctor " + kModel + " --target numpy=1.2").status, 2);
}

}  // namespace
