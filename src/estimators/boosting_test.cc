// Boosting family: predictions against the real-scikit-learn fixtures, the per-version rules that
// the corpus cannot show directly (built by editing a decoded value graph before typing), the
// HistGradientBoosting kernel's split semantics, and the messages of broken states.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "estimators/estimator.h"
#include "estimators/fixture_harness_test.h"
#include "kernels/hgb.h"
#include "kernels/linear.h"
#include "kernels/tree.h"

namespace skbridge {
namespace {

using testing::Fixture;
using testing::FixtureInput;
using testing::kFixtureVersions;
using testing::LoadError;
using testing::NewArray;
using testing::NewFloat;
using testing::NewFloats;
using testing::NewStr;
using testing::RecordedValues;
using testing::RootState;
using testing::SetAttr;
using testing::StateOf;
using testing::ValuesMatch;

// The boosting kernels add exactly scikit-learn's terms in scikit-learn's order: the fixtures are
// reproduced to the last bit, except for transcendental functions (exp, log) whose libm may differ
// by an ulp. Hence a relative tolerance per output and no absolute floor to speak of.
testing::Tolerance RelativeTolerance(double relative) { return {relative, 1e-300}; }

std::vector<std::string> LabelTexts(const Output& o) {
  std::vector<std::string> t;
  for (std::size_t i = 0; i < o.labels->size(); ++i) t.push_back(o.labels->Text(i));
  return t;
}

const Value* GetAttr(const Value* state, std::string_view name) {
  const Value* v = state->Get(name);
  EXPECT_TRUE(v) << "no attribute " << name;
  return v;
}

const Value* NewList(Graph& g, std::vector<const Value*> items) {
  Value* v = g.New(Kind::kList);
  v->items = std::move(items);
  return v;
}

// An object of class module.name whose state is the given attributes.
const Value* NewObject(Graph& g, std::string_view module, std::string_view name,
                       std::vector<std::pair<std::string, const Value*>> attrs) {
  Value* cls = g.New(Kind::kGlobal);
  cls->text = g.Store(std::string(module));
  cls->name = g.Store(std::string(name));
  Value* obj = g.New(Kind::kObject);
  obj->object->callable = cls;
  obj->object->args = g.New(Kind::kTuple);
  Value* state = g.New(Kind::kDict);
  for (auto& [k, v] : attrs) state->entries.emplace_back(NewStr(g, k), v);
  obj->object->state = state;
  return obj;
}

// A copy of a numeric or structured array whose bytes `edit` may change.
const Value* EditedCopy(Graph& g, const Value* v, const std::function<void(std::byte*)>& edit) {
  Value* out = g.New(Kind::kArray);
  auto a = std::make_shared<NdArray>(*v->array);
  auto owned = std::make_shared<std::vector<std::byte>>(a->data, a->data + a->nbytes);
  edit(owned->data());
  a->data = owned->data();
  a->owner = owned;
  a->memory_mapped = false;
  out->array = a;
  return out;
}

// --- every fixture, every method ---------------------------------------------------------------

struct Case {
  const char* name;
  const char* dataset;
  std::vector<Method> methods;
};

const std::vector<Method> kClf = {Method::kPredictProba, Method::kPredictLogProba, Method::kDecisionFunction};
const std::vector<Method> kHgbClf = {Method::kPredictProba, Method::kDecisionFunction};

TEST(Boosting, FixturesMatchEveryVersion) {
  const std::vector<Case> cases = {
      {"GradientBoostingClassifier_binary", "binary", kClf},
      {"GradientBoostingClassifier_exponential", "binary", kClf},
      {"GradientBoostingClassifier_multiclass", "multiclass", kClf},
      {"GradientBoostingClassifier_multiclass_str", "multiclass", kClf},
      {"GradientBoostingRegressor_squared_error", "regression", {Method::kPredict}},
      {"GradientBoostingRegressor_absolute_error", "regression", {Method::kPredict}},
      {"GradientBoostingRegressor_huber", "regression", {Method::kPredict}},
      {"GradientBoostingRegressor_quantile", "regression", {Method::kPredict}},
      {"HistGradientBoostingClassifier_binary", "binary", kHgbClf},
      {"HistGradientBoostingClassifier_multiclass_str", "multiclass", kHgbClf},
      {"HistGradientBoostingClassifier_nan", "nan", kHgbClf},
      {"HistGradientBoostingRegressor", "regression", {Method::kPredict}},
      {"HistGradientBoostingRegressor_absolute_error", "regression", {Method::kPredict}},
      {"HistGradientBoostingRegressor_poisson", "regression", {Method::kPredict}},
      {"HistGradientBoostingRegressor_nan", "nan", {Method::kPredict}},
      {"AdaBoostClassifier_binary", "binary", kClf},
      {"AdaBoostClassifier_multiclass_str", "multiclass", kClf},
      {"AdaBoostRegressor", "regression", {Method::kPredict}},
      {"VotingRegressor", "regression", {Method::kPredict, Method::kTransform}},
      {"StackingClassifier_binary", "binary", {Method::kPredictProba, Method::kDecisionFunction, Method::kTransform}},
      {"StackingRegressor", "regression", {Method::kPredict, Method::kTransform}},
  };
  for (const char* v : kFixtureVersions) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(v) + " " + c.name);
      auto m = Model::Load(Fixture(v, std::string(c.name) + ".p5.pkl"));
      Table x = FixtureInput(v, c.dataset);
      for (Method meth : c.methods) {
        SCOPED_TRACE(MethodName(meth));
        // Voting and stacking add linear sub-estimators, whose BLAS dot products agree to ~1e-14.
        bool meta = std::string(c.name).starts_with("Voting") || std::string(c.name).starts_with("Stacking");
        bool transcendental = meth != Method::kPredict && meth != Method::kTransform;
        EXPECT_TRUE(ValuesMatch(m->Run(meth, x).values, RecordedValues(v, std::string(c.name) + "." + MethodName(meth) + ".npy"),
                                RelativeTolerance(meta ? 1e-9 : transcendental ? 1e-12 : 1e-15)));
      }
      if (m->classes()) {
        Output p = m->Run(Method::kPredict, x);
        ASSERT_TRUE(p.labels);
        EXPECT_TRUE(testing::OutputMatches(p, testing::LoadRecordedOutput(Fixture(v, std::string(c.name) + ".predict.npy"))));
      }
    }
  }
}

