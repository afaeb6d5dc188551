// Encoders: the extra models of tests/data/compose (drop/infrequent/missing/unknown variants,
// multiclass TargetEncoder, LabelBinarizer labels) against real scikit-learn, the fixture corpus's
// encoders, and the errors for unknown categories, bad input and broken fitted state.
#include "estimators/fixture_harness_test.h"

namespace skbridge {
namespace {

using testing::ComposeDataFile;
using testing::CsvInput;
using testing::Fixture;

TEST(Encoders, ExtraModelsMatchScikitLearn) {
  double worst = 0;
  int ran = testing::RunFamilyCases({"ohe_", "oe_", "te_", "lb_", "le_", "broken_ohe", "broken_oe"}, &worst);
  EXPECT_GE(ran, 20);
  std::printf("encoders: %d extra cases, worst relative error %g\n", ran, worst);
}

TEST(Encoders, CorpusCasesMatch) {
  const char* cases[] = {"OneHotEncoder", "OneHotEncoder_dense_drop_first", "OneHotEncoder_drop_if_binary", "OrdinalEncoder"};
  for (const char* name : cases) {
    for (const auto& [version, model] : testing::FixtureFilesOf(name, {".joblib"})) {
      SCOPED_TRACE(model);
      auto m = Model::Load(model);
      Table x = CsvInput(Fixture(version, "inputs/cats.csv"));
      Output o = m->Run(Method::kTransform, x);
      testing::ExpectMatchesNpy(o, Fixture(version, std::string(name) + ".transform.npy"), model);
    }
  }
}

TEST(Encoders, InputSpecMarksTextColumns) {
  auto m = Model::Load(Fixture("1.9.0", "OneHotEncoder.joblib"));
  ASSERT_EQ(m->input().feature_names, (std::vector<std::string>{"color", "size", "city"}));
  EXPECT_EQ(m->input().is_text, (std::vector<bool>{true, true, true}));
}

TEST(Encoders, UnknownCategoryNamesColumnRowAndValue) {
  auto m = Model::Load(Fixture("1.9.0", "OneHotEncoder.joblib"));
  Table x = CsvInput(Fixture("1.9.0", "inputs/cats.csv"));
  x.columns[2].strings[3] = "atlantis";
  try {
    m->Run(Method::kTransform, x);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("'city' (#3) row 4: unknown category 'atlantis'"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("'cairo'"), std::string::npos) << e.message();
  }
}

TEST(Encoders, MissingCellIsUnknownWithoutNanCategory) {
  auto m = Model::Load(Fixture("1.9.0", "OrdinalEncoder.joblib"));
  Table x = CsvInput(Fixture("1.9.0", "inputs/cats.csv"));
  x.columns[0].missing.assign(x.rows, 0);
  x.columns[0].missing[1] = 1;
  try {
    m->Run(Method::kTransform, x);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("'color' (#1) row 2: unknown category a missing value"), std::string::npos) << e.message();
  }
}

TEST(Encoders, WrongColumnCount) {
  auto m = Model::Load(Fixture("1.9.0", "OneHotEncoder.joblib"));
  Table x = CsvInput(Fixture("1.9.0", "inputs/cats.csv"), {"color", "size"});
  try {
    m->Run(Method::kTransform, x);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  }
}

TEST(Encoders, LabelEncoderIsATransformerOfOneColumn) {
  auto m = Model::Load(Fixture("1.9.0", "LabelEncoder.joblib"));
  ASSERT_TRUE(m->classes().has_value());
  EXPECT_EQ(m->classes()->strings, (std::vector<std::string>{"ant", "bee", "cat"}));
  EXPECT_EQ(m->input().n_features, 1u);
  EXPECT_EQ(m->input().is_text, std::vector<bool>{true});
  Table x = Table::Dense(2, 2, {0, 1, 2, 3});
  EXPECT_THROW(m->Run(Method::kTransform, x), Error);
}

TEST(Encoders, MissingCellMatchesNoneCategory) {
  // categories_ ['a', 'b', None]: a missing cell (empty / NA in a CSV) is the None category.
  auto m = Model::Load(ComposeDataFile("1.9.0", "ohe_none_category.pkl"));
  Table x;
  x.rows = 3;
  x.cols = 1;
  Column c;
  c.is_string = true;
  c.strings = {"b", "", "zzz"};
  c.missing = {0, 1, 0};
  x.columns.push_back(c);
  Output o = m->Run(Method::kTransform, x);
  EXPECT_EQ(o.values, (std::vector<double>{0, 1, 0, 0, 0, 1, 0, 0, 0}));
}

}  // namespace
}  // namespace skbridge
