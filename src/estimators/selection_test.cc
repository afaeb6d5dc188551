// Selection and dummy family: outputs against the real-scikit-learn fixtures of every version, the
// numpy-exact kernels (pairwise sum, median, percentile, legacy RandomState) against values numpy
// printed, and the messages of broken states (built by editing a decoded value graph).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>

#include "estimators/fixture_harness_test.h"
#include "kernels/selection.h"

namespace skbridge {
namespace est {
// selection.cc: feature_importances_ of a tree / forest / gradient-boosting object, computed.
std::optional<std::vector<double>> ComputedFeatureImportances(const Value& estimator, const std::string& path);
}  // namespace est
namespace {

using testing::Fixture;
using testing::FixtureInput;
using testing::kFixtureVersions;
using testing::NewFloats;
using testing::NewInt;
using testing::NewStr;
using testing::RootState;
using testing::SetAttr;

struct Case {
  const char* name;
  const char* dataset;
  std::vector<Method> methods;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"VarianceThreshold", "counts", {Method::kTransform}},
      {"SelectKBest_f_classif", "binary", {Method::kTransform}},
      {"SelectKBest_chi2", "counts", {Method::kTransform}},
      {"SelectKBest_f_regression", "regression", {Method::kTransform}},
      {"SelectPercentile", "binary", {Method::kTransform}},
      {"GenericUnivariateSelect", "binary", {Method::kTransform}},
      {"SelectFromModel_Lasso", "regression", {Method::kTransform}},
      {"SelectFromModel_RandomForest", "binary", {Method::kTransform}},
      {"RFE", "binary", {Method::kPredict, Method::kPredictProba, Method::kPredictLogProba, Method::kDecisionFunction, Method::kTransform}},
      {"RFECV", "binary", {Method::kPredict, Method::kPredictProba, Method::kPredictLogProba, Method::kDecisionFunction, Method::kTransform}},
      {"SequentialFeatureSelector", "binary", {Method::kTransform}},
      {"DummyClassifier_prior", "binary", {Method::kPredict, Method::kPredictProba, Method::kPredictLogProba}},
      {"DummyClassifier_most_frequent_str", "multiclass", {Method::kPredict, Method::kPredictProba, Method::kPredictLogProba}},
      {"DummyClassifier_stratified", "multiclass", {Method::kPredict, Method::kPredictProba, Method::kPredictLogProba}},
      {"DummyRegressor_mean", "regression", {Method::kPredict}},
      {"DummyRegressor_quantile", "regression", {Method::kPredict}},
  };
  return cases;
}