// 1.4+ HistGradientBoosting with categorical features keeps an OrdinalEncoder in a
// ColumnTransformer (_preprocessor); 1.2 reads raw category values. Both give scikit-learn's numbers.
TEST(Boosting, HistGradientBoostingCategorical) {
  for (std::string v : {"1.2.1", "1.4.2", "1.9.0"}) {
    for (std::string name : {"HistGradientBoostingRegressor_categorical", "HistGradientBoostingClassifier_categorical"}) {
      SCOPED_TRACE(v + " " + name);
      auto m = Model::Load(Fixture(v, name + ".p5.pkl"));
      Method meth = m->classes() ? Method::kPredictProba : Method::kPredict;
      EXPECT_TRUE(ValuesMatch(m->Run(meth, FixtureInput(v, "nan")).values, RecordedValues(v, name + "." + MethodName(meth) + ".npy"),
                              RelativeTolerance(1e-12)));
    }
  }
}

// --- per-version rules ---------------------------------------------------------------------------

// predict of a binary HistGradientBoostingClassifier: argmax(predict_proba) up to 1.4, raw > 0 from
// 1.5. A raw prediction of 1e-17 has expit == 0.5 exactly: a tie for argmax (class 0), positive for
// the raw rule (class 1).
TEST(BoostingVersions, HistGradientBoostingPredictRuleChangedIn1_5) {
  for (std::string version : {"1.4.2", "1.9.0"}) {
    ModelFile f = ReadModelFile(Fixture(version, "HistGradientBoostingClassifier_binary.p5.pkl"));
    SetAttr(RootState(f), "_predictors", NewList(f.graph, {}));
    SetAttr(RootState(f), "_baseline_prediction", NewFloats(f.graph, {1e-17}, {1, 1}));
    auto m = Model::FromFile(std::move(f));
    Output p = m->Run(Method::kPredict, FixtureInput(version, "binary"));
    EXPECT_EQ(p.labels->Text(0), version == "1.9.0" ? "1" : "0") << version;
    EXPECT_EQ(m->Run(Method::kPredictProba, FixtureInput(version, "binary")).values[0], 0.5);
  }
}

