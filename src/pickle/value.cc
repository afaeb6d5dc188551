#include <fmt/format.h>

#include <cstring>

#include "pickle/bigint.h"
#include "skbridge/value.h"

namespace skbridge {

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kComplex: return "complex";
    case Kind::kStr: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kByteArray: return "bytearray";
    case Kind::kList: return "list";
    case Kind::kTuple: return "tuple";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kFrozenSet: return "frozenset";
    case Kind::kGlobal: return "global";
    case Kind::kObject: return "object";
    case Kind::kArray: return "ndarray";
    case Kind::kPickleBuffer: return "PickleBuffer";
  }
  return "?";
}

std::string JoinGlobal(std::string_view module, std::string_view name) {
  std::string out;
  out.reserve(module.size() + name.size() + 1);
  out.append(module).append(".").append(name);
  return out;
}

const Value* Value::Class() const {
  if (kind == Kind::kObject && object && object->callable && object->callable->kind == Kind::kGlobal) {
    return object->callable;
  }
  return nullptr;
}

std::string Value::GlobalPath() const {
  if (kind == Kind::kGlobal) return JoinGlobal(text, name);
  if (const Value* c = Class()) return JoinGlobal(c->text, c->name);
  return {};
}

const Value* Value::Get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k->is_text() && k->text == key) return v;
  }
  return nullptr;
}

std::string Value::IntDecimal() const {
  if (kind == Kind::kBool) return boolean ? "1" : "0";
  if (!text.empty()) {
    // Like Python's int->str limit (4300 digits): larger values are named by size, since the
    // conversion is quadratic and a hostile file could make it take minutes.
    if (text.size() > 1786) return fmt::format("<int of {} bytes>", text.size());
    return pickle::TwosComplementToDecimal({reinterpret_cast<const std::byte*>(text.data()), text.size()});
  }
  return std::to_string(integer);
}

namespace {

std::string QuoteText(std::string_view s, std::size_t max_len) {
  std::string out = "'";
  for (char c : s) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string FloatRepr(double d) {
  if (d != d) return "nan";
  if (d == std::numeric_limits<double>::infinity()) return "inf";
  if (d == -std::numeric_limits<double>::infinity()) return "-inf";
  std::string s = fmt::format("{}", d);  // shortest round-trip, like Python's repr
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string Value::Repr(std::size_t max_len) const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return boolean ? "True" : "False";
    case Kind::kInt:
      // Like Python's repr, refuse to print thousands of digits: conversion is quadratic, and
      // messages quote values from untrusted files.
      if (text.size() > 1024) return fmt::format("<int of {} bytes>", text.size());
      return IntDecimal();
    case Kind::kFloat: return FloatRepr(real);
    case Kind::kComplex: return fmt::format("({}{}{}j)", FloatRepr(real), imag < 0 ? "" : "+", FloatRepr(imag));
    case Kind::kStr: return QuoteText(text, max_len);
    case Kind::kBytes: return fmt::format("b{}", QuoteText(text, max_len));
    case Kind::kByteArray: return fmt::format("bytearray(b{})", QuoteText(text, max_len));
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kSet:
    case Kind::kFrozenSet: {
      const char* open = kind == Kind::kList ? "[" : kind == Kind::kTuple ? "(" : "{";
      const char* close = kind == Kind::kList ? "]" : kind == Kind::kTuple ? ")" : "}";
      std::string out = open;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        if (out.size() > max_len) {
          out += "...";
          break;
        }
        // One level deep only: nested containers print as their kind, which also stops cycles.
        const Value* item = items[i];
        bool nested = item->kind == Kind::kList || item->kind == Kind::kTuple || item->kind == Kind::kDict ||
                      item->kind == Kind::kSet || item->kind == Kind::kFrozenSet;
        out += nested ? fmt::format("<{} of {}>", KindName(item->kind), item->kind == Kind::kDict ? item->entries.size() : item->items.size())
                      : item->Repr(max_len / 2);
      }
      if (kind == Kind::kTuple && items.size() == 1) out += ",";
      return out + close;
    }
    case Kind::kDict: return fmt::format("<dict of {}>", entries.size());
    case Kind::kGlobal: return GlobalPath();
    case Kind::kObject: {
      const Value* c = Class();
      return c ? fmt::format("<{}>", c->name) : "<object>";
    }
    case Kind::kArray:
      if (array->is_scalar && array->dtype.kind == DTypeKind::kFloat && array->dtype.itemsize == 8) {
        double d;
        std::memcpy(&d, array->data, 8);
        return FloatRepr(d);
      }
      return fmt::format("<ndarray {} {}>", array->dtype.Name(), array->ShapeString());
    case Kind::kPickleBuffer: return fmt::format("<out-of-band buffer {}>", integer);
  }
  return "?";
}

}  // namespace skbridge