TEST(SelectionFixtures, MatchScikitLearnInEveryVersion) {
  int checked = 0;
  testing::WorstError worst;
  for (const Case& c : Cases()) {
    for (const auto& [v, file] : testing::FixtureFilesOf(c.name, {".joblib", ".p2.pkl"})) {
      SCOPED_TRACE(file);
      auto model = Model::Load(file);
      Table x = FixtureInput(v, c.dataset);
      for (Method m : c.methods) {
        SCOPED_TRACE(MethodName(m));
        ASSERT_TRUE(model->Has(m));
        Output o = model->Run(m, x);
        testing::RecordedOutput want = testing::LoadRecordedOutput(Fixture(v, std::string(c.name) + "." + MethodName(m) + ".npy"));
        EXPECT_TRUE(testing::OutputMatches(o, want, {}, &worst));
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 200);
  std::printf("selection fixtures: %d outputs checked, worst relative error %.3g\n", checked, worst.value);
}

// --- kernels against numpy ------------------------------------------------------------------------

double Hex(const char* s) { return std::strtod(s, nullptr); }

std::vector<double> Ladder(std::size_t n) {
  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = std::ldexp(static_cast<double>(static_cast<int>((i * 7919) % 1000) - 500) + 1.0 / 3, static_cast<int>((i * 37) % 40) - 20);
  return a;
}

TEST(SelectionKernels, NumpyReductions) {
  // numpy 1.19.5 and 2.4.6 print the same values (tools/sklenv): sum, mean, median, percentile 37 / 50.
  struct Row { std::size_t n; const char *sum, *mean, *median, *p37, *p50; };
  const Row rows[] = {
      {5, "0x1.d1fd7ffff062bp+25", "0x1.74caccccc04efp+23", "0x1.0155555555555p+19", "0x1.0df69d0369d03p+18", "0x1.0155555555555p+19"},
      {9, "0x1.d2037cb7f062bp+25", "0x1.9e3bfd1547743p+22", "0x1.7d55555555555p+11", "0x1.b851e186d3a07p+5", "0x1.7d55555555555p+11"},
      {17, "0x1.3f1989941420ap+27", "0x1.2c54454012f18p+23", "0x1.caaaaaaaaaaabp+5", "-0x1.09db4e81b4e84p-10", "0x1.caaaaaaaaaaabp+5"},
      {130, "0x1.cfafb6568437bp+27", "0x1.c88d80552f79dp+20", "0x1.18aaaaaaaaaaap-13", "-0x1.ee3a06d3a06d9p+1", "0x1.18aaaaaaaaaaap-13"},
      {300, "0x1.4e24a82d4d279p+27", "0x1.1d22b1a4f354fp+19", "0x1.1800000000000p-16", "-0x1.8be06d3a06d4dp-2", "0x1.1800000000000p-16"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.n);
    std::vector<double> a = Ladder(r.n);
    EXPECT_EQ(kernels::NpSum(a.data(), a.size()), Hex(r.sum));
    EXPECT_EQ(kernels::NpMean(a.data(), a.size()), Hex(r.mean));
    EXPECT_EQ(kernels::NpMedian(a), Hex(r.median));
    EXPECT_EQ(kernels::NpPercentile(a, 37, true), Hex(r.p37));
    EXPECT_EQ(kernels::NpPercentile(a, 37, false), Hex(r.p37));
    EXPECT_EQ(kernels::NpPercentile(a, 50, true), Hex(r.p50));
  }
  // Stable argsort keeps the order of ties and puts NaN last.
  std::vector<double> v = {3, 1, std::nan(""), 1, 3, 2};
  std::vector<std::size_t> want = {1, 3, 5, 0, 4, 2};
  EXPECT_EQ(kernels::StableArgsort(v), want);
}

TEST(SelectionKernels, LegacyRandomStateMatchesNumpy) {
  kernels::LegacyRandomState rs(0);
  EXPECT_EQ(rs.NextDouble(), Hex("0x1.18fe1565f12a8p-1"));
  EXPECT_EQ(rs.NextDouble(), Hex("0x1.6e2d4cf608733p-1"));
  EXPECT_EQ(rs.NextDouble(), Hex("0x1.349d66b6e894bp-1"));
  auto randint = [](std::uint32_t seed, std::uint64_t n, std::size_t size) {
    kernels::LegacyRandomState r(seed);
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < size; ++i) out.push_back(r.RandInt(n));
    return out;
  };
  EXPECT_EQ(randint(0, 3, 10), (std::vector<std::int64_t>{0, 1, 0, 1, 1, 2, 0, 2, 0, 0}));
  EXPECT_EQ(randint(7, 5, 10), (std::vector<std::int64_t>{4, 1, 3, 3, 4, 1, 0, 1, 2, 2}));
  auto multinomial_argmax = [](std::uint32_t seed, std::vector<double> p, std::size_t size) {
    kernels::LegacyRandomState r(seed);
    std::vector<std::int64_t> out, draw(p.size());
    for (std::size_t i = 0; i < size; ++i) {
      r.Multinomial(1, p, draw.data());
      out.push_back(std::max_element(draw.begin(), draw.end()) - draw.begin());
    }
    return out;
  };
  EXPECT_EQ(multinomial_argmax(0, {0.3625, 0.35, 0.2875}, 12), (std::vector<std::int64_t>{2, 1, 2, 2, 0, 2, 2, 0, 1, 2, 0, 0}));
  EXPECT_EQ(multinomial_argmax(3, {0.2, 0.7, 0.1}, 12), (std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(SelectionKernels, TreeFeatureImportancesAreScikitLearns) {
  // feature_importances_ as scikit-learn computes them (a property: from the trees' nodes), printed
  // by each version; checked bit for bit (all 21 tree/forest/boosting fixtures matched when written).
  struct Row { const char *version, *file; std::vector<const char*> want; };
  const Row rows[] = {
      {"1.9.0", "SelectFromModel_RandomForest", {"0x1.f2159a3708e90p-3", "0x1.8719ec353460dp-2", "0x1.03876d80da6eep-3",
                                                 "0x1.17684028991bep-4", "0x1.f5ebe06602940p-4", "0x1.d6143e59983a9p-5"}},
      {"0.23.2", "GradientBoostingClassifier_multiclass", {"0x1.50ebf92133de4p-3", "0x1.63efb7fc0b057p-2", "0x1.4d4d6b8b814cdp-3",
                                                           "0x1.cc665f47ec2e4p-3", "0x0.0p+0", "0x1.9b01982691372p-4"}},
      {"1.4.2", "ExtraTreesRegressor_multioutput", {"0x1.e8c8a5e3b52a0p-4", "0x1.753197ff6c5abp-1", "0x1.f631d3fe2216fp-7",
                                                    "0x1.5302324e60dc7p-8", "0x1.b06925d8ab7ecp-4", "0x1.a52c5a8e48c5fp-6"}},
      {"1.2.1", "DecisionTreeClassifier_binary", {"0x1.8792a7b61e4abp-2", "0x1.bc4e5087f1394p-2", "0x1.3a2e8ba2e8ba2p-4", "0x0.0p+0",
                                                  "0x1.83e0f83e0f840p-5", "0x1.e8ba2e8ba2e8dp-5"}},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.file);
    ModelFile f = ReadModelFile(Fixture(r.version, std::string(r.file) + ".joblib"));
    const Value* est = f.graph.root;
    if (std::string(r.file).rfind("SelectFromModel", 0) == 0) est = est->State()->Get("estimator_");
    std::optional<std::vector<double>> got = est::ComputedFeatureImportances(*est, r.file);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), r.want.size());
    for (std::size_t i = 0; i < got->size(); ++i) EXPECT_EQ((*got)[i], Hex(r.want[i])) << "feature " << i;
  }
}

// --- edited graphs: other strategies and broken states ----------------------------------------------

std::string ErrorOf(const std::function<void()>& fn, ErrorCode* code = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.message();
  }
  return "(no error)";
}