// predict of a binary GradientBoostingClassifier: argmax(proba) before 1.4 (a 0.5 tie is class 0),
// raw >= 0 from 1.4 (raw 0 is class 1). learning_rate 0 and init 'zero' make every raw value 0.
TEST(BoostingVersions, GradientBoostingBinaryTieRuleChangedIn1_4) {
  for (std::string version : {"1.2.1", "1.4.2"}) {
    ModelFile f = ReadModelFile(Fixture(version, "GradientBoostingClassifier_binary.p5.pkl"));
    SetAttr(RootState(f), "learning_rate", NewFloat(f.graph, 0.0));
    SetAttr(RootState(f), "init_", NewStr(f.graph, "zero"));
    auto m = Model::FromFile(std::move(f));
    Table x = FixtureInput(version, "binary");
    EXPECT_EQ(m->Run(Method::kDecisionFunction, x).values[0], 0.0);
    EXPECT_EQ(m->Run(Method::kPredict, x).labels->Text(0), version == "1.4.2" ? "1" : "0") << version;
  }
}

// scikit-learn <= 0.20 stored its own init estimators; raw init = init_.predict(X): the mean, the
// quantile, the (scaled) log-odds prior, or — for multiclass — the class priors themselves.
TEST(BoostingVersions, PreDummyInitEstimators) {
  {
    ModelFile f = ReadModelFile(Fixture("0.23.2", "GradientBoostingRegressor_squared_error.p5.pkl"));
    SetAttr(RootState(f), "learning_rate", NewFloat(f.graph, 0.0));
    SetAttr(RootState(f), "init_", NewObject(f.graph, "sklearn.ensemble.gradient_boosting", "MeanEstimator", {{"mean", NewFloat(f.graph, 2.5)}}));
    auto m = Model::FromFile(std::move(f));
    for (double y : m->Run(Method::kPredict, FixtureInput("0.23.2", "regression")).values) EXPECT_EQ(y, 2.5);
  }
  {
    ModelFile f = ReadModelFile(Fixture("0.23.2", "GradientBoostingClassifier_multiclass.p5.pkl"));
    SetAttr(RootState(f), "learning_rate", NewFloat(f.graph, 0.0));
    SetAttr(RootState(f), "init_",
            NewObject(f.graph, "sklearn.ensemble.gradient_boosting", "PriorProbabilityEstimator", {{"priors", NewFloats(f.graph, {0.25, 0.5, 0.25})}}));
    auto m = Model::FromFile(std::move(f));
    std::vector<double> d = m->Run(Method::kDecisionFunction, FixtureInput("0.23.2", "multiclass")).values;
    EXPECT_EQ(d[0], 0.25);
    EXPECT_EQ(d[1], 0.5);
  }
  {
    ModelFile f = ReadModelFile(Fixture("0.23.2", "GradientBoostingClassifier_exponential.p5.pkl"));
    SetAttr(RootState(f), "learning_rate", NewFloat(f.graph, 0.0));
    SetAttr(RootState(f), "init_", NewObject(f.graph, "sklearn.ensemble.gradient_boosting", "ScaledLogOddsEstimator", {{"prior", NewFloat(f.graph, -0.75)}}));
    auto m = Model::FromFile(std::move(f));
    Table x = FixtureInput("0.23.2", "binary");
    EXPECT_EQ(m->Run(Method::kDecisionFunction, x).values[0], -0.75);
    EXPECT_EQ(m->Run(Method::kPredictProba, x).values[1], kernels::Expit(-1.5));
  }
}

