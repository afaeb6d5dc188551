// .npy files: reading (format 1.0 / 2.0 / 3.0) and writing (1.0, or 2.0 for huge headers).
// The header is a Python dict literal; it is parsed here by a small strict grammar, never evaluated.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>

#include "io/io.h"

namespace skbridge::io {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);
constexpr std::size_t kMaxDims = 64;  // numpy 2's NPY_MAXDIMS
constexpr std::size_t kArrayAlign = 64;  // numpy pads headers so data starts at a multiple of 64
constexpr std::size_t kGrowthAxisMaxDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// Grammar (whitespace allowed between tokens, trailing commas allowed as in Python):
//   header := '{' [entry (',' entry)*] [','] '}'
//   entry  := string ':' value       with exactly the keys 'descr', 'fortran_order', 'shape'
//   value  := string | 'True' | 'False' | '(' [int (',' int)*] [','] ')'     (one int needs the comma)
//   int    := decimal digits, optionally followed by Python 2's 'L'
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::size_t base) : text_(text), base_(base) {}

  NpyHeader Parse() {
    NpyHeader h;
    bool have_descr = false, have_fortran = false, have_shape = false;
    SkipSpace();
    Expect('{', "'{' opening the header dict");
    SkipSpace();
    while (!Peek('}')) {
      const std::size_t key_at = pos_;
      const std::string key = ParseString("a quoted key");
      SkipSpace();
      Expect(':', "':' after a key");
      SkipSpace();
      if (key == "descr") {
        if (have_descr) Fail("duplicate key 'descr'", key_at);
        if (Peek('[')) {
          throw Error::Unsupported("structured dtype (a descr list) in a .npy header is not supported yet")
              .AtOffset(base_ + pos_);
        }
        h.descr = ParseString("the dtype string of 'descr'");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_fortran) Fail("duplicate key 'fortran_order'", key_at);
        h.fortran_order = ParseBool();
        have_fortran = true;
      } else if (key == "shape") {
        if (have_shape) Fail("duplicate key 'shape'", key_at);
        h.shape = ParseShape();
        have_shape = true;
      } else {
        Fail(fmt::format("unexpected key '{}' (expected 'descr', 'fortran_order', 'shape')", key), key_at);
      }
      SkipSpace();
      if (!Consume(',')) break;
      SkipSpace();
    }
    SkipSpace();
    Expect('}', "',' or '}' in the header dict");
    SkipSpace();
    if (pos_ != text_.size()) Fail("unexpected text after the header dict", pos_);
    if (!have_descr) Fail("missing key 'descr'", pos_);
    if (!have_fortran) Fail("missing key 'fortran_order'", pos_);
    if (!have_shape) Fail("missing key 'shape'", pos_);
    return h;
  }

 private:
  [[noreturn]] void Fail(const std::string& what, std::size_t at) const {
    throw Error::Format("bad .npy header: " + what).AtOffset(base_ + at);
  }
  [[noreturn]] void FailExpected(const char* what) const {
    if (pos_ >= text_.size()) Fail(fmt::format("header ends where {} was expected", what), pos_);
    const char ch = text_[pos_];
    const std::string shown = (ch >= 0x20 && ch < 0x7f) ? fmt::format("'{}'", ch)
                                                         : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(ch));
    Fail(fmt::format("expected {}, found {}", what, shown), pos_);
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Peek(char ch) const { return pos_ < text_.size() && text_[pos_] == ch; }
  bool Consume(char ch) {
    if (!Peek(ch)) return false;
    ++pos_;
    return true;
  }
  void Expect(char ch, const char* what) {
    if (!Consume(ch)) FailExpected(what);
  }

  // A Python str literal as repr() writes it: '...' or "...", no escapes (dtype strings need none).
  std::string ParseString(const char* what) {
    if (!Peek('\'') && !Peek('"')) FailExpected(what);
    const char quote = text_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      const char ch = text_[pos_];
      if (ch == '\\') Fail("escape sequences in header strings are not supported", pos_);
      if (ch == '\n' || ch == '\r') Fail("unterminated string", start - 1);
      ++pos_;
    }
    if (pos_ >= text_.size()) Fail("unterminated string", start - 1);
    std::string s(text_.substr(start, pos_ - start));
    ++pos_;
    return s;
  }

  bool ParseBool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    FailExpected("True or False for 'fortran_order'");
  }

  std::int64_t ParseDim() {
    const std::size_t start = pos_;
    std::int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const int d = text_[pos_] - '0';
      if (v > (std::numeric_limits<std::int64_t>::max() - d) / 10) Fail("dimension too large", start);
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) FailExpected("a non-negative integer dimension");
    if (Peek('L') || Peek('l')) ++pos_;  // Python 2 long
    return v;
  }

  std::vector<std::int64_t> ParseShape() {
    const std::size_t open = pos_;
    Expect('(', "a tuple for 'shape'");
    std::vector<std::int64_t> dims;
    bool trailing_comma = false;
    SkipSpace();
    while (!Peek(')')) {
      if (dims.size() >= kMaxDims) Fail(fmt::format("more than {} dimensions", kMaxDims), pos_);
      dims.push_back(ParseDim());
      SkipSpace();
      trailing_comma = Consume(',');
      if (!trailing_comma) break;
      SkipSpace();
    }
    Expect(')', "',' or ')' in 'shape'");
    // '(3)' is the integer 3 in Python, not a tuple.
    if (dims.size() == 1 && !trailing_comma) Fail("'shape' is not a tuple (a 1-tuple needs a comma)", open);
    return dims;
  }

  std::string_view text_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

