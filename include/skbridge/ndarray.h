// skbridge/ndarray.h — numpy arrays and dtypes as read from a pickle, without numpy.
//
// An NdArray is an immutable, typed, aligned buffer in native byte order (arrays stored big-endian are
// swapped once at load; StoredByteOrder() remembers what the file said). Numeric data either points
// into the memory-mapped file (uncompressed joblib files, no copy) or into a buffer the array owns;
// `owner` keeps that memory alive. Object arrays hold Value pointers into the Graph that made them.
// Safe to read from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace skbridge {

struct Value;

enum class DTypeKind : std::uint8_t {
  kBool,       // '?'
  kInt,        // 'i'
  kUInt,       // 'u'
  kFloat,      // 'f'
  kComplex,    // 'c'
  kBytes,      // 'S' fixed-width bytes
  kUnicode,    // 'U' fixed-width UCS-4
  kVoid,       // 'V' raw bytes or a structured record (fields non-empty)
  kObject,     // 'O' Python objects
  kDateTime,   // 'M'
  kTimeDelta,  // 'm'
};

struct DTypeField;

/// A numpy dtype. Structured dtypes (scikit-learn's tree nodes) list their fields with offsets.
struct DType {
  DTypeKind kind = DTypeKind::kFloat;
  std::int64_t itemsize = 8;
  char byteorder = '<';  ///< '<' little, '>' big, '|' not applicable; always '<' or '|' once loaded
  std::vector<DTypeField> fields;  ///< in declaration order; empty unless structured
  std::string unit;  ///< datetime unit, e.g. "ns"

  /// numpy's `dtype.str` for simple dtypes ("<f8", "|u1", "<U5", "|O"); structured dtypes print
  /// their fields as numpy's `descr` does: [('left_child', '<i8'), ...].
  std::string Str() const;
  /// numpy's `dtype.name` ("float64", "int64", "object", "bool", "str160", "void56").
  std::string Name() const;
  bool IsStructured() const { return !fields.empty(); }
  const DTypeField* Field(std::string_view name) const;
  bool operator==(const DType& other) const;
};

struct DTypeField {
  std::string name;
  DType type;
  std::int64_t offset = 0;
};

class NdArray {
 public:
  DType dtype;
  std::vector<std::int64_t> shape;
  bool fortran_order = false;  ///< data laid out column-major (numpy 'F')
  bool is_scalar = false;       ///< a numpy scalar (multiarray.scalar), shape ()
  char stored_byteorder = '<';  ///< byte order in the file, before any swap
  bool memory_mapped = false;   ///< data points into the mapped input file

  /// Numeric / string / structured data: size() * dtype.itemsize bytes, aligned for the dtype.
  const std::byte* data = nullptr;
  std::size_t nbytes = 0;
  std::shared_ptr<const void> owner;

  /// Object arrays only: one element per item, in the array's memory order (see fortran_order).
  std::vector<const Value*> objects;

  std::int64_t size() const;  ///< number of elements (1 for a scalar)
  std::size_t ndim() const { return shape.size(); }
  /// "(3, 7)"
  std::string ShapeString() const;
  /// numpy's spelling of a shape: "(2, 3)", "(4,)", "()".
  static std::string ShapeString(const std::vector<std::int64_t>& shape);

  /// Element i (memory order) of a 'U' array as UTF-8, trailing NULs dropped as numpy does.
  /// REQUIRES: dtype.kind == DTypeKind::kUnicode and i < size().
  std::string UnicodeAt(std::int64_t i) const;

  /// Typed view of the raw elements in memory order. REQUIRES: sizeof(T) == dtype.itemsize.
  template <class T>
  std::span<const T> view() const {
    return {reinterpret_cast<const T*>(data), static_cast<std::size_t>(nbytes / sizeof(T))};
  }
};

/// Parses a numpy dtype string such as "<f8", "|b1", "<U12", "O" (also used for .npy headers).
/// Returns false when the string is not a dtype skbridge understands.
bool ParseDTypeStr(std::string_view str, DType* out);

}  // namespace skbridge
