// The pickle virtual machine: runs opcodes into an inert value graph, never calling anything.
//
// One Unpickler reads one stream (or one nested stream, for joblib's object arrays) into a Graph
// shared with the caller. Every read is bounded by the input; every stack, mark and memo access is
// checked; every allocation is charged to a Budget before it happens. Not thread-safe; use one per
// stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "skbridge/error.h"
#include "skbridge/reader.h"
#include "skbridge/value.h"

namespace skbridge::pickle {

/// Bytes the reader may still allocate; shared by every stage that decodes one file.
class Budget {
 public:
  explicit Budget(std::uint64_t bytes) : remaining_(bytes), limit_(bytes) {}
  /// Throws Error::Limit when `bytes` more would exceed the budget.
  void Charge(std::uint64_t bytes, std::string_view what);
  std::uint64_t limit() const { return limit_; }

 private:
  std::uint64_t remaining_;
  std::uint64_t limit_;
};

/// Globals referenced by one file, in order of first use, with their safety class.
class GlobalTable {
 public:
  /// Records one reference; returns its index in `refs()`.
  std::size_t Note(std::string_view module, std::string_view name, std::uint64_t offset);
  void MarkCalled(std::size_t index) { refs_[index].called = true; }
  const std::vector<GlobalRef>& refs() const { return refs_; }
  std::vector<GlobalRef> Take() { return std::move(refs_); }

 private:
  std::vector<GlobalRef> refs_;
};

class Unpickler;

/// Called after every BUILD; lets a container format (joblib) consume bytes that follow it.
using BuildHook = std::function<void(Value* object, Unpickler& vm)>;

struct VmContext {
  Graph* graph = nullptr;
  const Limits* limits = nullptr;
  Budget* budget = nullptr;
  GlobalTable* globals = nullptr;
  std::shared_ptr<const void> owner;  ///< keeps the input alive; lets values point into it
  BuildHook on_build;
  int first_protocol = -1;   ///< the outer stream's PROTO (the first one seen)
  int max_protocol_seen = 0;  ///< including nested streams (joblib object arrays)
  std::size_t out_of_band_buffers = 0;
  int nested_streams = 0;  ///< depth of RunNested calls in progress (each is a C++ recursion)
};

class Unpickler {
 public:
  /// `base_offset` is the stream's offset within the whole decoded input (for messages).
  Unpickler(std::span<const std::byte> input, std::uint64_t base_offset, VmContext* context);

  /// Runs until STOP and returns the result. Throws Error with the offset of the failing opcode.
  Value* Run();

  /// Position after the last consumed byte, relative to this stream's start.
  std::size_t position() const { return pos_; }
  std::uint64_t absolute_offset() const { return base_offset_ + pos_; }
  std::size_t remaining() const { return input_.size() - pos_; }
  /// Consumes `n` raw bytes (for joblib array data). Throws Error::Format when fewer remain.
  std::span<const std::byte> ReadRaw(std::size_t n, std::string_view what);
  std::uint8_t ReadRawByte(std::string_view what);
  /// Runs a nested pickle stream that starts at the current position (joblib object arrays), with a
  /// fresh memo; consumes it and returns its result.
  Value* RunNested();
  VmContext& context() { return *ctx_; }
  std::span<const std::byte> input() const { return input_; }

 private:
  void Step(std::uint8_t op);
  [[noreturn]] void Fail(ErrorCode code, const std::string& message) const;

  // Bounded reads of the operand bytes.
  std::span<const std::byte> Take(std::size_t n, const char* what);
  std::uint64_t ReadUnsigned(std::size_t width, const char* what);
  std::string_view ReadLine(const char* what);

  // Checked stack, mark and memo access.
  void Push(Value* v);
  Value* Pop();
  Value* Top();
  std::vector<Value*> PopToMark();
  void MemoPut(std::uint64_t index);
  Value* MemoGet(std::uint64_t index);

  Value* NewNode(Kind kind);
  Value* NewText(Kind kind, std::string_view bytes, bool copy);
  Value* NewInt(std::int64_t v);
  Value* NewBigInt(std::span<const std::byte> le_twos_complement);
  Value* NewTuple(std::vector<Value*> items);
  Value* NewGlobal(std::string_view module, std::string_view name);
  Value* MakeCall(Value* callable, Value* args, Value* kwargs, ObjectForm form);
  void SetItems(Value* target, const std::vector<Value*>& kv);
  void AppendItems(Value* target, const std::vector<Value*>& items);

  std::span<const std::byte> input_;
  std::uint64_t base_offset_;
  VmContext* ctx_;
  std::size_t pos_ = 0;
  std::size_t op_start_ = 0;
  std::uint8_t op_ = 0;
  std::vector<Value*> stack_;
  std::vector<std::size_t> marks_;
  std::vector<Value*> memo_;
  std::size_t memo_count_ = 0;
  bool stopped_ = false;
  Value* result_ = nullptr;
};

}  // namespace skbridge::pickle