std::vector<std::string> PredictTexts(const Model& m, const Table& x) {
  Output o = m.Run(Method::kPredict, x);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < o.rows; ++i) out.push_back(o.labels->Text(i));
  return out;
}

TEST(DummyClassifier, ReplaysSeededDrawsAndRefusesUnseeded) {
  for (const char* v : kFixtureVersions) {
    SCOPED_TRACE(v);
    Table x = FixtureInput(v, "multiclass");
    const std::vector<std::string> a = {"ant"}, b = {"bee"}, c = {"cat"};
    auto edited = [&](const char* strategy, const Value* (*seed)(Graph&)) {
      ModelFile f = ReadModelFile(Fixture(v, "DummyClassifier_most_frequent_str.joblib"));
      Value* st = RootState(f);
      SetAttr(st, "_strategy", NewStr(f.graph, strategy));
      SetAttr(st, "random_state", seed(f.graph));
      return Model::FromFile(std::move(f));
    };
    // RandomState(7).randint(3, size=16) and the stratified draws of RandomState(3), from numpy.
    auto uniform = edited("uniform", [](Graph& g) { return NewInt(g, 7); });
    EXPECT_EQ(PredictTexts(*uniform, x), (std::vector<std::string>{"ant", "bee", "cat", "ant", "bee", "cat", "ant", "bee", "cat", "cat",
                                                                   "cat", "ant", "cat", "ant", "ant", "ant"}));
    Output p = uniform->Run(Method::kPredictProba, x);
    EXPECT_EQ(p.values[0], 1.0 / 3);
    auto stratified = edited("stratified", [](Graph& g) { return NewInt(g, 3); });
    EXPECT_EQ(PredictTexts(*stratified, x), (std::vector<std::string>{"cat", "bee", "ant", "ant", "bee", "bee", "bee", "ant", "cat", "bee",
                                                                      "bee", "bee", "ant", "bee", "cat", "bee"}));
    auto unseeded = edited("stratified", [](Graph& g) -> const Value* { return g.New(Kind::kNone); });
    ErrorCode code{};
    std::string msg = ErrorOf([&] { unseeded->Run(Method::kPredict, x); }, &code);
    EXPECT_EQ(code, ErrorCode::kUnsupported);
    EXPECT_NE(msg.find("random_state=None"), std::string::npos) << msg;
    msg = ErrorOf([&] { edited("uniform", [](Graph& g) { return NewInt(g, -1); }); });
    EXPECT_NE(msg.find("dummyclassifier.random_state: -1 is not a seed"), std::string::npos) << msg;
  }
}

// The columns a selector keeps, read off transform of the row [0, 1, ..., n-1].
std::vector<double> Kept(const Model& m, std::size_t n) {
  std::vector<double> row(n);
  for (std::size_t i = 0; i < n; ++i) row[i] = static_cast<double>(i);
  return m.Run(Method::kTransform, Table::Dense(1, n, row)).values;
}

