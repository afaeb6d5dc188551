// Kernels for categorical encoders: where each cell of an input column sits in an encoder's
// categories_ (scikit-learn's _check_unknown + _encode), and a few numpy functions applied
// elementwise (the ufuncs a FunctionTransformer / TransformedTargetRegressor may hold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "skbridge/model.h"

namespace skbridge::kernels {

/// The categories of one input feature and a lookup from a cell to its position in categories_.
/// Text categories (object / str dtype) match strings exactly; numeric categories match numbers
/// exactly (1 == 1.0, as numpy compares them). The missing-value category (NaN or None, always
/// last in categories_) matches missing cells: empty/NA text cells and NaN numbers.
class CategoryLookup {
 public:
  static constexpr std::int32_t kUnknown = -1;

  /// Text categories; `positions[i]` is the position of `values[i]` in categories_.
  void SetText(std::vector<std::string> values, std::vector<std::int32_t> positions);
  /// Numeric categories (no NaN among them); positions as above.
  void SetNumbers(std::vector<double> values, std::vector<std::int32_t> positions);
  /// Position of the NaN category and of the None category in categories_ (kUnknown when absent).
  void SetMissing(std::int32_t nan_position, std::int32_t none_position);
  void SetSize(std::size_t n) { size_ = n; }

  bool text() const { return text_; }
  std::size_t size() const { return size_; }
  /// Where a missing cell goes: the NaN category, else the None category, else kUnknown.
  std::int32_t missing() const { return nan_ != kUnknown ? nan_ : none_; }

  std::int32_t FindText(std::string_view s) const;
  std::int32_t FindNumber(double v) const;

  /// The position of every cell of column `c` of `x` (kUnknown where not a category), written to
  /// out[r * stride]. Text cells against numeric categories are parsed as numbers (an unparsable
  /// one is unknown); numbers against text categories are unknown except NaN (missing).
  void Encode(const Table& x, std::size_t c, std::int32_t* out, std::size_t stride) const;

  /// Text of category `pos` for messages and feature names ("blue", "3", "nan", "None").
  std::string Name(std::int32_t pos) const;
  /// A short list of the categories for error messages: 'a', 'b', 'c' ... (n more).
  std::string Describe(std::size_t max_items = 8) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool text_ = true;
  std::size_t size_ = 0;
  std::unordered_map<std::string, std::int32_t, Hash, std::equal_to<>> by_text_;
  std::vector<std::pair<double, std::int32_t>> by_number_;  // sorted by value
  std::vector<std::string> names_;                            // by position
  std::int32_t nan_ = kUnknown, none_ = kUnknown;
};

/// The text of cell (r, c) of `x` for messages: 'paris', 3.5, or "a missing value".
std::string CellText(const Table& x, std::size_t r, std::size_t c);
/// "'city' (#3)" or "#3" when the column has no name; `fallback` names it when the table does not.
std::string ColumnLabel(const Table& x, std::size_t c, const std::vector<std::string>& fallback = {});

/// A numpy ufunc of one float64 argument by name ("expm1", "log1p", "sqrt" ...), applied as numpy
/// does for float64; nullptr when skbridge does not implement it.
using UnaryFn = double (*)(double);
UnaryFn NumpyUnary(std::string_view name);

}  // namespace skbridge::kernels