// Any other init estimator runs at predict time on the float32-rounded input, like scikit-learn's
// _init_raw_predictions; one holding float32 fitted arrays computes in float32 BLAS: unsupported.
TEST(BoostingVersions, EstimatorInit) {
  ModelFile lin = ReadModelFile(Fixture("1.9.0", "LinearRegression.p5.pkl"));
  Table x = FixtureInput("1.9.0", "regression");
  Table x32 = x;
  for (double& v : x32.dense) v = static_cast<float>(v);
  std::vector<double> lin_pred = Model::Load(Fixture("1.9.0", "LinearRegression.p5.pkl"))->Run(Method::kPredict, x32).values;
  std::vector<double> zero_pred;
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "GradientBoostingRegressor_squared_error.p5.pkl"));
    SetAttr(RootState(f), "init_", NewStr(f.graph, "zero"));
    zero_pred = Model::FromFile(std::move(f))->Run(Method::kPredict, x).values;
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "GradientBoostingRegressor_squared_error.p5.pkl"));
    SetAttr(RootState(f), "init_", lin.graph.root);
    std::vector<double> got = Model::FromFile(std::move(f))->Run(Method::kPredict, x).values;
    // raw = init + sum of trees: the tree part is what init 'zero' gives.
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i] - lin_pred[i], zero_pred[i], 1e-12 * std::fabs(got[i]) + 1e-12);
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "GradientBoostingRegressor_squared_error.p5.pkl"));
    const Value* coef = GetAttr(lin.graph.root->State(), "coef_");
    std::vector<float> c32;
    for (double d : est::ToDoubles(*coef, "coef_")) c32.push_back(static_cast<float>(d));
    SetAttr(StateOf(lin.graph.root), "coef_", NewArray(lin.graph, c32, DTypeKind::kFloat));
    SetAttr(RootState(f), "init_", lin.graph.root);
    std::string err = LoadError(std::move(f));
    EXPECT_NE(err.find("gradientboostingregressor.init_: the init estimator LinearRegression was fitted on float32 input (coef_ is float32)"),
              std::string::npos)
        << err;
  }
}

// AdaBoostClassifier(SAMME) votes changed in 1.4: the other classes get -w / (K - 1) instead of 0.
// Both give the same predictions here, and the decision values differ by the constant shift.
TEST(BoostingVersions, AdaBoostSammeVotes) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "AdaBoostClassifier_multiclass_str.p5.pkl"));
  Table x = FixtureInput("1.9.0", "multiclass");
  auto now = Model::FromFile(std::move(f));
  ModelFile g = ReadModelFile(Fixture("1.9.0", "AdaBoostClassifier_multiclass_str.p5.pkl"));
  SetAttr(RootState(g), "_sklearn_version", NewStr(g.graph, "1.3.2"));
  auto old = Model::FromFile(std::move(g));
  std::vector<double> a = now->Run(Method::kDecisionFunction, x).values, b = old->Run(Method::kDecisionFunction, x).values;
  ASSERT_EQ(a.size(), b.size());
  // new = old - (1 - old) / (K - 1) per class with K = 3: new = (3 old - 1) / 2.
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], (3 * b[i] - 1) / 2, 1e-12);
  EXPECT_EQ(LabelTexts(now->Run(Method::kPredict, x)), LabelTexts(old->Run(Method::kPredict, x)));
  // Before 0.22, predict_proba averaged the estimators' probabilities: rows still sum to 1.
  ModelFile h = ReadModelFile(Fixture("0.23.2", "AdaBoostClassifier_binary.p5.pkl"));
  SetAttr(RootState(h), "_sklearn_version", NewStr(h.graph, "0.21.3"));
  auto older = Model::FromFile(std::move(h));
  std::vector<double> p = older->Run(Method::kPredictProba, FixtureInput("0.23.2", "binary")).values;
  for (std::size_t r = 0; r < p.size() / 2; ++r) EXPECT_NEAR(p[2 * r] + p[2 * r + 1], 1.0, 1e-15);
}

// --- the HistGradientBoosting kernel ---------------------------------------------------------------

// root: x0 <= 0.5 ? leaf 1.0 : (x1 <= 2 ? leaf 2.0 : leaf 3.0); node 2 sends NaN left when asked.
kernels::HgbTreeSpec SmallTree(bool with_missing_field, bool missing_left) {
  kernels::HgbTreeSpec t;
  t.value = {0, 1.0, 0, 2.0, 3.0};
  t.feature = {0, 0, 1, 0, 0};
  t.threshold = {0.5, 0, 2, 0, 0};
  t.left = {1, 0, 3, 0, 0};
  t.right = {2, 0, 4, 0, 0};
  t.is_leaf = {0, 1, 0, 1, 1};
  if (with_missing_field) t.missing_left = {0, 0, static_cast<std::uint8_t>(missing_left), 0, 0};
  return t;
}

double PredictOne(const kernels::HgbForest& f, std::vector<double> x) {
  double raw = 0;
  f.RawPredict(x.data(), 1, &raw, 1);
  return raw;
}