// Size of the unit whose bytes reverse on a byte-order swap; 1 when byte order does not apply.
std::size_t SwapUnit(const DType& d) {
  switch (d.kind) {
    case DTypeKind::kBool:
    case DTypeKind::kBytes:
    case DTypeKind::kVoid:
    case DTypeKind::kObject: return 1;
    case DTypeKind::kUnicode: return 4;  // UCS-4 code units
    case DTypeKind::kComplex: return static_cast<std::size_t>(d.itemsize / 2);  // real, imaginary
    default: return static_cast<std::size_t>(d.itemsize);
  }
}

std::size_t Alignment(const DType& d) {
  const std::size_t unit = std::min<std::size_t>(SwapUnit(d), 16);
  return unit != 0 && std::has_single_bit(unit) ? unit : 1;
}

// Data of empty arrays points here, so `data` is never null.
alignas(16) constexpr std::byte kEmptyData[16] = {};

std::uint64_t LoadLe(const std::byte* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

std::string ShapeRepr(const std::vector<std::int64_t>& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

std::shared_ptr<const NdArray> ReadNpyImpl(std::span<const std::byte> bytes, std::shared_ptr<const void> owner,
                                           bool memory_mapped) {
  if (bytes.empty()) throw Error::Format("empty file where a .npy file was expected").AtOffset(0);
  if (bytes.size() < kMagic.size() || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    if (bytes.size() < kMagic.size() && std::memcmp(bytes.data(), kMagic.data(), bytes.size()) == 0) {
      throw Error::Format(fmt::format("truncated .npy file: {} bytes, shorter than the magic", bytes.size()))
          .AtOffset(bytes.size());
    }
    throw Error::Format("not a .npy file: it does not start with \\x93NUMPY").AtOffset(0);
  }
  if (bytes.size() < 8) {
    throw Error::Format("truncated .npy file: ends inside the version bytes").AtOffset(bytes.size());
  }
  const unsigned major = static_cast<unsigned>(bytes[6]);
  const unsigned minor = static_cast<unsigned>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    throw Error::Unsupported(fmt::format(".npy format version {}.{} is not supported (1.0, 2.0, 3.0 are)", major,
                                         minor))
        .AtOffset(6);
  }
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t prefix = 8 + len_bytes;
  if (bytes.size() < prefix) {
    throw Error::Format("truncated .npy file: ends inside the header length").AtOffset(bytes.size());
  }
  const std::uint64_t header_len = LoadLe(bytes.data() + 8, len_bytes);
  if (header_len > bytes.size() - prefix) {
    throw Error::Format(fmt::format("truncated .npy header: it declares {} bytes, only {} follow", header_len,
                                    bytes.size() - prefix))
        .AtOffset(8);
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + prefix,
                              static_cast<std::size_t>(header_len));
  NpyHeader h = HeaderParser(text, prefix).Parse();
  const std::size_t data_offset = prefix + static_cast<std::size_t>(header_len);

  // Object arrays are a pickle after the header: they belong to the pickle reader, not here.
  std::string_view code = h.descr;
  if (!code.empty() && (code[0] == '<' || code[0] == '>' || code[0] == '|' || code[0] == '=')) code.remove_prefix(1);
  if (!code.empty() && code[0] == 'O') {
    throw Error::Unsupported(fmt::format(".npy array of Python objects (dtype '{}') is stored as a pickle; "
                                         "not supported in .npy files",
                                         h.descr))
        .AtOffset(prefix);
  }
  DType dtype;
  if (!ParseDTypeStr(h.descr, &dtype)) {
    throw Error::Unsupported(fmt::format("unsupported dtype '{}' in .npy header", h.descr)).AtOffset(prefix);
  }
  if (dtype.kind == DTypeKind::kObject || dtype.IsStructured() || dtype.itemsize < 0) {
    throw Error::Unsupported(fmt::format("unsupported dtype '{}' in .npy header", h.descr)).AtOffset(prefix);
  }

  std::uint64_t count = 1;
  for (std::int64_t d : h.shape) {
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count)) {
      throw Error::Format(fmt::format("bad .npy header: shape {} has too many elements", ShapeRepr(h.shape)))
          .AtOffset(prefix);
    }
  }
  std::uint64_t nbytes;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dtype.itemsize), &nbytes)) {
    throw Error::Format(fmt::format("bad .npy header: shape {} of '{}' is too large", ShapeRepr(h.shape), h.descr))
        .AtOffset(prefix);
  }
  const std::size_t remaining = bytes.size() - data_offset;
  if (nbytes != remaining) {
    throw Error::Format(fmt::format(".npy data is {} bytes but shape {} of '{}' needs {}{}", remaining,
                                    ShapeRepr(h.shape), h.descr, nbytes, nbytes > remaining ? " (truncated)" : ""))
        .AtOffset(data_offset);
  }

  auto array = std::make_shared<NdArray>();
  const std::size_t unit = SwapUnit(dtype);
  const bool swap = dtype.byteorder == '>' && unit > 1;
  array->stored_byteorder = dtype.byteorder;
  if (dtype.byteorder == '>' || dtype.byteorder == '=') dtype.byteorder = unit > 1 ? '<' : '|';
  array->dtype = std::move(dtype);
  array->shape = std::move(h.shape);
  array->fortran_order = h.fortran_order;
  array->nbytes = static_cast<std::size_t>(nbytes);

  const std::byte* src = bytes.data() + data_offset;
  const bool aligned = reinterpret_cast<std::uintptr_t>(src) % Alignment(array->dtype) == 0;
  if (nbytes == 0) {
    array->data = kEmptyData;
  } else if (owner != nullptr && aligned && !swap) {
    array->data = src;
    array->owner = std::move(owner);
    array->memory_mapped = memory_mapped;
  } else {
    if (nbytes % unit != 0) {
      throw Error::Format(fmt::format(".npy data of {} bytes is not a whole number of {}-byte units", nbytes, unit))
          .AtOffset(data_offset);
    }
    auto copy = std::make_shared<std::vector<std::byte>>(src, src + nbytes);
    if (swap) {
      for (std::size_t i = 0; i < copy->size(); i += unit) std::reverse(copy->data() + i, copy->data() + i + unit);
    }
    array->data = copy->data();
    array->owner = std::move(copy);
  }
  return array;
}

