// Linear family: predictions against the real-scikit-learn fixtures, the per-version probability
// rules, and the messages of broken states (built by editing a decoded value graph before typing).
#include <cmath>
#include <string>

#include "estimators/fixture_harness_test.h"
#include "kernels/linear.h"

namespace skbridge {
namespace {

using testing::Fixture;
using testing::FixtureInput;
using testing::LoadError;
using testing::NewFloats;
using testing::NewInt;
using testing::NewStr;
using testing::RecordedValues;
using testing::RootState;
using testing::SetAttr;
using testing::ValuesMatch;

// --- predictions ------------------------------------------------------------------------------

TEST(Linear, LogisticRegressionMatchesEveryVersion) {
  for (std::string v : testing::kFixtureVersions) {
    for (std::string name : {"LogisticRegression_binary", "LogisticRegression_multinomial"}) {
      SCOPED_TRACE(v + " " + name);
      auto m = Model::Load(Fixture(v, name + ".p5.pkl"));
      Table x = FixtureInput(v, name.ends_with("binary") ? "binary" : "multiclass");
      EXPECT_TRUE(ValuesMatch(m->Run(Method::kPredictProba, x).values, RecordedValues(v, name + ".predict_proba.npy")));
      EXPECT_TRUE(ValuesMatch(m->Run(Method::kDecisionFunction, x).values, RecordedValues(v, name + ".decision_function.npy")));
      EXPECT_TRUE(ValuesMatch(m->Run(Method::kPredictLogProba, x).values, RecordedValues(v, name + ".predict_log_proba.npy")));
    }
  }
}

TEST(Linear, RegressorsKeepTheShapeOfCoef) {
  auto m = Model::Load(Fixture("1.9.0", "LinearRegression_multioutput.p5.pkl"));
  Output o = m->Run(Method::kPredict, FixtureInput("1.9.0", "multioutput"));
  EXPECT_EQ(o.rows, 16u);
  EXPECT_GT(o.cols, 1u);
  EXPECT_TRUE(ValuesMatch(o.values, RecordedValues("1.9.0", "LinearRegression_multioutput.predict.npy")));
  auto r = Model::Load(Fixture("1.9.0", "Ridge.p5.pkl"));
  EXPECT_EQ(r->Run(Method::kPredict, FixtureInput("1.9.0", "regression")).cols, 0u);
}

TEST(Linear, MethodsFollowTheLoss) {
  EXPECT_TRUE(Model::Load(Fixture("1.9.0", "SGDClassifier_log_loss.p5.pkl"))->Has(Method::kPredictProba));
  EXPECT_TRUE(Model::Load(Fixture("1.9.0", "SGDClassifier_modified_huber.p5.pkl"))->Has(Method::kPredictLogProba));
  EXPECT_FALSE(Model::Load(Fixture("1.9.0", "SGDClassifier_hinge.p5.pkl"))->Has(Method::kPredictProba));
  EXPECT_FALSE(Model::Load(Fixture("1.9.0", "Perceptron.p5.pkl"))->Has(Method::kPredictProba));
  EXPECT_FALSE(Model::Load(Fixture("1.9.0", "LinearSVC_binary.p5.pkl"))->Has(Method::kPredictProba));
  auto oc = Model::Load(Fixture("1.9.0", "SGDOneClassSVM.p5.pkl"));
  EXPECT_TRUE(oc->Has(Method::kScoreSamples));
  Table x = FixtureInput("1.9.0", "binary");
  EXPECT_TRUE(ValuesMatch(oc->Run(Method::kScoreSamples, x).values, RecordedValues("1.9.0", "SGDOneClassSVM.score_samples.npy")));
  Output p = oc->Run(Method::kPredict, x);
  ASSERT_TRUE(p.labels);
  EXPECT_TRUE(ValuesMatch(std::vector<double>(p.labels->ints.begin(), p.labels->ints.end()), RecordedValues("1.9.0", "SGDOneClassSVM.predict.npy")));
}

TEST(Linear, GlmsApplyTheirLink) {
  for (std::string v : {"0.23.2", "1.9.0"}) {
    for (std::string name : {"PoissonRegressor", "GammaRegressor", "TweedieRegressor"}) {
      SCOPED_TRACE(v + " " + name);
      auto m = Model::Load(Fixture(v, name + ".p5.pkl"));
      EXPECT_TRUE(ValuesMatch(m->Run(Method::kPredict, FixtureInput(v, "regression")).values, RecordedValues(v, name + ".predict.npy")));
    }
  }
}

// Before 1.x stored classes_ on RidgeClassifier, it was a property reading _label_binarizer.
TEST(Linear, RidgeClassifierFindsClassesOnItsLabelBinarizer) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "RidgeClassifier_multiclass_str.p5.pkl"));
  SetAttr(RootState(f), "classes_", nullptr);
  auto m = Model::FromFile(std::move(f));
  ASSERT_TRUE(m->classes());
  Output o = m->Run(Method::kPredict, FixtureInput("1.9.0", "multiclass"));
  ASSERT_TRUE(o.labels);
  EXPECT_EQ(o.labels->type, Labels::Type::kString);
}

