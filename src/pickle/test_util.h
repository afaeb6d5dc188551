// Test helpers: build pickle byte strings opcode by opcode, and read them back.
//
// PickleBuilder writes exactly the bytes asked for (no framing, no memo) so that a test shows the
// stream it feeds the reader. Used by the tests under src/pickle only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

#include "pickle/opcodes.h"
#include "skbridge/error.h"
#include "skbridge/reader.h"

namespace skbridge::testing {

class PickleBuilder {
 public:
  using Op = pickle::Op;

  PickleBuilder& op(Op o) { return byte(static_cast<std::uint8_t>(o)); }
  PickleBuilder& byte(std::uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  PickleBuilder& raw(std::string_view s) {
    out_.append(s);
    return *this;
  }
  /// Little-endian unsigned of `width` bytes.
  PickleBuilder& le(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  PickleBuilder& line(std::string_view s) { return raw(s).raw("\n"); }

  PickleBuilder& proto(int p) { return op(Op::kProto).byte(static_cast<std::uint8_t>(p)); }
  PickleBuilder& stop() { return op(Op::kStop); }
  PickleBuilder& mark() { return op(Op::kMark); }
  PickleBuilder& none() { return op(Op::kNone); }
  PickleBuilder& binint(std::int32_t v) { return op(Op::kBinInt).le(static_cast<std::uint32_t>(v), 4); }
  PickleBuilder& binint1(std::uint8_t v) { return op(Op::kBinInt1).byte(v); }
  PickleBuilder& binint2(std::uint16_t v) { return op(Op::kBinInt2).le(v, 2); }
  PickleBuilder& binfloat(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    op(Op::kBinFloat);
    for (int i = 7; i >= 0; --i) byte(static_cast<std::uint8_t>(bits >> (8 * i)));  // big-endian
    return *this;
  }
  /// SHORT_BINUNICODE when short, else BINUNICODE.
  PickleBuilder& str(std::string_view s) {
    if (s.size() < 256) return op(Op::kShortBinUnicode).byte(static_cast<std::uint8_t>(s.size())).raw(s);
    return op(Op::kBinUnicode).le(s.size(), 4).raw(s);
  }
  PickleBuilder& binunicode(std::string_view s) { return op(Op::kBinUnicode).le(s.size(), 4).raw(s); }
  PickleBuilder& bytes(std::string_view s) {
    if (s.size() < 256) return op(Op::kShortBinBytes).byte(static_cast<std::uint8_t>(s.size())).raw(s);
    return op(Op::kBinBytes).le(s.size(), 4).raw(s);
  }
  PickleBuilder& shortbinstring(std::string_view s) {
    return op(Op::kShortBinString).byte(static_cast<std::uint8_t>(s.size())).raw(s);
  }
  PickleBuilder& global(std::string_view module, std::string_view name) {
    return op(Op::kGlobal).line(module).line(name);
  }
  PickleBuilder& stack_global(std::string_view module, std::string_view name) {
    return str(module).str(name).op(Op::kStackGlobal);
  }
  PickleBuilder& binput(std::uint8_t k) { return op(Op::kBinPut).byte(k); }
  PickleBuilder& binget(std::uint8_t k) { return op(Op::kBinGet).byte(k); }
  PickleBuilder& memoize() { return op(Op::kMemoize); }
  PickleBuilder& empty_tuple() { return op(Op::kEmptyTuple); }
  PickleBuilder& empty_list() { return op(Op::kEmptyList); }
  PickleBuilder& empty_dict() { return op(Op::kEmptyDict); }
  PickleBuilder& tuple1() { return op(Op::kTuple1); }
  PickleBuilder& tuple2() { return op(Op::kTuple2); }
  PickleBuilder& tuple3() { return op(Op::kTuple3); }
  PickleBuilder& tuple() { return op(Op::kTuple); }
  PickleBuilder& reduce() { return op(Op::kReduce); }
  PickleBuilder& build() { return op(Op::kBuild); }
  PickleBuilder& newtrue() { return op(Op::kNewTrue); }
  PickleBuilder& newfalse() { return op(Op::kNewFalse); }
  /// A whole STRING operand line, quoted as given.
  PickleBuilder& string_line(std::string_view quoted) { return op(Op::kString).line(quoted); }

  /// Appends another builder's bytes.
  PickleBuilder& then(const PickleBuilder& other) { return raw(other.out_); }

  const std::string& str_bytes() const { return out_; }
  std::size_t size() const { return out_.size(); }
  std::span<const std::byte> span() const { return {reinterpret_cast<const std::byte*>(out_.data()), out_.size()}; }

 private:
  std::string out_;
};

inline std::span<const std::byte> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline ReadOptions NoHash() {
  ReadOptions o;
  o.compute_sha256 = false;
  return o;
}

inline ModelFile Read(const PickleBuilder& p, ReadOptions options = NoHash()) {
  return ReadPickleBytes(p.span(), options);
}
inline ModelFile Read(std::string_view bytes, ReadOptions options = NoHash()) {
  return ReadPickleBytes(AsBytes(bytes), options);
}

/// Runs `fn`, which must throw skbridge::Error; returns it (fails the test otherwise).
template <class Fn>
Error ExpectError(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected skbridge::Error, got std::exception: " << e.what();
    return Error::Format("<std::exception>");
  }
  ADD_FAILURE() << "expected skbridge::Error, but nothing was thrown";
  return Error::Format("<nothing thrown>");
}

/// The error from reading `p`; checks code, offset and a message fragment.
#define EXPECT_PICKLE_ERROR(bytes, code_, offset_, fragment_)                                          \
  do {                                                                                               \
    ::skbridge::Error err_ = ::skbridge::testing::ExpectError([&] { ::skbridge::testing::Read(bytes); }); \
    EXPECT_EQ(err_.code(), (code_)) << err_.Describe();                                              \
    EXPECT_EQ(err_.offset(), std::optional<std::uint64_t>(offset_)) << err_.Describe();             \
    EXPECT_NE(err_.message().find(fragment_), std::string::npos) << err_.Describe();                 \
  } while (0)

/// Root of the source tree (tests get it from the environment and as a compile definition).
inline std::filesystem::path SourceDir() {
  if (const char* env = std::getenv("SKBRIDGE_SOURCE_DIR"); env && *env) return env;
#ifdef SKBRIDGE_SOURCE_DIR
  return SKBRIDGE_SOURCE_DIR;
#else
  return ".";
#endif
}

inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace skbridge::testing
