#include "pickle/unpickler.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "pickle/bigint.h"
#include "pickle/opcodes.h"
#include "pickle/text.h"

namespace skbridge::pickle {

void Budget::Charge(std::uint64_t bytes, std::string_view what) {
  if (bytes > remaining_) {
    throw Error::Limit(fmt::format("allocation limit reached while decoding {} ({} bytes allowed for this input)",
                                   what, limit_));
  }
  remaining_ -= bytes;
}

std::size_t GlobalTable::Note(std::string_view module, std::string_view name, std::uint64_t offset) {
  for (std::size_t i = 0; i < refs_.size(); ++i) {
    if (refs_[i].module == module && refs_[i].name == name) {
      ++refs_[i].uses;
      return i;
    }
  }
  GlobalRef ref;
  ref.module = std::string(module);
  ref.name = std::string(name);
  ref.safety = ClassifyGlobal(module, name);
  ref.first_offset = offset;
  ref.uses = 1;
  refs_.push_back(std::move(ref));
  return refs_.size() - 1;
}

namespace {

constexpr std::size_t kMaxLine = 1 << 16;  // text operands (GLOBAL, INT, FLOAT ...) are short

bool IsGlobal(const Value* v, std::string_view module, std::string_view name) {
  return v && v->kind == Kind::kGlobal && v->text == module && v->name == name;
}
bool IsBuiltin(const Value* v, std::string_view name) {
  return IsGlobal(v, "builtins", name) || IsGlobal(v, "__builtin__", name);
}

}  // namespace

Unpickler::Unpickler(std::span<const std::byte> input, std::uint64_t base_offset, VmContext* context)
    : input_(input), base_offset_(base_offset), ctx_(context) {}

void Unpickler::Fail(ErrorCode code, const std::string& message) const {
  const char* name = OpName(op_);
  Error e(code, name ? fmt::format("{}: {}", name, message) : message);
  e.AtOffset(base_offset_ + op_start_);
  throw e;
}

std::span<const std::byte> Unpickler::Take(std::size_t n, const char* what) {
  if (n > input_.size() - pos_) {
    Fail(ErrorCode::kFormat, fmt::format("truncated: {} needs {} bytes, only {} remain", what, n,
                                         input_.size() - pos_));
  }
  auto out = input_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint64_t Unpickler::ReadUnsigned(std::size_t width, const char* what) {
  auto b = Take(width, what);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= std::uint64_t(std::to_integer<std::uint8_t>(b[i])) << (8 * i);
  return v;
}

std::string_view Unpickler::ReadLine(const char* what) {
  std::size_t limit = std::min(input_.size(), pos_ + kMaxLine);
  for (std::size_t i = pos_; i < limit; ++i) {
    if (input_[i] == std::byte{'\n'}) {
      std::string_view line(reinterpret_cast<const char*>(input_.data() + pos_), i - pos_);
      pos_ = i + 1;
      return line;
    }
  }
  if (limit == input_.size()) Fail(ErrorCode::kFormat, fmt::format("truncated: {} needs a line ending in '\\n'", what));
  Fail(ErrorCode::kFormat, fmt::format("{} line longer than {} bytes", what, kMaxLine));
}

std::span<const std::byte> Unpickler::ReadRaw(std::size_t n, std::string_view what) {
  if (n > input_.size() - pos_) {
    Error e = Error::Format(fmt::format("truncated: {} needs {} bytes, only {} remain", what, n, input_.size() - pos_));
    e.AtOffset(base_offset_ + pos_);
    throw e;
  }
  auto out = input_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::uint8_t Unpickler::ReadRawByte(std::string_view what) {
  return std::to_integer<std::uint8_t>(ReadRaw(1, what)[0]);
}

void Unpickler::Push(Value* v) {
  if (stack_.size() + marks_.size() >= ctx_->limits->max_stack) {
    Fail(ErrorCode::kLimit, fmt::format("stack limit of {} values reached", ctx_->limits->max_stack));
  }
  ctx_->budget->Charge(sizeof(Value*), "the stack");
  stack_.push_back(v);
}

Value* Unpickler::Pop() {
  std::size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) Fail(ErrorCode::kFormat, "stack underflow: no value above the current mark");
  Value* v = stack_.back();
  stack_.pop_back();
  return v;
}

Value* Unpickler::Top() {
  std::size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) Fail(ErrorCode::kFormat, "stack underflow: no value above the current mark");
  return stack_.back();
}

std::vector<Value*> Unpickler::PopToMark() {
  if (marks_.empty()) Fail(ErrorCode::kFormat, "no MARK on the stack");
  std::size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  return items;
}

void Unpickler::MemoPut(std::uint64_t index) {
  Value* v = Top();
  if (index >= memo_.size()) {
    // A stream cannot define more memo entries than it has bytes; far keys are a bomb, not a model.
    std::uint64_t cap = std::min<std::uint64_t>(ctx_->limits->max_memo_index, input_.size() + 1024);
    if (index >= cap) Fail(ErrorCode::kLimit, fmt::format("memo key {} exceeds the limit of {}", index, cap));
    std::uint64_t grow = std::max<std::uint64_t>(index + 1, memo_.size() * 2);
    grow = std::min<std::uint64_t>(grow, cap);
    ctx_->budget->Charge((grow - memo_.size()) * sizeof(Value*), "the memo");
    memo_.resize(grow, nullptr);
  }
  if (!memo_[index]) ++memo_count_;
  memo_[index] = v;
}

Value* Unpickler::MemoGet(std::uint64_t index) {
  if (index >= memo_.size() || !memo_[index]) {
    Fail(ErrorCode::kFormat, fmt::format("memo key {} was never defined", index));
  }
  return memo_[index];
}

Value* Unpickler::NewNode(Kind kind) {
  ctx_->budget->Charge(sizeof(Value) + (kind == Kind::kObject ? sizeof(ObjectData) : 0), "values");
  return ctx_->graph->New(kind, base_offset_ + op_start_);
}

Value* Unpickler::NewText(Kind kind, std::string_view bytes, bool copy) {
  Value* v = NewNode(kind);
  if (copy || !ctx_->owner) {
    ctx_->budget->Charge(bytes.size(), "strings");
    v->text = ctx_->graph->Store(std::string(bytes));
  } else {
    v->text = bytes;  // points into the input, which `owner` keeps alive
  }
  return v;
}

Value* Unpickler::NewInt(std::int64_t i) {
  Value* v = NewNode(Kind::kInt);
  v->integer = i;
  return v;
}

Value* Unpickler::NewBigInt(std::span<const std::byte> le) {
  std::int64_t small;
  if (FitsInt64(le, &small)) return NewInt(small);
  ctx_->budget->Charge(le.size(), "big integers");
  Value* v = NewNode(Kind::kInt);
  v->text = ctx_->graph->Store(std::string(reinterpret_cast<const char*>(le.data()), le.size()));
  v->integer = small;  // low 64 bits, for callers that only need to know it is huge
  return v;
}

Value* Unpickler::NewTuple(std::vector<Value*> items) {
  ctx_->budget->Charge(items.size() * sizeof(Value*), "tuples");
  Value* v = NewNode(Kind::kTuple);
  v->items.assign(items.begin(), items.end());
  return v;
}

Value* Unpickler::NewGlobal(std::string_view module, std::string_view name) {
  Value* v = NewNode(Kind::kGlobal);
  ctx_->budget->Charge(module.size() + name.size(), "global names");
  v->text = ctx_->graph->Store(std::string(module));
  v->name = ctx_->graph->Store(std::string(name));
  v->integer = static_cast<std::int64_t>(ctx_->globals->Note(module, name, base_offset_ + op_start_));
  return v;
}

// Records callable(*args, **kwargs). A few builtins that merely build data are folded into plain
// values (set, frozenset, bytes, bytearray, complex, OrderedDict ...); everything else is an Object.
Value* Unpickler::MakeCall(Value* callable, Value* args, Value* kwargs, ObjectForm form) {
  if (callable->kind == Kind::kGlobal) ctx_->globals->MarkCalled(static_cast<std::size_t>(callable->integer));
  const auto& a = args->kind == Kind::kTuple ? args->items : std::vector<const Value*>{};
  if (form == ObjectForm::kReduce && !kwargs && args->kind == Kind::kTuple) {
    if (IsGlobal(callable, "copyreg", "_reconstructor") || IsGlobal(callable, "copy_reg", "_reconstructor")) {
      if (!a.empty() && a[0]->kind == Kind::kGlobal) {
        Value* obj = NewNode(Kind::kObject);
        obj->object->form = ObjectForm::kReduce;
        obj->object->callable = a[0];
        obj->object->args = NewTuple({});
        return obj;
      }
    }
    if ((IsGlobal(callable, "copyreg", "__newobj__") || IsGlobal(callable, "copy_reg", "__newobj__")) && !a.empty()) {
      std::vector<Value*> rest;
      for (std::size_t i = 1; i < a.size(); ++i) rest.push_back(const_cast<Value*>(a[i]));
      return MakeCall(const_cast<Value*>(a[0]), NewTuple(std::move(rest)), nullptr, ObjectForm::kNewObj);
    }
    if ((IsBuiltin(callable, "set") || IsBuiltin(callable, "frozenset")) && a.size() <= 1) {
      Value* s = NewNode(callable->name == "set" ? Kind::kSet : Kind::kFrozenSet);
      if (!a.empty()) {
        if (a[0]->kind != Kind::kList && a[0]->kind != Kind::kTuple) return MakeCall(callable, args, kwargs, ObjectForm::kInst);
        s->items = a[0]->items;
      }
      return s;
    }
    if (IsGlobal(callable, "_codecs", "encode") && a.size() == 2 && a[0]->kind == Kind::kStr &&
        a[1]->kind == Kind::kStr && (a[1]->text == "latin1" || a[1]->text == "latin-1")) {
      std::string raw;
      if (!Utf8ToLatin1(a[0]->text, &raw)) Fail(ErrorCode::kFormat, "_codecs.encode: text is not latin-1");
      return NewText(Kind::kBytes, raw, true);
    }
    if (IsBuiltin(callable, "bytes") && a.empty()) return NewText(Kind::kBytes, {}, true);
    if (IsBuiltin(callable, "bytearray") && a.size() <= 2) {
      if (a.empty()) return NewText(Kind::kByteArray, {}, true);
      if (a[0]->kind == Kind::kBytes) return NewText(Kind::kByteArray, a[0]->text, false);
      if (a[0]->kind == Kind::kStr && a.size() == 2) {
        std::string raw;
        if (Utf8ToLatin1(a[0]->text, &raw)) return NewText(Kind::kByteArray, raw, true);
      }
    }
    if (IsBuiltin(callable, "complex") && a.size() <= 2) {
      bool numeric = true;
      double parts[2] = {0, 0};
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i]->kind == Kind::kFloat) parts[i] = a[i]->real;
        else if (a[i]->kind == Kind::kInt && !a[i]->is_big_int()) parts[i] = static_cast<double>(a[i]->integer);
        else numeric = false;
      }
      if (numeric) {
        Value* c = NewNode(Kind::kComplex);
        c->real = parts[0];
        c->imag = parts[1];
        return c;
      }
    }
    if (IsGlobal(callable, "collections", "OrderedDict") || IsGlobal(callable, "collections", "defaultdict")) {
      Value* d = NewNode(Kind::kDict);
      d->name = callable->name;  // remembers which mapping type it was
      // Python 2 pickled OrderedDict as OrderedDict([[k, v], ...]).
      if (callable->name == "OrderedDict" && a.size() == 1 && a[0]->kind == Kind::kList) {
        for (const Value* kv : a[0]->items) {
          if ((kv->kind == Kind::kList || kv->kind == Kind::kTuple) && kv->items.size() == 2) {
            d->entries.emplace_back(kv->items[0], kv->items[1]);
          }
        }
      }
      return d;
    }
  }
  Value* obj = NewNode(Kind::kObject);
  obj->object->form = form;
  obj->object->callable = callable;
  obj->object->args = args;
  obj->object->kwargs = kwargs;
  return obj;
}

