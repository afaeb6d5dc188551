// skbridge/error.h — the one error type of the library.
//
// Every failure that input can cause is reported as a skbridge::Error: a code that says what kind of
// failure it is (and so which exit status the CLI uses), a one-line message, and, where it applies,
// the file and byte offset it happened at. Kernels never throw; loaders and decoders do, once, at load.
// Error is an ordinary value type: copyable, and safe to read from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace skbridge {

enum class ErrorCode : std::uint8_t {
  kIo,           ///< the file could not be opened, read or written
  kFormat,       ///< bytes that are not what the format requires (truncated, bad magic, bad opcode ...)
  kLimit,        ///< a resource limit was reached (depth, memo, allocation): likely a pickle bomb
  kUnsafe,       ///< the operation needs the behaviour of a global that is not on the allowlist
  kUnsupported,  ///< a valid file holding something skbridge does not implement (yet)
  kInvalidInput, ///< user-supplied data (rows, columns, options) that cannot be used
  kInvalidModel, ///< the file decodes but the model's state is inconsistent (shapes, indices)
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(message), code_(code), message_(std::move(message)) {}

  static Error Io(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
  static Error Format(std::string m) { return {ErrorCode::kFormat, std::move(m)}; }
  static Error Limit(std::string m) { return {ErrorCode::kLimit, std::move(m)}; }
  static Error Unsafe(std::string m) { return {ErrorCode::kUnsafe, std::move(m)}; }
  static Error Unsupported(std::string m) { return {ErrorCode::kUnsupported, std::move(m)}; }
  static Error InvalidInput(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
  static Error InvalidModel(std::string m) { return {ErrorCode::kInvalidModel, std::move(m)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& file() const { return file_; }
  std::optional<std::uint64_t> offset() const { return offset_; }

  /// Attaches a byte offset (kept if one is already set: the innermost is the most precise).
  Error& AtOffset(std::uint64_t offset) {
    if (!offset_) offset_ = offset;
    return *this;
  }
  Error& InFile(std::string file) {
    if (file_.empty()) file_ = std::move(file);
    return *this;
  }

  /// "FILE: offset 0x1a3f (6719): MESSAGE" — the one line the CLI prints.
  std::string Describe() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::string file_;
  std::optional<std::uint64_t> offset_;
};

}  // namespace skbridge