TEST(HgbKernel, NumericSplitsAndMissingValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // 0.21's layout has no missing_go_to_left: NaN fails `x <= t` and goes right.
  kernels::HgbForest old(2, 1, {10.0}, {}, false);
  ASSERT_EQ(old.Add(SmallTree(false, false)), "");
  EXPECT_EQ(PredictOne(old, {0.5, 0}), 11.0);  // x <= threshold goes left
  EXPECT_EQ(PredictOne(old, {nan, 2}), 12.0);
  EXPECT_EQ(PredictOne(old, {1, nan}), 13.0);
  kernels::HgbForest left(2, 1, {10.0}, {}, false);
  ASSERT_EQ(left.Add(SmallTree(true, true)), "");
  EXPECT_EQ(PredictOne(left, {1, nan}), 12.0);
  EXPECT_EQ(PredictOne(left, {1, INFINITY}), 13.0);
  EXPECT_EQ(PredictOne(left, {-INFINITY, 5}), 11.0);
}

TEST(HgbKernel, CategoricalSplits) {
  // Node 0 splits feature 0 by category: {1, 3, 200} go left; known categories {0..5, 200}; unknown
  // categories and NaN follow missing_go_to_left (right here).
  kernels::HgbTreeSpec t;
  t.value = {0, 1.0, 2.0};
  t.feature = {0, 0, 0};
  t.threshold = {0, 0, 0};
  t.left = {1, 0, 0};
  t.right = {2, 0, 0};
  t.is_leaf = {0, 1, 1};
  t.missing_left = {0, 0, 0};
  t.is_categorical = {1, 0, 0};
  t.bitset_idx = {0, 0, 0};
  t.raw_left_cat_bitsets.assign(8, 0);
  auto set = [](std::uint32_t* b, int c) { b[c >> 5] |= 1u << (c & 31); };
  set(t.raw_left_cat_bitsets.data(), 1);
  set(t.raw_left_cat_bitsets.data(), 3);
  set(t.raw_left_cat_bitsets.data(), 200);
  std::vector<std::uint32_t> known(8, 0);
  for (int c : {0, 1, 2, 3, 4, 5, 200}) set(known.data(), c);
  for (bool negative_missing : {false, true}) {
    kernels::HgbForest f(1, 1, {0.0}, {known}, negative_missing);
    ASSERT_EQ(f.Add(t), "");
    EXPECT_EQ(PredictOne(f, {1}), 1.0);
    EXPECT_EQ(PredictOne(f, {2}), 2.0);                     // known, not left
    EXPECT_EQ(PredictOne(f, {3.9}), 1.0);                   // truncated to 3
    EXPECT_EQ(PredictOne(f, {256 + 3}), 1.0);               // uint8 wraps to 3
    EXPECT_EQ(PredictOne(f, {7}), 2.0);                     // unknown: missing direction
    EXPECT_EQ(PredictOne(f, {std::nan("")}), 2.0);
    // -56 is byte 200 (a left category) unless negative values are missing (scikit-learn >= 1.2).
    EXPECT_EQ(PredictOne(f, {-56}), negative_missing ? 2.0 : 1.0);
  }
  EXPECT_EQ(kernels::CategoryByte(-1.0), 255);
  EXPECT_EQ(kernels::CategoryByte(258.0), 2);
  EXPECT_EQ(kernels::CategoryByte(1e10), 0);
  EXPECT_EQ(kernels::CategoryByte(INFINITY), 0);
}

TEST(HgbKernel, RejectsBrokenTrees) {
  kernels::HgbForest f(2, 1, {0.0}, {}, false);
  auto t = SmallTree(true, false);
  t.left[2] = 1;  // node 1 would have two parents
  EXPECT_EQ(f.Add(t), "node 2 has children 1 and 4: expected two distinct indices in 3..4");
  t = SmallTree(true, false);
  t.right[0] = 9;
  EXPECT_EQ(f.Add(t), "node 0 has children 1 and 9: expected two distinct indices in 1..4");
  t = SmallTree(true, false);
  t.feature[2] = 2;
  EXPECT_EQ(f.Add(t), "node 2 splits on feature 2 of 2");
  t = SmallTree(true, false);
  t.left[2] = 4;
  t.right[2] = 3;
  t.is_leaf[1] = 0;
  t.left[1] = 3;
  t.right[1] = 4;
  EXPECT_EQ(f.Add(t), "node 4 is the child of more than one node");
  t = SmallTree(true, false);
  t.is_categorical = {1, 0, 0, 0, 0};
  t.bitset_idx = {0, 0, 0, 0, 0};
  t.raw_left_cat_bitsets.assign(8, 0);
  EXPECT_EQ(f.Add(t), "categorical node 0 splits on feature 0, which the bin mapper does not mark categorical");
  EXPECT_EQ(f.n_trees(), 0u);
}