char KindCode(DTypeKind k) {
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

// numpy's descr for the array as held in memory (native byte order).
std::string Descr(const DType& d) {
  const char order = SwapUnit(d) > 1 ? (std::endian::native == std::endian::little ? '<' : '>') : '|';
  const std::int64_t n = d.kind == DTypeKind::kUnicode ? d.itemsize / 4 : d.itemsize;
  std::string s = fmt::format("{}{}{}", order, KindCode(d.kind), n);
  if (!d.unit.empty()) s += "[" + d.unit + "]";
  return s;
}

// Magic, version, length and the padded header dict, ready to be followed by the data.
std::string NpyPrefix(const NdArray& a) {
  if (a.dtype.kind == DTypeKind::kObject) throw Error::Unsupported("cannot write an object array as .npy");
  if (a.dtype.IsStructured()) throw Error::Unsupported("cannot write a structured array as .npy yet");
  if (a.dtype.itemsize < 0 || (a.dtype.kind == DTypeKind::kUnicode && a.dtype.itemsize % 4 != 0)) {
    throw Error::InvalidInput(fmt::format("cannot write .npy: bad itemsize {}", a.dtype.itemsize));
  }
  std::uint64_t count = 1;
  for (std::int64_t d : a.shape) {
    if (d < 0 || __builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count)) {
      throw Error::InvalidInput(fmt::format("cannot write .npy: bad shape {}", ShapeRepr(a.shape)));
    }
  }
  std::uint64_t nbytes;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(a.dtype.itemsize), &nbytes) || nbytes != a.nbytes ||
      (nbytes != 0 && a.data == nullptr)) {
    throw Error::InvalidInput(fmt::format("cannot write .npy: {} data bytes do not match shape {} of '{}'", a.nbytes,
                                          ShapeRepr(a.shape), Descr(a.dtype)));
  }
  // Byte-for-byte what numpy's np.save writes (numpy/lib/format.py): the dict, room for the growth
  // axis to reach 21 digits, then blanks and '\n' up to a multiple of 64 (a full 64 when already
  // aligned).
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}", Descr(a.dtype),
                                 a.fortran_order ? "True" : "False", ShapeRepr(a.shape));
  if (!a.shape.empty()) {
    const std::string growth = std::to_string(a.fortran_order ? a.shape.back() : a.shape.front());
    if (growth.size() < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - growth.size(), ' ');
  }
  // Version 1.0 unless the length no longer fits its 16-bit field.
  int version = 1;
  std::size_t prefix = 10;
  std::size_t header_len = dict.size() + 1 + (kArrayAlign - (prefix + dict.size() + 1) % kArrayAlign);
  if (header_len > 0xffff) {
    version = 2;
    prefix = 12;
    header_len = dict.size() + 1 + (kArrayAlign - (prefix + dict.size() + 1) % kArrayAlign);
  }
  std::string out(kMagic);
  out.push_back(static_cast<char>(version));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xff));
  out += dict;
  out.append(header_len - dict.size() - 1, ' ');
  out.push_back('\n');
  return out;
}

}  // namespace

