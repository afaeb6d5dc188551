#include "skbridge/table_io.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/io.h"
#include "pickle/text.h"

namespace skbridge {
namespace {

constexpr std::array<std::string_view, 20> kMissing = {"",     "NA",   "NaN",  "nan",  "N/A",     "n/a",      "NULL",
                                                        "null", "None", "<NA>", "#N/A", "#N/A N/A", "#NA",      "-NaN",
                                                        "-nan", "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN", "NAN"};

bool IsMissing(std::string_view s) {
  for (auto m : kMissing) {
    if (s == m) return true;
  }
  return false;
}

bool ParseNumber(std::string_view s, double* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty() || s.size() > 200) return false;
  std::string buf(s);
  char* end = nullptr;
  *out = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  // strtod accepts "inf"/"nan"/hex; pandas reads inf and -inf as numbers too, hex not.
  return buf.find_first_of("xX") == std::string::npos;
}

// Builds a table from rows of cells (strings) and a header; infers numeric vs text per column.
Table FromCells(std::vector<std::string> header, const std::vector<std::vector<std::string>>& rows, const std::string& source) {
  Table t;
  t.rows = rows.size();
  t.cols = header.size();
  t.names = std::move(header);
  bool any_text = false;
  std::vector<Column> cols(t.cols);
  for (std::size_t c = 0; c < t.cols; ++c) {
    Column& col = cols[c];
    col.name = t.names[c];
    col.numbers.resize(t.rows);
    bool numeric = true;
    for (std::size_t r = 0; r < t.rows && numeric; ++r) {
      const std::string& cell = rows[r][c];
      if (IsMissing(cell)) {
        col.numbers[r] = std::nan("");
      } else if (!ParseNumber(cell, &col.numbers[r])) {
        numeric = false;
      }
    }
    if (!numeric) {
      any_text = true;
      col.is_string = true;
      col.numbers.clear();
      col.strings.resize(t.rows);
      col.missing.resize(t.rows);
      for (std::size_t r = 0; r < t.rows; ++r) {
        if (IsMissing(rows[r][c])) col.missing[r] = 1;
        else col.strings[r] = rows[r][c];
      }
    }
  }
  if (any_text) {
    t.columns = std::move(cols);
  } else {
    t.dense.resize(t.rows * t.cols);
    for (std::size_t c = 0; c < t.cols; ++c) {
      for (std::size_t r = 0; r < t.rows; ++r) t.dense[r * t.cols + c] = cols[c].numbers[r];
    }
  }
  (void)source;
  return t;
}

std::vector<std::vector<std::string>> SplitCsv(std::string_view text, const std::string& source) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, cell_started = false;
  std::size_t line = 1;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        cell.push_back(ch);
      }
      continue;
    }
    if (ch == '"' && !cell_started) {
      quoted = true;
      cell_started = true;
    } else if (ch == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      cell_started = false;
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(cell));
      cell.clear();
      cell_started = false;
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));  // skip blank lines
      row.clear();
      ++line;
    } else {
      cell.push_back(ch);
      cell_started = true;
    }
  }
  if (quoted) throw Error::InvalidInput(fmt::format("{}: line {}: a quoted cell is never closed", source, line));
  if (cell_started || !row.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CellText(const nlohmann::json& v, const std::string& source, std::size_t row, const std::string& col) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) return fmt::format("{}", v.get<double>());
  throw Error::InvalidInput(fmt::format("{}: row {}, column '{}': expected a number or a string, found {}", source, row + 1, col, v.dump()));
}