// Random deep and shallow trees: batches (eight-row lockstep, perfect layouts), single rows (tree
// lockstep) and two threads all give the same bits.
TEST(HgbKernel, LayoutsAndThreadsAgree) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const std::size_t F = 5;
  kernels::HgbForest f(F, 2, {0.25, -0.5}, {}, false);
  for (int t = 0; t < 40; ++t) {
    // Grow a random tree by splitting random leaves.
    kernels::HgbTreeSpec s;
    s.value = {normal(rng)};
    s.feature = {0};
    s.threshold = {0};
    s.left = {0};
    s.right = {0};
    s.is_leaf = {1};
    s.missing_left = {0};
    int splits = t % 3 == 0 ? 3 : 20;
    for (int k = 0; k < splits; ++k) {
      std::vector<std::size_t> leaves;
      for (std::size_t i = 0; i < s.value.size(); ++i) {
        if (s.is_leaf[i]) leaves.push_back(i);
      }
      std::size_t i = leaves[rng() % leaves.size()];
      s.is_leaf[i] = 0;
      s.feature[i] = static_cast<std::int64_t>(rng() % F);
      s.threshold[i] = normal(rng);
      s.missing_left[i] = rng() % 2;
      s.left[i] = static_cast<std::int64_t>(s.value.size());
      s.right[i] = static_cast<std::int64_t>(s.value.size() + 1);
      for (int c = 0; c < 2; ++c) {
        s.value.push_back(normal(rng));
        s.feature.push_back(0);
        s.threshold.push_back(0);
        s.left.push_back(0);
        s.right.push_back(0);
        s.is_leaf.push_back(1);
        s.missing_left.push_back(0);
      }
    }
    ASSERT_EQ(f.Add(s), "");
  }
  const std::size_t n = 3000;
  std::vector<double> x(n * F);
  for (double& v : x) v = rng() % 10 == 0 ? std::nan("") : normal(rng);
  std::vector<double> one(n * 2), batch(n * 2), two(n * 2);
  for (std::size_t r = 0; r < n; ++r) f.RawPredict(x.data() + r * F, 1, one.data() + r * 2, 1);
  f.RawPredict(x.data(), n, batch.data(), 1);
  f.RawPredict(x.data(), n, two.data(), 2);
  for (std::size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(std::memcmp(&one[i], &batch[i], 8), 0) << i;
    ASSERT_EQ(std::memcmp(&two[i], &batch[i], 8), 0) << i;
  }
}

// --- broken states ---------------------------------------------------------------------------------

TEST(BoostingErrors, HistGradientBoosting) {
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "HistGradientBoostingClassifier_binary.p5.pkl"));
    SetAttr(RootState(f), "_baseline_prediction", NewFloats(f.graph, {1, 2, 3}));
    EXPECT_EQ(LoadError(std::move(f)), "histgradientboostingclassifier._baseline_prediction: has 3 values for 1 trees per iteration");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "HistGradientBoostingRegressor.p5.pkl"));
    SetAttr(RootState(f), "_loss", NewObject(f.graph, "sklearn._loss.loss", "MysteryLoss", {}));
    EXPECT_EQ(LoadError(std::move(f)), "histgradientboostingregressor._loss: loss class sklearn._loss.loss.MysteryLoss is not supported");
  }
  {
    // A child index pointing back at the root.
    ModelFile f = ReadModelFile(Fixture("0.23.2", "HistGradientBoostingRegressor.p5.pkl"));
    const Value* it0 = GetAttr(RootState(f), "_predictors")->items[0];
    Value* pred_state = StateOf(it0->items[0]);
    const Value* nodes = GetAttr(pred_state, "nodes");
    const DTypeField* left = nodes->array->dtype.Field("left");
    ASSERT_TRUE(left);
    SetAttr(pred_state, "nodes", EditedCopy(f.graph, nodes, [&](std::byte* p) { std::memset(p + left->offset, 0, 4); }));
    EXPECT_EQ(LoadError(std::move(f)),
              "histgradientboostingregressor._predictors[0][0].nodes: node 0 has children 0 and 4: expected two distinct indices in 1..4");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "HistGradientBoostingClassifier_multiclass_str.p5.pkl"));
    SetAttr(RootState(f), "n_trees_per_iteration_", nullptr);
    EXPECT_EQ(LoadError(std::move(f)), "histgradientboostingclassifier.n_trees_per_iteration_: is 1 for 3 classes");
  }
  auto m = Model::Load(Fixture("1.9.0", "HistGradientBoostingRegressor.p5.pkl"));
  Table x = FixtureInput("1.9.0", "regression").Select({0, 1, 2});
  try {
    m->Run(Method::kPredict, x);
    FAIL() << "3 columns accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(e.message(), "the model expects 6 columns, the input has 3");
  }
}

