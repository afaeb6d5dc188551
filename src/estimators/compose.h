// Composition helpers shared with transformer families: keeping text columns as text between the
// steps of a Pipeline / ColumnTransformer / FeatureUnion.
//
// Estimator::Run returns numbers. A transformer whose output can hold text (an imputer filling
// strings, 'passthrough' of text columns, a ColumnTransformer holding them) also implements
// TableTransformer; the composites call TransformAsTable, which uses it when present and falls
// back to the numeric Run(kTransform) otherwise.
#pragma once

#include "estimators/estimator.h"

namespace skbridge::est {

class TableTransformer {
 public:
  virtual ~TableTransformer() = default;
  /// transform, with text columns kept as text (Table::columns) when the output has any.
  virtual Table TransformTable(const Table& x) const = 0;
};

/// `e`'s transform of `x` as a Table.
Table TransformAsTable(const Estimator& e, const Table& x);
/// An Output as a Table: numbers as a dense table (1-d output becomes one column), text output
/// (see TableAsOutput) as text columns.
Table OutputAsTable(Output o);
/// A Table as an Output: numbers when it holds no text; otherwise every cell as text in `labels`
/// (Labels::Type::kString, rows x cols row-major, "" where missing), the convention SimpleImputer
/// uses for text output (impute.cc); OutputAsTable reads it back.
Output TableAsOutput(const Table& t);

}  // namespace skbridge::est
