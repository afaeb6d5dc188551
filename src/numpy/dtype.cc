#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "pickle/text.h"

#include "skbridge/ndarray.h"

namespace skbridge {

namespace {

char KindChar(DTypeKind k) {
  switch (k) {
    case DTypeKind::kBool: return 'b';
    case DTypeKind::kInt: return 'i';
    case DTypeKind::kUInt: return 'u';
    case DTypeKind::kFloat: return 'f';
    case DTypeKind::kComplex: return 'c';
    case DTypeKind::kBytes: return 'S';
    case DTypeKind::kUnicode: return 'U';
    case DTypeKind::kVoid: return 'V';
    case DTypeKind::kObject: return 'O';
    case DTypeKind::kDateTime: return 'M';
    case DTypeKind::kTimeDelta: return 'm';
  }
  return '?';
}

}  // namespace

std::string DType::Str() const {
  if (IsStructured()) {
    std::string out = "[";
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ", ";
      out += fmt::format("('{}', '{}')", fields[i].name, fields[i].type.Str());
    }
    return out + "]";
  }
  char order = byteorder;
  if (itemsize == 1 || kind == DTypeKind::kBytes || kind == DTypeKind::kVoid || kind == DTypeKind::kObject || kind == DTypeKind::kBool) order = '|';
  // numpy counts 'U' in characters (4 bytes each) and prints object dtypes without a size.
  if (kind == DTypeKind::kObject) return "|O";
  std::int64_t size = kind == DTypeKind::kUnicode ? itemsize / 4 : itemsize;
  std::string s = fmt::format("{}{}{}", order, KindChar(kind), size);
  if (!unit.empty()) s += "[" + unit + "]";
  return s;
}

std::string DType::Name() const {
  switch (kind) {
    case DTypeKind::kBool: return "bool";
    case DTypeKind::kInt: return fmt::format("int{}", itemsize * 8);
    case DTypeKind::kUInt: return fmt::format("uint{}", itemsize * 8);
    case DTypeKind::kFloat: return fmt::format("float{}", itemsize * 8);
    case DTypeKind::kComplex: return fmt::format("complex{}", itemsize * 8);
    case DTypeKind::kBytes: return fmt::format("bytes{}", itemsize * 8);
    case DTypeKind::kUnicode: return fmt::format("str{}", itemsize * 8);
    case DTypeKind::kVoid: return IsStructured() ? fmt::format("record{}", itemsize) : fmt::format("void{}", itemsize * 8);
    case DTypeKind::kObject: return "object";
    case DTypeKind::kDateTime: return unit.empty() ? "datetime64" : "datetime64[" + unit + "]";
    case DTypeKind::kTimeDelta: return unit.empty() ? "timedelta64" : "timedelta64[" + unit + "]";
  }
  return "?";
}

const DTypeField* DType::Field(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool DType::operator==(const DType& o) const {
  if (kind != o.kind || itemsize != o.itemsize || fields.size() != o.fields.size() || unit != o.unit) return false;
  bool order_matters = itemsize > 1 && kind != DTypeKind::kBytes && kind != DTypeKind::kVoid && kind != DTypeKind::kObject;
  if (order_matters && byteorder != o.byteorder) return false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name != o.fields[i].name || fields[i].offset != o.fields[i].offset || !(fields[i].type == o.fields[i].type)) return false;
  }
  return true;
}

std::int64_t NdArray::size() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string NdArray::UnicodeAt(std::int64_t i) const {
  std::string out;
  const std::byte* p = data + i * dtype.itemsize;
  for (std::int64_t k = 0; k < dtype.itemsize / 4; ++k) {
    char32_t cp;
    std::memcpy(&cp, p + 4 * k, 4);
    if (cp == 0) break;
    pickle::AppendUtf8(cp, &out);
  }
  return out;
}

std::string NdArray::ShapeString() const { return ShapeString(shape); }

std::string NdArray::ShapeString(const std::vector<std::int64_t>& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

bool ParseDTypeStr(std::string_view s, DType* out) {
  DType d;
  d.byteorder = '<';
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
    d.byteorder = s[0] == '=' ? '<' : s[0];
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  char k = s[0];
  s.remove_prefix(1);
  std::string_view unit;
  if (auto bracket = s.find('['); bracket != std::string_view::npos) {
    if (s.back() != ']') return false;
    unit = s.substr(bracket + 1, s.size() - bracket - 2);
    s = s.substr(0, bracket);
  }
  std::int64_t n = -1;
  if (!s.empty()) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n < 0 || n > (1 << 30)) return false;
  }
  switch (k) {
    case 'b': case '?': d.kind = DTypeKind::kBool; d.itemsize = 1; if (n > 1) return false; break;
    case 'i': d.kind = DTypeKind::kInt; break;
    case 'u': d.kind = DTypeKind::kUInt; break;
    case 'f': d.kind = DTypeKind::kFloat; break;
    case 'c': d.kind = DTypeKind::kComplex; break;
    case 'S': case 'a': d.kind = DTypeKind::kBytes; d.itemsize = n < 0 ? 0 : n; break;
    case 'U': d.kind = DTypeKind::kUnicode; d.itemsize = n < 0 ? 0 : 4 * n; break;
    case 'V': d.kind = DTypeKind::kVoid; d.itemsize = n < 0 ? 0 : n; break;
    case 'O': d.kind = DTypeKind::kObject; d.itemsize = 8; break;
    case 'M': d.kind = DTypeKind::kDateTime; d.itemsize = 8; break;
    case 'm': d.kind = DTypeKind::kTimeDelta; d.itemsize = 8; break;
    default: return false;
  }
  if (k == 'i' || k == 'u') {
    if (n != 1 && n != 2 && n != 4 && n != 8) return false;
    d.itemsize = n;
  } else if (k == 'f') {
    if (n != 2 && n != 4 && n != 8 && n != 16) return false;
    d.itemsize = n;
  } else if (k == 'c') {
    if (n != 8 && n != 16 && n != 32) return false;
    d.itemsize = n;
  } else if ((k == 'M' || k == 'm') && n > 0 && n != 8) {
    return false;
  }
  d.unit = std::string(unit);
  if (d.itemsize == 1 || d.kind == DTypeKind::kBytes || d.kind == DTypeKind::kVoid || d.kind == DTypeKind::kObject || d.kind == DTypeKind::kBool) d.byteorder = '|';
  *out = std::move(d);
  return true;
}

}  // namespace skbridge