std::shared_ptr<const NdArray> ReadNpy(std::span<const std::byte> bytes, std::shared_ptr<const void> owner,
                                       const std::string& file_for_errors, bool memory_mapped) {
  try {
    return ReadNpyImpl(bytes, std::move(owner), memory_mapped);
  } catch (Error& e) {
    e.InFile(file_for_errors);
    throw;
  }
}

std::shared_ptr<const NdArray> ReadNpyFile(const std::string& path) {
  std::shared_ptr<const MappedFile> file = MappedFile::Open(path);
  return ReadNpy(file->bytes(), file, path, /*memory_mapped=*/true);
}

void WriteNpy(const NdArray& array, std::string* out) {
  out->append(NpyPrefix(array));
  if (array.nbytes > 0) out->append(reinterpret_cast<const char*>(array.data), array.nbytes);
}

void WriteNpyFile(const NdArray& array, const std::string& path) {
  const std::string prefix = NpyPrefix(array);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw Error::Io(std::string("cannot create: ") + std::strerror(errno)).InFile(path);
  auto write_all = [&](const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const int err = errno;
        ::close(fd);
        throw Error::Io(std::string("cannot write: ") + std::strerror(err)).InFile(path);
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  };
  write_all(prefix.data(), prefix.size());
  if (array.nbytes > 0) write_all(reinterpret_cast<const char*>(array.data), array.nbytes);
  if (::close(fd) != 0) throw Error::Io(std::string("cannot write: ") + std::strerror(errno)).InFile(path);
}

}  // namespace skbridge::io
