// skbridge/model.h — a scikit-learn model decoded into typed C++ and run natively.
//
// Model::Load reads a pickle/joblib file (reader.h), decodes every estimator in it through one
// registry table (class path, under every module path scikit-learn has used -> decoder), and
// validates shapes and indices once. Run() then computes predict, predict_proba, ... on a batch,
// with scikit-learn's arithmetic, from any scikit-learn version that wrote the file.
//
// A loaded Model is immutable: any number of threads may call Run() on it concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skbridge/reader.h"

namespace skbridge {

enum class Method : std::uint8_t {
  kPredict,
  kPredictProba,
  kPredictLogProba,
  kDecisionFunction,
  kTransform,
  kScoreSamples,
  /// The standard deviation that predict(X, return_std=True) returns (BayesianRidge, ARDRegression).
  kPredictStd,
};
inline constexpr Method kAllMethods[] = {Method::kPredict,          Method::kPredictProba, Method::kPredictLogProba,
                                         Method::kDecisionFunction, Method::kTransform,    Method::kScoreSamples,
                                         Method::kPredictStd};
const char* MethodName(Method m);
std::optional<Method> ParseMethod(std::string_view name);

/// Class labels (classes_) or predicted labels: integers, floats, booleans or strings.
struct Labels {
  enum class Type : std::uint8_t { kInt, kFloat, kBool, kString };
  Type type = Type::kInt;
  std::vector<std::int64_t> ints;     ///< kInt and kBool (0/1)
  std::vector<double> floats;         ///< kFloat
  std::vector<std::string> strings;   ///< kString
  std::size_t size() const;
  /// The label at i, as text ("3", "2.5", "True", "setosa").
  std::string Text(std::size_t i) const;
  /// A new Labels holding this[indices[k]] for each k.
  Labels Take(const std::vector<std::size_t>& indices) const;
  bool operator==(const Labels& other) const = default;
};

/// One input column: numbers (NaN = missing) or strings (`missing` marks empty / NA cells).
struct Column {
  std::string name;
  bool is_string = false;
  std::vector<double> numbers;
  std::vector<std::string> strings;
  std::vector<std::uint8_t> missing;  ///< string columns: 1 where the cell is missing
};

/// A batch of rows. Numeric batches are one dense row-major matrix (`dense`); batches with text
/// columns keep their columns. `names` are column names when known (empty otherwise).
struct Table {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<double> dense;       ///< rows * cols, row-major; used when `columns` is empty
  std::vector<Column> columns;     ///< non-empty only for tables with text columns
  std::vector<std::string> names;  ///< column names, or empty

  bool is_dense() const { return columns.empty(); }
  static Table Dense(std::size_t rows, std::size_t cols, std::vector<double> values, std::vector<std::string> names = {});
  /// Dense view: converts text-free column tables; throws Error::InvalidInput naming the first text
  /// cell otherwise.
  Table ToDense() const;
  /// The column at `c` as a Column (copies), whatever the storage.
  Column GetColumn(std::size_t c) const;
  /// Keeps the columns in `indices`, in that order.
  Table Select(const std::vector<std::size_t>& indices) const;
};

/// Result of one method on a batch: a numeric matrix (rows x cols; cols == 0 for 1-d output) or,
/// for predict of a classifier, labels.
struct Output {
  std::size_t rows = 0;
  std::size_t cols = 0;  ///< 0: one value per row
  std::vector<double> values;
  std::optional<Labels> labels;
  std::vector<std::string> column_names;  ///< e.g. class labels for predict_proba
};

/// What the model expects as input.
struct InputSpec {
  std::size_t n_features = 0;               ///< 0 when unknown
  std::vector<std::string> feature_names;   ///< when fitted on a DataFrame
  std::vector<bool> is_text;                ///< per feature name: expects strings (encoders)
};

class Estimator;  // internal

class Model {
 public:
  /// Reads and decodes `path`. Throws Error (kUnsupported names the estimator, its module and the
  /// scikit-learn version; kUnsafe names a non-allowlisted global the model would need).
  static std::shared_ptr<const Model> Load(const std::string& path, const ReadOptions& options = {});
  static std::shared_ptr<const Model> FromFile(ModelFile file);

  /// The methods the top-level estimator offers.
  std::vector<Method> methods() const;
  bool Has(Method m) const;
  const InputSpec& input() const;
  /// classes_ of a classifier.
  const std::optional<Labels>& classes() const;
  /// "sklearn.pipeline.Pipeline"
  const std::string& class_path() const;
  const ModelFile& file() const { return *file_; }

  /// Runs `method` on a batch. Columns are matched by name when the model has feature names and the
  /// table has names, by position otherwise. Throws Error::InvalidInput on bad input.
  Output Run(Method method, const Table& input) const;

  ~Model();

 private:
  Model() = default;
  std::shared_ptr<const ModelFile> file_;
  std::shared_ptr<const Estimator> root_;
  std::string class_path_;
};

}  // namespace skbridge
