// skbridge/table_io.h — batches in and predictions out: CSV with a header, .npy, and the JSON bodies
// MLflow's scoring server accepts (dataframe_split, dataframe_records, instances, inputs); outputs as
// CSV, JSON {"predictions": ...} with round-trip precision, or .npy.
//
// Errors are Error::InvalidInput naming the file, row and column. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "skbridge/model.h"

namespace skbridge {

/// Parses CSV text with a header row (RFC 4180 quoting). Cells that are empty or one of pandas'
/// missing markers (NA, NaN, nan, N/A, NULL, null, None, <NA> ...) are missing. A column whose
/// present cells all parse as numbers is numeric; otherwise it is text.
Table ParseCsv(std::string_view text, const std::string& source = "<csv>");

/// Parses an MLflow-style JSON body: {"dataframe_split": {"columns": [...], "data": [[...]]}},
/// {"dataframe_records": [{...}, ...]}, {"instances": [[...]] or [{...}]}, {"inputs": ...}, or a
/// bare list of rows.
Table ParseJsonTable(std::string_view text, const std::string& source = "<json>");

/// A 1-d (one row per element... as one column) or 2-d numeric .npy array as a dense table.
Table TableFromNpy(const std::string& path);

/// Reads a file by its extension (.csv, .json, .npy; anything else is sniffed).
Table ReadTableFile(const std::string& path);

enum class OutputFormat { kCsv, kJson, kNpy };
/// Column headers of an output: class labels for probabilities, "prediction" for 1-d output ...
std::vector<std::string> OutputColumns(const Output& out, Method method);
std::string FormatCsv(const Output& out, Method method);
std::string FormatJson(const Output& out);
/// .npy bytes: float64 (rows[, cols]); labels as int64, float64, bool or '<U' strings.
std::string FormatNpy(const Output& out);

}  // namespace skbridge
