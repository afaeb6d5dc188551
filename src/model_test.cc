// The public Model API: methods, input spec, classes, name matching, and concurrent use of one
// loaded model from many threads (results identical to a single-threaded run).
#include "skbridge/model.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <filesystem>
#include <thread>

#include "skbridge/error.h"
#include "skbridge/table_io.h"

namespace skbridge {
namespace {

std::string Src(const std::string& rel) { return (std::filesystem::path(SKBRIDGE_SOURCE_DIR) / rel).string(); }

TEST(ModelApi, DescribesTheExampleModel) {
  auto m = Model::Load(Src("examples/iris_pipeline.joblib"));
  EXPECT_EQ(m->class_path(), "sklearn.pipeline.Pipeline");
  EXPECT_TRUE(m->Has(Method::kPredict));
  EXPECT_TRUE(m->Has(Method::kPredictProba));
  EXPECT_FALSE(m->Has(Method::kTransform));
  ASSERT_TRUE(m->classes().has_value());
  EXPECT_EQ(m->classes()->strings, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(m->input().n_features, 4u);
  EXPECT_EQ(m->input().feature_names,
            (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length", "petal_width"}));
}

TEST(ModelApi, ColumnsAreMatchedByNameWhateverTheirOrder) {
  auto m = Model::Load(Src("examples/iris_pipeline.joblib"));
  Table in = ReadTableFile(Src("examples/iris_rows.csv"));
  Output straight = m->Run(Method::kPredictProba, in);
  // The same rows with the columns reversed (names travel with them).
  std::vector<std::size_t> reversed = {3, 2, 1, 0};
  Output shuffled = m->Run(Method::kPredictProba, in.Select(reversed));
  EXPECT_EQ(straight.values, shuffled.values);
  // Without names, position decides: reversed columns give different answers.
  Table unnamed = in.Select(reversed);
  unnamed.names.clear();
  EXPECT_NE(m->Run(Method::kPredictProba, unnamed).values, straight.values);
}

TEST(ModelApi, ConcurrentPredictionsOnOneModelAreIdentical) {
  for (const std::string rel : {"examples/iris_pipeline.joblib", "tests/fixtures/1.9.0/RandomForestClassifier_binary.joblib"}) {
    if (!std::filesystem::exists(Src(rel))) continue;
    SCOPED_TRACE(rel);
    auto m = Model::Load(Src(rel));
    Table in = rel.starts_with("examples") ? ReadTableFile(Src("examples/iris_rows.csv"))
                                           : TableFromNpy(Src("tests/fixtures/1.9.0/inputs/binary.npy"));
    const Output want = m->Run(Method::kPredictProba, in);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          if (m->Run(Method::kPredictProba, in).values != want.values) ++mismatches;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
  }
}

TEST(ModelApi, MissingMethodNamesWhatTheModelHas) {
  auto m = Model::Load(Src("examples/iris_pipeline.joblib"));
  try {
    m->Run(Method::kTransform, ReadTableFile(Src("examples/iris_rows.csv")));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("has no method transform (it has: predict, predict_proba"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

// Large batches stream through pipelines in blocks; the result must equal row-by-row scoring bit
// for bit, and an error must still name the row of the whole batch.
TEST(ModelApi, LargeBatchesEqualRowByRowAndErrorsNameTheBatchRow) {
  auto m = Model::Load(Src("examples/iris_pipeline.joblib"));
  const std::size_t rows = 5000, cols = 4;
  std::vector<double> values(rows * cols);
  std::uint64_t state = 88172645463325252ull;  // xorshift: deterministic, no <random> distribution drift
  for (double& v : values) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    v = static_cast<double>(state % 80000) / 10000.0;
  }
  Table batch = Table::Dense(rows, cols, values);
  Output all = m->Run(Method::kPredictProba, batch);
  ASSERT_EQ(all.rows, rows);
  for (std::size_t r = 0; r < rows; r += 97) {
    Table one = Table::Dense(1, cols, std::vector<double>(values.begin() + r * cols, values.begin() + (r + 1) * cols));
    Output o = m->Run(Method::kPredictProba, one);
    for (std::size_t c = 0; c < o.cols; ++c) ASSERT_EQ(o.values[c], all.values[r * all.cols + c]) << "row " << r;
  }
  values[4321 * cols + 2] = std::numeric_limits<double>::infinity();
  try {
    m->Run(Method::kPredict, Table::Dense(rows, cols, values));
    ADD_FAILURE() << "infinite input accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("row 4322"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace skbridge