TEST(UnivariateSelection, TiesAndNaNScoresAsScikitLearn) {
  // Expected columns printed by scikit-learn 0.23.2 and 1.9.0 for the same edited scores_.
  struct Row { const char* file; std::vector<double> scores; std::vector<double> kept; };
  const double nan = std::nan("");
  const Row rows[] = {
      {"SelectPercentile", {1, 2, 2, 2, 3, 4}, {1, 4, 5}},        // threshold on a tie: the first ties fill up
      {"SelectPercentile", {5, 5, 5, 5, 5, 5}, {0, 1, 2}},
      {"SelectPercentile", {nan, 1, 1, 1, 2, nan}, {1, 2, 4}},    // NaN scores rank lowest
      {"SelectKBest_f_classif", {1, 3, 3, 2, 3, 0}, {1, 2, 4}},   // k=3, stable order
      {"SelectKBest_f_classif", {nan, 2, nan, 2, 1, 0}, {1, 3, 4}},
  };
  for (const char* v : kFixtureVersions) {
    for (const Row& r : rows) {
      SCOPED_TRACE(std::string(v) + " " + r.file);
      ModelFile f = ReadModelFile(Fixture(v, std::string(r.file) + ".joblib"));
      SetAttr(RootState(f), "scores_", NewFloats(f.graph, r.scores, {6}));
      if (std::string(r.file) == "SelectKBest_f_classif") SetAttr(RootState(f), "k", NewInt(f.graph, 3));
      auto m = Model::FromFile(std::move(f));
      EXPECT_EQ(Kept(*m, 6), r.kept);
    }
  }
}

TEST(SelectionErrors, BrokenStatesAndBadInput) {
  const std::string v = "1.9.0";
  {
    ModelFile f = ReadModelFile(Fixture(v, "VarianceThreshold.joblib"));
    SetAttr(RootState(f), "variances_", NewFloats(f.graph, {1, 2, 3, 4}, {2, 2}));
    std::string msg = ErrorOf([&] { Model::FromFile(std::move(f)); });
    EXPECT_EQ(msg, "variancethreshold.variances_: expected a 1-d array, got 2 dimensions");
  }
  {
    ModelFile f = ReadModelFile(Fixture(v, "VarianceThreshold.joblib"));
    SetAttr(RootState(f), "variances_", NewFloats(f.graph, {1, 2, 3}, {3}));
    std::string msg = ErrorOf([&] { Model::FromFile(std::move(f)); });
    EXPECT_EQ(msg, "variancethreshold.variances_: covers 3 features, the selector was fitted on 6");
  }
  {
    ModelFile f = ReadModelFile(Fixture(v, "SelectKBest_chi2.joblib"));
    SetAttr(RootState(f), "k", NewStr(f.graph, "most"));
    std::string msg = ErrorOf([&] { Model::FromFile(std::move(f)); });
    EXPECT_EQ(msg, "selectkbest.k: expected an integer or 'all', found 'most'");
  }
  {
    // RFE whose support_ selects more columns than estimator_ was fitted on.
    ModelFile f = ReadModelFile(Fixture(v, "RFE.joblib"));
    Value* st = RootState(f);
    const Value* support = st->Get("support_");
    std::vector<double> all(static_cast<std::size_t>(support->array->size()), 1.0);
    SetAttr(st, "support_", NewFloats(f.graph, all, {static_cast<std::int64_t>(all.size())}));
    std::string msg = ErrorOf([&] { Model::FromFile(std::move(f)); });
    EXPECT_NE(msg.find("rfe.support_: selects 6 features, estimator_ was fitted on 3"), std::string::npos) << msg;
  }
  {
    ModelFile f = ReadModelFile(Fixture(v, "SelectFromModel_Lasso.joblib"));
    SetAttr(RootState(f), "threshold", NewStr(f.graph, "2*maximum"));
    std::string msg = ErrorOf([&] { Model::FromFile(std::move(f)); });
    EXPECT_EQ(msg, "selectfrommodel.threshold: unknown reference 'maximum' (scikit-learn raises)");
  }
  // Bad input: NaN where the selector does not allow it, and the wrong number of columns.
  auto kbest = Model::Load(Fixture(v, "SelectKBest_f_classif.joblib"));
  Table x = FixtureInput(v, "binary");
  x.dense[2 * x.cols + 4] = std::nan("");
  ErrorCode code{};
  std::string msg = ErrorOf([&] { kbest->Run(Method::kTransform, x); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("row 3, column"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Input X contains NaN"), std::string::npos) << msg;
  // VarianceThreshold allows NaN (and checks nothing).
  auto vt = Model::Load(Fixture(v, "VarianceThreshold.joblib"));
  Table counts = FixtureInput(v, "counts");
  counts.dense[0] = std::nan("");
  EXPECT_NO_THROW(vt->Run(Method::kTransform, counts));
  Table narrow = Table::Dense(2, 5, std::vector<double>(10, 1.0));
  msg = ErrorOf([&] { kbest->Run(Method::kTransform, narrow); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidInput);
  EXPECT_NE(msg.find("expects 6"), std::string::npos) << msg;
}

}  // namespace
}  // namespace skbridge