Table FromJsonRows(const nlohmann::json& rows, std::vector<std::string> columns, const std::string& source) {
  if (!rows.is_array()) throw Error::InvalidInput(fmt::format("{}: expected a list of rows", source));
  std::vector<std::vector<std::string>> cells;
  bool records = !rows.empty() && rows[0].is_object();
  if (records && columns.empty()) {
    for (auto it = rows[0].begin(); it != rows[0].end(); ++it) columns.push_back(it.key());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    std::vector<std::string> line;
    if (records) {
      if (!row.is_object()) throw Error::InvalidInput(fmt::format("{}: row {} is not an object like row 1", source, r + 1));
      for (const auto& c : columns) {
        auto it = row.find(c);
        line.push_back(it == row.end() ? std::string() : CellText(*it, source, r, c));
      }
      if (row.size() != columns.size()) {
        for (auto it = row.begin(); it != row.end(); ++it) {
          if (std::find(columns.begin(), columns.end(), it.key()) == columns.end()) {
            throw Error::InvalidInput(fmt::format("{}: row {} has column '{}' that row 1 lacks", source, r + 1, it.key()));
          }
        }
      }
    } else {
      nlohmann::json arr = row.is_array() ? row : nlohmann::json::array({row});
      if (columns.empty()) {
        for (std::size_t c = 0; c < arr.size(); ++c) columns.push_back("");
      }
      if (arr.size() != columns.size()) {
        throw Error::InvalidInput(fmt::format("{}: row {} has {} values, expected {}", source, r + 1, arr.size(), columns.size()));
      }
      for (std::size_t c = 0; c < arr.size(); ++c) line.push_back(CellText(arr[c], source, r, columns[c].empty() ? std::to_string(c) : columns[c]));
    }
    cells.push_back(std::move(line));
  }
  bool named = std::any_of(columns.begin(), columns.end(), [](const std::string& c) { return !c.empty(); });
  Table t = FromCells(columns, cells, source);
  if (!named) t.names.clear();
  return t;
}

std::string JsonNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{}", d);  // shortest representation that round-trips
}

}  // namespace

Table ParseCsv(std::string_view text, const std::string& source) {
  auto rows = SplitCsv(text, source);
  if (rows.empty()) throw Error::InvalidInput(fmt::format("{}: no header row", source));
  std::vector<std::string> header = rows.front();
  rows.erase(rows.begin());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != header.size()) {
      throw Error::InvalidInput(fmt::format("{}: row {} has {} cells, the header has {} columns", source, r + 1, rows[r].size(), header.size()));
    }
  }
  return FromCells(std::move(header), rows, source);
}

Table ParseJsonTable(std::string_view text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error::InvalidInput(fmt::format("{}: invalid JSON at byte {}: {}", source, e.byte, e.what()));
  }
  if (j.is_array()) return FromJsonRows(j, {}, source);
  if (!j.is_object()) throw Error::InvalidInput(fmt::format("{}: expected a JSON object or list", source));
  static constexpr std::array<const char*, 4> kKeys = {"dataframe_split", "dataframe_records", "instances", "inputs"};
  int found = 0;
  for (const char* k : kKeys) found += j.contains(k);
  if (found != 1) {
    throw Error::InvalidInput(fmt::format("{}: expected exactly one of dataframe_split, dataframe_records, instances, inputs", source));
  }
  if (j.contains("dataframe_split")) {
    const auto& s = j["dataframe_split"];
    std::vector<std::string> columns;
    if (s.contains("columns")) {
      for (const auto& c : s["columns"]) columns.push_back(c.is_string() ? c.get<std::string>() : c.dump());
    }
    if (!s.contains("data")) throw Error::InvalidInput(fmt::format("{}: dataframe_split has no \"data\"", source));
    return FromJsonRows(s["data"], columns, source);
  }
  if (j.contains("dataframe_records")) return FromJsonRows(j["dataframe_records"], {}, source);
  const auto& body = j.contains("instances") ? j["instances"] : j["inputs"];
  if (body.is_object()) {  // columnar: {"col": [values...]}
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::string> columns;
    std::size_t n = 0;
    for (auto it = body.begin(); it != body.end(); ++it) {
      columns.push_back(it.key());
      n = std::max<std::size_t>(n, it->is_array() ? it->size() : 1);
    }
    for (std::size_t r = 0; r < n; ++r) {
      nlohmann::json row = nlohmann::json::object();
      for (auto it = body.begin(); it != body.end(); ++it) row[it.key()] = it->is_array() ? (*it)[r] : *it;
      rows.push_back(row);
    }
    return FromJsonRows(rows, columns, source);
  }
  return FromJsonRows(body, {}, source);
}

