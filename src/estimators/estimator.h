// The typed-model stage: the Estimator interface every decoded scikit-learn estimator implements,
// and the helpers decoders use to read fitted state out of the value graph.
//
// Decoders (one file per family, listed in registry.cc) read an estimator's state once, check
// every shape and index, convert arrays to contiguous float64/int64 buffers and throw
// Error::InvalidModel naming the attribute path on any inconsistency. Run() is const and touches
// no shared mutable state, so one Estimator serves any number of threads.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "skbridge/error.h"
#include "skbridge/model.h"
#include "skbridge/value.h"

namespace skbridge {

class Estimator {
 public:
  virtual ~Estimator() = default;
  virtual bool Has(Method m) const = 0;
  /// REQUIRES: Has(m). Throws Error::InvalidInput for input the estimator cannot take.
  virtual Output Run(Method m, const Table& x) const = 0;

  std::string class_path;   ///< "sklearn.linear_model._logistic.LogisticRegression"
  std::string path;         ///< where it sits in the file: "pipeline.steps[1].logisticregression"
  std::string sklearn_version;
  InputSpec input;
  std::optional<Labels> classes;

 protected:
  /// Dense input with exactly input.n_features columns (when known); error names this estimator.
  /// Returns `x` itself when it is dense (no copy), else its dense form stored in `*storage`.
  const Table& DenseInput(const Table& x, Table* storage) const;
  [[noreturn]] void Unsupported(Method m) const;
};

namespace est {

/// A dense row-major matrix read from the model.
struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<double> v;
  double at(std::size_t r, std::size_t c) const { return v[r * cols + c]; }
};

class DecodeContext;

/// The state dict of one estimator object, with its path for error messages.
class Fields {
 public:
  Fields(const Value& object, DecodeContext* ctx, std::string path);

  const std::string& path() const { return path_; }
  const Value& object() const { return object_; }
  std::string class_path() const { return object_.GlobalPath(); }
  /// The `_sklearn_version` recorded, or "pre-0.18".
  const std::string& version() const { return version_; }
  DecodeContext& ctx() { return *ctx_; }

  const Value* Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  /// The attribute, or Error::InvalidModel "<path>.<name>: missing".
  const Value& Get(std::string_view name) const;
  /// First of several names an attribute has had across versions.
  const Value* FindAny(std::initializer_list<std::string_view> names) const;

  double Float(std::string_view name) const;
  std::int64_t Int(std::string_view name) const;
  bool Bool(std::string_view name) const;
  std::string Str(std::string_view name) const;
  bool IsNone(std::string_view name) const;  ///< absent or None

  /// A numeric array (any numeric dtype, any order) as float64 in C order. `expected` checks the
  /// element count when given.
  std::vector<double> Doubles(std::string_view name, std::optional<std::size_t> expected = {}) const;
  std::vector<std::int64_t> Ints(std::string_view name, std::optional<std::size_t> expected = {}) const;
  /// A 2-d array; a 1-d one is read as one row. rows/cols checked when given.
  Matrix Matrix2D(std::string_view name, std::optional<std::size_t> rows = {}, std::optional<std::size_t> cols = {}) const;
  Labels GetLabels(std::string_view name) const;
  /// Decodes a nested estimator (through the registry).
  std::shared_ptr<const Estimator> Child(std::string_view name) const;

  [[noreturn]] void Fail(std::string_view name, const std::string& message) const;
  std::string At(std::string_view name) const { return path_ + "." + std::string(name); }

  /// Fills n_features / feature_names / classes common to estimators.
  void ReadCommon(Estimator* e, bool classifier) const;

 private:
  const Value& object_;
  const Value* state_;
  DecodeContext* ctx_;
  std::string path_;
  std::string version_;
};

/// The error for a value of the wrong kind: names a missing legacy side file, or a non-allowlisted
/// reconstructor (Error::Unsafe), or else what was found.
Error UnexpectedValue(const Value& v, const std::string& path, std::string_view expected);

/// Conversions used by decoders on values that are not direct attributes.
std::vector<double> ToDoubles(const Value& v, const std::string& path);
std::vector<std::int64_t> ToInts(const Value& v, const std::string& path);
Labels ToLabels(const Value& v, const std::string& path);
std::vector<std::string> ToStrings(const Value& v, const std::string& path);
/// The shape of an array value (or throws naming `path`).
std::vector<std::int64_t> ShapeOf(const Value& v, const std::string& path);

using DecodeFn = std::shared_ptr<Estimator> (*)(Fields& fields);

/// Shared state of one model's decoding: the registry lookup, shared sub-estimators, depth.
class DecodeContext {
 public:
  explicit DecodeContext(const ModelFile& file) : file_(file) {}
  /// Decodes `v` (an estimator object) found at `path`. The same object decodes once.
  std::shared_ptr<const Estimator> Decode(const Value& v, const std::string& path);
  const ModelFile& file() const { return file_; }

 private:
  const ModelFile& file_;
  std::unordered_map<const Value*, std::shared_ptr<const Estimator>> done_;
  std::size_t depth_ = 0;
};

/// Registry lookup: the decoder for module.name, or nullptr.
DecodeFn FindDecoder(std::string_view module, std::string_view name);

/// Output helpers shared by families.
Output NumericOutput(std::size_t rows, std::size_t cols, std::vector<double> values);
/// predict of a classifier: argmax of each row of `scores` (rows x k) mapped to `classes`.
Output ArgmaxLabels(const Labels& classes, std::size_t rows, std::size_t k, const std::vector<double>& scores);

}  // namespace est
}  // namespace skbridge