void Unpickler::SetItems(Value* target, const std::vector<Value*>& kv) {
  if (kv.size() % 2 != 0) Fail(ErrorCode::kFormat, fmt::format("odd number of items ({}) for key/value pairs", kv.size()));
  ctx_->budget->Charge(kv.size() * sizeof(Value*), "dict items");
  if (target->kind == Kind::kDict) {
    for (std::size_t i = 0; i < kv.size(); i += 2) target->entries.emplace_back(kv[i], kv[i + 1]);
  } else if (target->kind == Kind::kObject) {
    for (std::size_t i = 0; i < kv.size(); i += 2) target->object->dict_items.emplace_back(kv[i], kv[i + 1]);
  } else {
    Fail(ErrorCode::kFormat, fmt::format("cannot set items on a {}", KindName(target->kind)));
  }
}

void Unpickler::AppendItems(Value* target, const std::vector<Value*>& items) {
  ctx_->budget->Charge(items.size() * sizeof(Value*), "list items");
  if (target->kind == Kind::kList || target->kind == Kind::kSet) {
    target->items.insert(target->items.end(), items.begin(), items.end());
  } else if (target->kind == Kind::kObject) {
    target->object->list_items.insert(target->object->list_items.end(), items.begin(), items.end());
  } else {
    Fail(ErrorCode::kFormat, fmt::format("cannot append to a {}", KindName(target->kind)));
  }
}