Table TableFromNpy(const std::string& path) {
  auto a = io::ReadNpyFile(path);
  if (a->ndim() > 2) throw Error::InvalidInput(fmt::format("{}: expected a 1-d or 2-d array, got shape {}", path, a->ShapeString()));
  std::size_t rows = a->ndim() == 0 ? 1 : static_cast<std::size_t>(a->shape[0]);
  std::size_t cols = a->ndim() == 2 ? static_cast<std::size_t>(a->shape[1]) : 1;
  if (a->dtype.kind == DTypeKind::kUnicode || a->dtype.kind == DTypeKind::kBytes) {
    throw Error::InvalidInput(fmt::format("{}: text arrays are not accepted as model input; use CSV or JSON", path));
  }
  std::vector<double> values(rows * cols);
  const NdArray& arr = *a;
  auto get = [&](std::int64_t i) -> double {
    const std::byte* p = arr.data + i * arr.dtype.itemsize;
    switch (arr.dtype.kind) {
      case DTypeKind::kBool: return std::to_integer<int>(*p) != 0;
      case DTypeKind::kFloat: {
        if (arr.dtype.itemsize == 8) { double d; std::memcpy(&d, p, 8); return d; }
        if (arr.dtype.itemsize == 4) { float f; std::memcpy(&f, p, 4); return f; }
        break;
      }
      case DTypeKind::kInt: {
        if (arr.dtype.itemsize == 8) { std::int64_t x; std::memcpy(&x, p, 8); return static_cast<double>(x); }
        if (arr.dtype.itemsize == 4) { std::int32_t x; std::memcpy(&x, p, 4); return x; }
        if (arr.dtype.itemsize == 2) { std::int16_t x; std::memcpy(&x, p, 2); return x; }
        if (arr.dtype.itemsize == 1) { std::int8_t x; std::memcpy(&x, p, 1); return x; }
        break;
      }
      case DTypeKind::kUInt: {
        if (arr.dtype.itemsize == 8) { std::uint64_t x; std::memcpy(&x, p, 8); return static_cast<double>(x); }
        if (arr.dtype.itemsize == 4) { std::uint32_t x; std::memcpy(&x, p, 4); return x; }
        if (arr.dtype.itemsize == 2) { std::uint16_t x; std::memcpy(&x, p, 2); return x; }
        if (arr.dtype.itemsize == 1) { std::uint8_t x; std::memcpy(&x, p, 1); return x; }
        break;
      }
      default: break;
    }
    throw Error::InvalidInput(fmt::format("{}: dtype {} is not numeric", path, arr.dtype.Str()));
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      std::int64_t i = arr.fortran_order ? static_cast<std::int64_t>(c * rows + r) : static_cast<std::int64_t>(r * cols + c);
      values[r * cols + c] = get(i);
    }
  }
  return Table::Dense(rows, cols, std::move(values));
}

Table ReadTableFile(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".npy") return TableFromNpy(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Io(fmt::format("{}: cannot open input file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (ext == ".json") return ParseJsonTable(text, path);
  if (ext == ".csv" || ext == ".txt") return ParseCsv(text, path);
  if (text.starts_with("\x93NUMPY")) return TableFromNpy(path);
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) return ParseJsonTable(text, path);
  return ParseCsv(text, path);
}

std::vector<std::string> OutputColumns(const Output& out, Method method) {
  std::vector<std::string> cols;
  if (out.cols == 0) return {method == Method::kPredict ? "prediction" : MethodName(method)};
  if (out.column_names.size() == out.cols) return out.column_names;
  for (std::size_t c = 0; c < out.cols; ++c) cols.push_back(fmt::format("{}_{}", method == Method::kPredict ? "prediction" : MethodName(method), c));
  return cols;
}

namespace {
std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
std::string CsvNumber(double d) {
  if (std::isnan(d)) return "";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return fmt::format("{}", d);
}
}  // namespace

std::string FormatCsv(const Output& out, Method method) {
  std::string s;
  auto cols = OutputColumns(out, method);
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (c) s += ',';
    s += CsvQuote(cols[c]);
  }
  s += "\n";
  for (std::size_t r = 0; r < out.rows; ++r) {
    if (out.labels) {
      s += CsvQuote(out.labels->Text(r));
    } else {
      std::size_t w = out.cols == 0 ? 1 : out.cols;
      for (std::size_t c = 0; c < w; ++c) {
        if (c) s += ',';
        s += CsvNumber(out.values[r * w + c]);
      }
    }
    s += "\n";
  }
  return s;
}