// The probability rule is the writing version's: the same 3-class multinomial weights give a
// softmax in 1.9 (multi_class gone) and for 'auto' in 1.4, but OvR sigmoids under multi_class='ovr'.
TEST(Linear, ProbabilityRuleFollowsMultiClass) {
  Table x = FixtureInput("1.4.2", "multiclass");
  auto soft = Model::Load(Fixture("1.4.2", "LogisticRegression_multinomial.p5.pkl"))->Run(Method::kPredictProba, x);
  ModelFile f = ReadModelFile(Fixture("1.4.2", "LogisticRegression_multinomial.p5.pkl"));
  SetAttr(RootState(f), "multi_class", NewStr(f.graph, "ovr"));
  auto ovr = Model::FromFile(std::move(f))->Run(Method::kPredictProba, x);
  ASSERT_EQ(soft.values.size(), ovr.values.size());
  std::vector<double> scores = Model::Load(Fixture("1.4.2", "LogisticRegression_multinomial.p5.pkl"))->Run(Method::kDecisionFunction, x).values;
  std::vector<double> expect(scores.size());
  kernels::OvrProba(scores.data(), x.rows, 3, false, expect.data());
  EXPECT_TRUE(ValuesMatch(ovr.values, expect));
  EXPECT_NE(soft.values[0], ovr.values[0]);
}

// --- broken states --------------------------------------------------------------------------

TEST(LinearErrors, InterceptMustMatchCoef) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "LogisticRegression_binary.p5.pkl"));
  SetAttr(RootState(f), "intercept_", NewFloats(f.graph, {1, 2, 3}));
  EXPECT_EQ(LoadError(std::move(f)), "logisticregression.intercept_: expected 1 values to match coef_, got 3");
}

TEST(LinearErrors, CoefMustMatchFeatureCount) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "LogisticRegression_binary.p5.pkl"));
  SetAttr(RootState(f), "n_features_in_", NewInt(f.graph, 7));
  EXPECT_EQ(LoadError(std::move(f)), "logisticregression.coef_: expected (?, 7), got (1, 6)");
}

TEST(LinearErrors, CoefRowsMustMatchClasses) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "LogisticRegression_multinomial.p5.pkl"));
  const Value* binary_classes = nullptr;
  {
    ModelFile b = ReadModelFile(Fixture("1.9.0", "LogisticRegression_binary.p5.pkl"));
    // Copy the binary classes_ array into f's graph.
    Value* v = f.graph.New(Kind::kArray);
    v->array = b.graph.root->State()->Get("classes_")->array;
    binary_classes = v;
  }
  SetAttr(RootState(f), "classes_", binary_classes);
  EXPECT_EQ(LoadError(std::move(f)), "logisticregression.coef_: has 3 rows for 2 classes");
}

TEST(LinearErrors, MissingAndUnknownAttributes) {
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "SGDClassifier_hinge.p5.pkl"));
    SetAttr(RootState(f), "classes_", nullptr);
    EXPECT_EQ(LoadError(std::move(f)), "sgdclassifier.classes_: missing");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.4.2", "LogisticRegression_binary.p5.pkl"));
    SetAttr(RootState(f), "multi_class", NewStr(f.graph, "bogus"));
    EXPECT_EQ(LoadError(std::move(f)), "logisticregression.multi_class: unknown value 'bogus'");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.4.2", "LogisticRegression_binary.p5.pkl"));
    SetAttr(RootState(f), "multi_class", nullptr);
    EXPECT_EQ(LoadError(std::move(f)), "logisticregression.multi_class: missing (scikit-learn 1.4.2 always stores it)");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "SGDOneClassSVM.p5.pkl"));
    SetAttr(RootState(f), "offset_", NewFloats(f.graph, {1, 2}));
    EXPECT_EQ(LoadError(std::move(f)), "sgdoneclasssvm.offset_: expected 1 value, got 2");
  }
}

TEST(LinearErrors, BadInputNamesTheEstimatorAndCell) {
  auto m = Model::Load(Fixture("1.9.0", "Ridge.p5.pkl"));
  Table x = FixtureInput("1.9.0", "regression");
  x.dense[1 * x.cols + 2] = std::nan("");
  try {
    m->Run(Method::kPredict, x);
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("row 2, column 3 is missing (NaN)"), std::string::npos) << e.message();
  }
  x.dense[1 * x.cols + 2] = INFINITY;
  try {
    m->Run(Method::kPredict, x);
    FAIL() << "infinity accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("is infinite"), std::string::npos) << e.message();
  }
  auto c = Model::Load(Fixture("1.9.0", "LinearSVC_binary.p5.pkl"));
  try {
    c->Run(Method::kPredictProba, FixtureInput("1.9.0", "binary"));
    FAIL() << "predict_proba on LinearSVC";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  }
}

TEST(LinearKernels, NumpyPairwiseSum) {
  // 9 values: 8 accumulators, combined pairwise, then the rest.
  std::vector<double> a = {1e16, 1, 1, 1, 1, 1, 1, 1, 1};
  double r = ((1e16 + 1) + (1.0 + 1)) + ((1.0 + 1) + (1.0 + 1));
  r += 1;
  EXPECT_EQ(kernels::NumpySum(a.data(), a.size()), r);
  std::vector<double> b = {1, 2, 3};
  EXPECT_EQ(kernels::NumpySum(b.data(), 3), 6);
}

}  // namespace
}  // namespace skbridge