Value* Unpickler::Run() {
  while (!stopped_) {
    op_start_ = pos_;
    if (pos_ >= input_.size()) {
      op_ = 0;
      Error e = Error::Format("truncated: the pickle ends before its STOP opcode");
      e.AtOffset(base_offset_ + pos_);
      throw e;
    }
    op_ = std::to_integer<std::uint8_t>(input_[pos_++]);
    try {
      Step(op_);
    } catch (Error& e) {
      // Budget and decoder errors are thrown without a position: give them the opcode's.
      e.AtOffset(base_offset_ + op_start_);
      throw;
    }
  }
  return result_;
}

Value* Unpickler::RunNested() {
  // joblib nests one pickle per object array; a crafted file could nest them until the C++ stack
  // runs out, since each level recurses through BUILD.
  constexpr int kMaxNestedStreams = 32;
  if (ctx_->nested_streams >= kMaxNestedStreams) {
    throw Error::Limit(fmt::format("nested pickles (joblib object arrays) deeper than {} levels", kMaxNestedStreams))
        .AtOffset(base_offset_ + pos_);
  }
  ++ctx_->nested_streams;
  Unpickler nested(input_.subspan(pos_), base_offset_ + pos_, ctx_);
  Value* v;
  try {
    v = nested.Run();
  } catch (...) {
    --ctx_->nested_streams;
    throw;
  }
  --ctx_->nested_streams;
  pos_ += nested.position();
  return v;
}