std::string FormatJson(const Output& out) {
  std::string s = "{\"predictions\": [";
  for (std::size_t r = 0; r < out.rows; ++r) {
    if (r) s += ", ";
    if (out.labels) {
      const Labels& l = *out.labels;
      switch (l.type) {
        case Labels::Type::kString: s += nlohmann::json(l.strings[r]).dump(); break;
        case Labels::Type::kBool: s += l.ints[r] ? "true" : "false"; break;
        case Labels::Type::kInt: s += std::to_string(l.ints[r]); break;
        case Labels::Type::kFloat: s += JsonNumber(l.floats[r]); break;
      }
    } else if (out.cols == 0) {
      s += JsonNumber(out.values[r]);
    } else {
      s += "[";
      for (std::size_t c = 0; c < out.cols; ++c) s += (c ? ", " : "") + JsonNumber(out.values[r * out.cols + c]);
      s += "]";
    }
  }
  return s + "]}\n";
}

std::string FormatNpy(const Output& out) {
  NdArray a;
  std::vector<std::int64_t> shape = {static_cast<std::int64_t>(out.rows)};
  if (out.cols) shape.push_back(static_cast<std::int64_t>(out.cols));
  a.shape = shape;
  std::shared_ptr<std::vector<std::byte>> buf;
  auto fill = [&](const void* src, std::size_t n) {
    buf = std::make_shared<std::vector<std::byte>>(n);
    if (n) std::memcpy(buf->data(), src, n);
    a.data = buf->data();
    a.nbytes = n;
    a.owner = buf;
  };
  if (out.labels) {
    const Labels& l = *out.labels;
    switch (l.type) {
      case Labels::Type::kInt: ParseDTypeStr("<i8", &a.dtype); fill(l.ints.data(), l.ints.size() * 8); break;
      case Labels::Type::kFloat: ParseDTypeStr("<f8", &a.dtype); fill(l.floats.data(), l.floats.size() * 8); break;
      case Labels::Type::kBool: {
        ParseDTypeStr("|b1", &a.dtype);
        std::vector<std::uint8_t> b(l.ints.begin(), l.ints.end());
        fill(b.data(), b.size());
        break;
      }
      case Labels::Type::kString: {
        std::vector<std::u32string> wide;
        std::size_t width = 1;
        for (const auto& s : l.strings) {
          std::u32string w;
          for (std::size_t i = 0; i < s.size();) {  // UTF-8 -> UCS-4
            unsigned char c = static_cast<unsigned char>(s[i]);
            int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
            char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
            for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
            w.push_back(cp);
            i += n;
          }
          width = std::max(width, w.size());
          wide.push_back(std::move(w));
        }
        ParseDTypeStr(fmt::format("<U{}", width), &a.dtype);
        std::vector<char32_t> flat(wide.size() * width, 0);
        for (std::size_t r = 0; r < wide.size(); ++r) std::copy(wide[r].begin(), wide[r].end(), flat.begin() + static_cast<std::ptrdiff_t>(r * width));
        fill(flat.data(), flat.size() * 4);
        break;
      }
    }
  } else {
    ParseDTypeStr("<f8", &a.dtype);
    fill(out.values.data(), out.values.size() * 8);
  }
  std::string bytes;
  io::WriteNpy(a, &bytes);
  return bytes;
}

}  // namespace skbridge