TEST(BoostingErrors, GradientBoosting) {
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "GradientBoostingRegressor_huber.p5.pkl"));
    SetAttr(RootState(f), "init_", NewStr(f.graph, "mean"));
    EXPECT_EQ(LoadError(std::move(f)), "gradientboostingregressor.init_: unknown init 'mean'");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "GradientBoostingClassifier_multiclass.p5.pkl"));
    SetAttr(RootState(f), "classes_", NewFloats(f.graph, {0, 1, 2, 3}));
    EXPECT_EQ(LoadError(std::move(f)), "gradientboostingclassifier.estimators_: has 3 trees per stage, expected 4");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.2.1", "GradientBoostingClassifier_binary.p5.pkl"));
    SetAttr(RootState(f), "_loss", NewObject(f.graph, "sklearn.ensemble._gb_losses", "LeastSquaresError", {}));
    EXPECT_EQ(LoadError(std::move(f)), "gradientboostingclassifier._loss: LeastSquaresError is not a classification loss");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.4.2", "GradientBoostingClassifier_binary.p5.pkl"));
    SetAttr(RootState(f), "estimators_", NewFloats(f.graph, {1, 2}));
    EXPECT_EQ(LoadError(std::move(f)), "gradientboostingclassifier.estimators_: expected a 2-d object array, found <ndarray float64 (2,)>");
  }
  auto m = Model::Load(Fixture("1.9.0", "GradientBoostingRegressor_squared_error.p5.pkl"));
  Table x = FixtureInput("1.9.0", "regression");
  x.dense[2 * x.cols + 1] = std::nan("");
  try {
    m->Run(Method::kPredict, x);
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("input row 2, column 1 holds nan, which scikit-learn rejects"), std::string::npos) << e.message();
  }
  x.dense[2 * x.cols + 1] = 1e39;  // beyond float32
  EXPECT_THROW(m->Run(Method::kPredict, x), Error);
}

TEST(BoostingErrors, MetaEnsembles) {
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "AdaBoostRegressor.p5.pkl"));
    SetAttr(RootState(f), "estimator_weights_", NewFloats(f.graph, {1}));
    EXPECT_EQ(LoadError(std::move(f)), "adaboostregressor.estimator_weights_: has 1 weights for 10 estimators");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "VotingRegressor.p5.pkl"));
    SetAttr(RootState(f), "weights", NewFloats(f.graph, {1, 2, 3, 4, 5}));
    std::string err = LoadError(std::move(f));
    EXPECT_NE(err.find("votingregressor.weights: has 5 weights for"), std::string::npos) << err;
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "StackingRegressor.p5.pkl"));
    SetAttr(RootState(f), "stack_method_", NewList(f.graph, {NewStr(f.graph, "predict")}));
    std::string err = LoadError(std::move(f));
    EXPECT_NE(err.find("stackingregressor.stack_method_: has 1 methods for"), std::string::npos) << err;
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "StackingRegressor.p5.pkl"));
    auto items = GetAttr(RootState(f), "stack_method_")->items;
    for (auto& i : items) i = NewStr(f.graph, "transform");
    SetAttr(RootState(f), "stack_method_", NewList(f.graph, items));
    std::string err = LoadError(std::move(f));
    EXPECT_NE(err.find("stackingregressor.stack_method_[0]: stack method 'transform' is not supported"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace skbridge