void Unpickler::Step(std::uint8_t op) {
  switch (static_cast<Op>(op)) {
    case Op::kProto: {
      std::uint8_t proto = std::to_integer<std::uint8_t>(Take(1, "the protocol number")[0]);
      if (proto > 5) Fail(ErrorCode::kUnsupported, fmt::format("pickle protocol {} is newer than 5", proto));
      ctx_->max_protocol_seen = std::max<int>(ctx_->max_protocol_seen, proto);
      if (ctx_->first_protocol < 0) ctx_->first_protocol = proto;
      return;
    }
    case Op::kFrame: {
      std::uint64_t len = ReadUnsigned(8, "the frame length");
      if (len > input_.size() - pos_) {
        Fail(ErrorCode::kFormat, fmt::format("truncated: frame of {} bytes, only {} remain", len, input_.size() - pos_));
      }
      return;  // the whole stream is in memory, so frames need no buffering
    }
    case Op::kStop:
      result_ = Pop();
      stopped_ = true;
      return;
    case Op::kMark:
      if (stack_.size() + marks_.size() >= ctx_->limits->max_stack) Fail(ErrorCode::kLimit, "mark stack limit reached");
      marks_.push_back(stack_.size());
      return;
    case Op::kPop:
      if (!marks_.empty() && marks_.back() == stack_.size()) {
        marks_.pop_back();  // POP of a bare mark discards the mark, as CPython does
      } else {
        Pop();
      }
      return;
    case Op::kPopMark:
      PopToMark();
      return;
    case Op::kDup:
      Push(Top());
      return;

    // Numbers
    case Op::kNone: Push(NewNode(Kind::kNone)); return;
    case Op::kNewTrue:
    case Op::kNewFalse: {
      Value* v = NewNode(Kind::kBool);
      v->boolean = static_cast<Op>(op) == Op::kNewTrue;
      Push(v);
      return;
    }
    case Op::kBinInt: Push(NewInt(static_cast<std::int32_t>(ReadUnsigned(4, "BININT")))); return;
    case Op::kBinInt1: Push(NewInt(static_cast<std::int64_t>(ReadUnsigned(1, "BININT1")))); return;
    case Op::kBinInt2: Push(NewInt(static_cast<std::int64_t>(ReadUnsigned(2, "BININT2")))); return;
    case Op::kLong1:
    case Op::kLong4: {
      std::uint64_t n = static_cast<Op>(op) == Op::kLong1 ? ReadUnsigned(1, "LONG1 length") : ReadUnsigned(4, "LONG4 length");
      if (static_cast<Op>(op) == Op::kLong4 && (n >> 31)) Fail(ErrorCode::kFormat, "negative LONG4 length");
      Push(NewBigInt(Take(n, "the long's bytes")));
      return;
    }
    case Op::kInt:
    case Op::kLong: {
      std::string_view line = ReadLine("a decimal integer");
      if (static_cast<Op>(op) == Op::kInt && (line == "00" || line == "01")) {
        Value* v = NewNode(Kind::kBool);
        v->boolean = line == "01";
        Push(v);
        return;
      }
      if (!line.empty() && line.back() == 'L') line.remove_suffix(1);
      std::vector<std::byte> le;
      if (!DecimalToTwosComplement(line, &le)) Fail(ErrorCode::kFormat, fmt::format("invalid integer literal '{}'", line.substr(0, 40)));
      Push(NewBigInt(le));
      return;
    }
    case Op::kFloat: {
      std::string_view line = ReadLine("a float literal");
      double d;
      if (!ParsePythonFloat(line, &d)) Fail(ErrorCode::kFormat, fmt::format("invalid float literal '{}'", line.substr(0, 40)));
      Value* v = NewNode(Kind::kFloat);
      v->real = d;
      Push(v);
      return;
    }
    case Op::kBinFloat: {
      auto b = Take(8, "BINFLOAT");
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | std::to_integer<std::uint8_t>(b[i]);  // big-endian
      Value* v = NewNode(Kind::kFloat);
      std::memcpy(&v->real, &bits, 8);
      Push(v);
      return;
    }

    // Strings and bytes
    case Op::kBinUnicode:
    case Op::kShortBinUnicode:
    case Op::kBinUnicode8: {
      std::uint64_t n = static_cast<Op>(op) == Op::kShortBinUnicode ? ReadUnsigned(1, "length")
                        : static_cast<Op>(op) == Op::kBinUnicode   ? ReadUnsigned(4, "length")
                                                                    : ReadUnsigned(8, "length");
      auto b = Take(n, "the string's bytes");
      Push(NewText(Kind::kStr, {reinterpret_cast<const char*>(b.data()), b.size()}, false));
      return;
    }
    case Op::kBinBytes:
    case Op::kShortBinBytes:
    case Op::kBinBytes8:
    case Op::kByteArray8: {
      Op o = static_cast<Op>(op);
      std::uint64_t n = o == Op::kShortBinBytes ? ReadUnsigned(1, "length")
                        : o == Op::kBinBytes    ? ReadUnsigned(4, "length")
                                                : ReadUnsigned(8, "length");
      auto b = Take(n, "the bytes");
      Push(NewText(o == Op::kByteArray8 ? Kind::kByteArray : Kind::kBytes,
                   {reinterpret_cast<const char*>(b.data()), b.size()}, false));
      return;
    }
    case Op::kBinString:
    case Op::kShortBinString: {
      std::uint64_t n = static_cast<Op>(op) == Op::kShortBinString ? ReadUnsigned(1, "length") : ReadUnsigned(4, "length");
      if (static_cast<Op>(op) == Op::kBinString && (n >> 31)) Fail(ErrorCode::kFormat, "negative BINSTRING length");
      auto b = Take(n, "the string's bytes");
      std::string_view raw(reinterpret_cast<const char*>(b.data()), b.size());
      // Python 2 str: Python 3 decodes it as ASCII by default; other bytes stay bytes.
      Push(NewText(IsAscii(raw) ? Kind::kStr : Kind::kBytes, raw, false));
      return;
    }
    case Op::kString: {
      std::string_view line = ReadLine("a quoted string");
      std::string raw;
      if (!UnescapeStringLiteral(line, &raw)) Fail(ErrorCode::kFormat, "the STRING literal is not properly quoted or escaped");
      Push(NewText(IsAscii(raw) ? Kind::kStr : Kind::kBytes, raw, true));
      return;
    }
    case Op::kUnicode: {
      std::string_view line = ReadLine("a raw-unicode-escape string");
      std::string utf8;
      if (!RawUnicodeEscapeToUtf8(line, &utf8)) Fail(ErrorCode::kFormat, "invalid raw-unicode-escape sequence");
      Push(NewText(Kind::kStr, utf8, true));
      return;
    }

    // Containers
    case Op::kEmptyTuple: Push(NewTuple({})); return;
    case Op::kTuple1: {
      Value* a = Pop();
      Push(NewTuple({a}));
      return;
    }
    case Op::kTuple2: {
      Value* b = Pop();
      Value* a = Pop();
      Push(NewTuple({a, b}));
      return;
    }
    case Op::kTuple3: {
      Value* c = Pop();
      Value* b = Pop();
      Value* a = Pop();
      Push(NewTuple({a, b, c}));
      return;
    }
    case Op::kTuple: Push(NewTuple(PopToMark())); return;
    case Op::kEmptyList: Push(NewNode(Kind::kList)); return;
    case Op::kList: {
      auto items = PopToMark();
      Value* v = NewNode(Kind::kList);
      AppendItems(v, items);
      Push(v);
      return;
    }
    case Op::kEmptyDict: Push(NewNode(Kind::kDict)); return;
    case Op::kDict: {
      auto kv = PopToMark();
      Value* v = NewNode(Kind::kDict);
      SetItems(v, kv);
      Push(v);
      return;
    }
    case Op::kEmptySet: Push(NewNode(Kind::kSet)); return;
    case Op::kFrozenSet: {
      auto items = PopToMark();
      Value* v = NewNode(Kind::kFrozenSet);
      ctx_->budget->Charge(items.size() * sizeof(Value*), "frozenset items");
      v->items.assign(items.begin(), items.end());
      Push(v);
      return;
    }
    case Op::kAppend: {
      Value* item = Pop();
      AppendItems(Top(), {item});
      return;
    }
    case Op::kAppends: {
      auto items = PopToMark();
      AppendItems(Top(), items);
      return;
    }
    case Op::kAddItems: {
      auto items = PopToMark();
      Value* set = Top();
      if (set->kind != Kind::kSet) Fail(ErrorCode::kFormat, fmt::format("ADDITEMS needs a set, found a {}", KindName(set->kind)));
      AppendItems(set, items);
      return;
    }
    case Op::kSetItem: {
      Value* value = Pop();
      Value* key = Pop();
      SetItems(Top(), {key, value});
      return;
    }
    case Op::kSetItems: {
      auto kv = PopToMark();
      SetItems(Top(), kv);
      return;
    }

    // Memo
    case Op::kPut: {
      std::string_view line = ReadLine("a memo key");
      std::uint64_t index = 0;
      auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), index);
      if (ec != std::errc() || p != line.data() + line.size()) Fail(ErrorCode::kFormat, "invalid memo key");
      MemoPut(index);
      return;
    }
    case Op::kBinPut: MemoPut(ReadUnsigned(1, "memo key")); return;
    case Op::kLongBinPut: MemoPut(ReadUnsigned(4, "memo key")); return;
    case Op::kMemoize: MemoPut(memo_count_); return;
    case Op::kGet: {
      std::string_view line = ReadLine("a memo key");
      std::uint64_t index = 0;
      auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), index);
      if (ec != std::errc() || p != line.data() + line.size()) Fail(ErrorCode::kFormat, "invalid memo key");
      Push(MemoGet(index));
      return;
    }
    case Op::kBinGet: Push(MemoGet(ReadUnsigned(1, "memo key"))); return;
    case Op::kLongBinGet: Push(MemoGet(ReadUnsigned(4, "memo key"))); return;

    // Globals and calls: recorded, never executed.
    case Op::kGlobal: {
      std::string_view module = ReadLine("the module name");
      std::string_view name = ReadLine("the global name");
      Push(NewGlobal(module, name));
      return;
    }
    case Op::kStackGlobal: {
      Value* name = Pop();
      Value* module = Pop();
      if (module->kind != Kind::kStr || name->kind != Kind::kStr) {
        Fail(ErrorCode::kFormat, fmt::format("module and name must be str, found {} and {}", KindName(module->kind), KindName(name->kind)));
      }
      Push(NewGlobal(module->text, name->text));
      return;
    }
    case Op::kExt1:
    case Op::kExt2:
    case Op::kExt4: {
      std::size_t width = static_cast<Op>(op) == Op::kExt1 ? 1 : static_cast<Op>(op) == Op::kExt2 ? 2 : 4;
      std::uint64_t code = ReadUnsigned(width, "extension code");
      // copyreg's extension registry is empty unless a program registers codes; none are standard.
      Fail(ErrorCode::kUnsupported, fmt::format("extension code {} is not registered (copyreg's registry is empty by default)", code));
    }
    case Op::kReduce: {
      Value* args = Pop();
      Value* callable = Pop();
      if (args->kind != Kind::kTuple) Fail(ErrorCode::kFormat, fmt::format("arguments must be a tuple, found a {}", KindName(args->kind)));
      Push(MakeCall(callable, args, nullptr, ObjectForm::kReduce));
      return;
    }
    case Op::kNewObj: {
      Value* args = Pop();
      Value* cls = Pop();
      if (args->kind != Kind::kTuple) Fail(ErrorCode::kFormat, fmt::format("arguments must be a tuple, found a {}", KindName(args->kind)));
      Push(MakeCall(cls, args, nullptr, ObjectForm::kNewObj));
      return;
    }
    case Op::kNewObjEx: {
      Value* kwargs = Pop();
      Value* args = Pop();
      Value* cls = Pop();
      if (args->kind != Kind::kTuple || kwargs->kind != Kind::kDict) Fail(ErrorCode::kFormat, "NEWOBJ_EX needs a tuple and a dict");
      Push(MakeCall(cls, args, kwargs, ObjectForm::kNewObjEx));
      return;
    }
    case Op::kInst: {
      std::string_view module = ReadLine("the module name");
      std::string_view name = ReadLine("the class name");
      auto args = PopToMark();
      Value* cls = NewGlobal(module, name);
      Push(MakeCall(cls, NewTuple(std::move(args)), nullptr, ObjectForm::kInst));
      return;
    }
    case Op::kObj: {
      auto items = PopToMark();
      if (items.empty()) Fail(ErrorCode::kFormat, "OBJ needs a class after the mark");
      Value* cls = items.front();
      items.erase(items.begin());
      Push(MakeCall(cls, NewTuple(std::move(items)), nullptr, ObjectForm::kInst));
      return;
    }
    case Op::kBuild: {
      Value* state = Pop();
      Value* obj = Top();
      if (obj->kind == Kind::kObject) {
        // Python's BUILD calls the instance's __setstate__ when it has one: a global that an
        // earlier BUILD stored under that name (in the dict or the slot state) is called now.
        if (const Value* before = obj->object->state) {
          auto mark = [&](const Value* d) {
            const Value* f = d && d->kind == Kind::kDict ? d->Get("__setstate__") : nullptr;
            if (f && f->kind == Kind::kGlobal) ctx_->globals->MarkCalled(static_cast<std::size_t>(f->integer));
          };
          mark(before);
          if (before->kind == Kind::kTuple && before->items.size() == 2) mark(before->items[0]), mark(before->items[1]);
        }
        obj->object->state = state;
        if (ctx_->on_build) ctx_->on_build(obj, *this);
      } else if (obj->kind == Kind::kDict && state->kind == Kind::kDict) {
        // A dict subclass's instance attributes; kept alongside its items for inspection.
        SetItems(obj, {});
      } else {
        Fail(ErrorCode::kFormat, fmt::format("BUILD on a {}, which has no state to set", KindName(obj->kind)));
      }
      return;
    }
    case Op::kPersId:
    case Op::kBinPersId:
      Fail(ErrorCode::kUnsupported,
           "persistent IDs refer to objects stored outside the pickle (e.g. by torch.save); skbridge cannot resolve them");
    case Op::kNextBuffer: {
      Value* v = NewNode(Kind::kPickleBuffer);
      v->integer = static_cast<std::int64_t>(ctx_->out_of_band_buffers++);
      Push(v);
      return;
    }
    case Op::kReadOnlyBuffer:
      Top();  // marks the buffer read-only: nothing to do, but the stack must hold it
      return;
  }
  Fail(ErrorCode::kFormat, fmt::format("unknown opcode 0x{:02x}", op));
}

}  // namespace skbridge::pickle
