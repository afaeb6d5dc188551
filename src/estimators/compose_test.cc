// Composition: Pipeline, ColumnTransformer (names, indices, masks, slices, selectors, remainder,
// weights, text passthrough), FeatureUnion, TransformedTargetRegressor, search CVs and threshold
// classifiers, against real scikit-learn (tests/data/compose and the fixture corpus).
#include "estimators/fixture_harness_test.h"

namespace skbridge {
namespace {

namespace fs = std::filesystem;
using testing::ComposeDataFile;
using testing::CsvInput;
using testing::Fixture;

TEST(Compose, ExtraModelsMatchScikitLearn) {
  double worst = 0;
  int ran = testing::RunFamilyCases({"ct_", "pipeline_", "feature_union", "ttr_", "fixed_", "tuned_", "grid_", "broken_ct"}, &worst);
  EXPECT_GE(ran, 30);
  std::printf("compose: %d extra cases, worst relative error %g\n", ran, worst);
}

TEST(Compose, CorpusCasesMatch) {
  // Cases whose every estimator is in this family or in linear models.
  const char* cases[] = {"TransformedTargetRegressor_log1p", "FixedThresholdClassifier", "TunedThresholdClassifierCV"};
  for (const char* name : cases) {
    for (const auto& [version, model] : testing::FixtureFilesOf(name, {".joblib"})) {
      SCOPED_TRACE(model);
      auto m = Model::Load(model);
      Table x = testing::FixtureInput(version, std::string(name).starts_with("Transformed") ? "regression" : "binary");
      for (Method method : m->methods()) {
        fs::path want = Fixture(version, std::string(name) + "." + MethodName(method) + ".npy");
        if (!fs::exists(want)) continue;
        testing::ExpectMatchesNpy(m->Run(method, x), want, model + " " + MethodName(method));
      }
    }
  }
}

TEST(Compose, ColumnTransformerInputSpec) {
  // Fitted on a DataFrame: names, and text for the columns its encoders take with text categories
  // (the slice 'color':'city' also takes the numeric column b).
  auto m = Model::Load(ComposeDataFile("1.9.0", "ct_slices.pkl"));
  EXPECT_EQ(m->input().feature_names, (std::vector<std::string>{"a", "color", "b", "size", "city", "k"}));
  EXPECT_EQ(m->input().is_text, (std::vector<bool>{false, true, false, true, true, false}));
}

TEST(Compose, PipelineInputComesFromFirstStep) {
  auto m = Model::Load(ComposeDataFile("1.9.0", "pipeline_ct_logreg.pkl"));
  EXPECT_EQ(m->input().feature_names.size(), 6u);
  ASSERT_TRUE(m->classes().has_value());
  EXPECT_TRUE(m->Has(Method::kPredictProba));
  EXPECT_FALSE(m->Has(Method::kTransform));
}

TEST(Compose, FramePipelineMarksTextColumns) {
  // Pipeline(ColumnTransformer(num: impute+scale, cat: impute+one-hot), LogisticRegression):
  // the columns that reach the encoder expect text.
  for (const char* version : {"0.23.2", "1.9.0"}) {
    auto m = Model::Load(Fixture(version, "Pipeline_frame_logreg.joblib"));
    EXPECT_EQ(m->input().feature_names, (std::vector<std::string>{"age", "income", "score", "color", "size", "city"})) << version;
    EXPECT_EQ(m->input().is_text, (std::vector<bool>{false, false, false, true, true, true})) << version;
  }
}

TEST(Compose, PassthroughLastStepOnlyTransforms) {
  auto m = Model::Load(ComposeDataFile("1.9.0", "pipeline_passthrough_last.pkl"));
  EXPECT_EQ(m->methods(), std::vector<Method>{Method::kTransform});
}

TEST(Compose, ColumnTransformerColumnsByName) {
  // Columns are matched by name: a reordered input gives the same output.
  auto m = Model::Load(ComposeDataFile("1.9.0", "ct_slices.pkl"));
  std::string csv = ComposeDataFile("1.9.0", "inputs/frame.csv");
  Output a = m->Run(Method::kTransform, CsvInput(csv));
  Output b = m->Run(Method::kTransform, CsvInput(csv, {"k", "city", "size", "b", "color", "a"}));
  EXPECT_EQ(a.values, b.values);
  try {
    m->Run(Method::kTransform, CsvInput(csv, {"k", "city", "size", "b", "color"}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("'a'"), std::string::npos) << e.message();
  }
}

TEST(Compose, TextPassthroughFeedsEncoder) {
  // ColumnTransformer passes a text column through; the next step's encoder takes it as text.
  auto m = Model::Load(ComposeDataFile("1.9.0", "ct_text_passthrough_pipeline.pkl"));
  std::string csv = ComposeDataFile("1.9.0", "inputs/frame.csv");
  EXPECT_NO_THROW(m->Run(Method::kTransform, CsvInput(csv)));
}

}  // namespace
}  // namespace skbridge
