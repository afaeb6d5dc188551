#include "pickle/opcodes.h"

namespace skbridge::pickle {

const char* OpName(std::uint8_t op) {
  switch (static_cast<Op>(op)) {
    case Op::kMark: return "MARK";
    case Op::kStop: return "STOP";
    case Op::kPop: return "POP";
    case Op::kPopMark: return "POP_MARK";
    case Op::kDup: return "DUP";
    case Op::kFloat: return "FLOAT";
    case Op::kInt: return "INT";
    case Op::kBinInt: return "BININT";
    case Op::kBinInt1: return "BININT1";
    case Op::kLong: return "LONG";
    case Op::kBinInt2: return "BININT2";
    case Op::kNone: return "NONE";
    case Op::kPersId: return "PERSID";
    case Op::kBinPersId: return "BINPERSID";
    case Op::kReduce: return "REDUCE";
    case Op::kString: return "STRING";
    case Op::kBinString: return "BINSTRING";
    case Op::kShortBinString: return "SHORT_BINSTRING";
    case Op::kUnicode: return "UNICODE";
    case Op::kBinUnicode: return "BINUNICODE";
    case Op::kAppend: return "APPEND";
    case Op::kBuild: return "BUILD";
    case Op::kGlobal: return "GLOBAL";
    case Op::kDict: return "DICT";
    case Op::kEmptyDict: return "EMPTY_DICT";
    case Op::kAppends: return "APPENDS";
    case Op::kGet: return "GET";
    case Op::kBinGet: return "BINGET";
    case Op::kInst: return "INST";
    case Op::kLongBinGet: return "LONG_BINGET";
    case Op::kList: return "LIST";
    case Op::kEmptyList: return "EMPTY_LIST";
    case Op::kObj: return "OBJ";
    case Op::kPut: return "PUT";
    case Op::kBinPut: return "BINPUT";
    case Op::kLongBinPut: return "LONG_BINPUT";
    case Op::kSetItem: return "SETITEM";
    case Op::kTuple: return "TUPLE";
    case Op::kEmptyTuple: return "EMPTY_TUPLE";
    case Op::kSetItems: return "SETITEMS";
    case Op::kBinFloat: return "BINFLOAT";
    case Op::kProto: return "PROTO";
    case Op::kNewObj: return "NEWOBJ";
    case Op::kExt1: return "EXT1";
    case Op::kExt2: return "EXT2";
    case Op::kExt4: return "EXT4";
    case Op::kTuple1: return "TUPLE1";
    case Op::kTuple2: return "TUPLE2";
    case Op::kTuple3: return "TUPLE3";
    case Op::kNewTrue: return "NEWTRUE";
    case Op::kNewFalse: return "NEWFALSE";
    case Op::kLong1: return "LONG1";
    case Op::kLong4: return "LONG4";
    case Op::kBinBytes: return "BINBYTES";
    case Op::kShortBinBytes: return "SHORT_BINBYTES";
    case Op::kShortBinUnicode: return "SHORT_BINUNICODE";
    case Op::kBinUnicode8: return "BINUNICODE8";
    case Op::kBinBytes8: return "BINBYTES8";
    case Op::kEmptySet: return "EMPTY_SET";
    case Op::kAddItems: return "ADDITEMS";
    case Op::kFrozenSet: return "FROZENSET";
    case Op::kNewObjEx: return "NEWOBJ_EX";
    case Op::kStackGlobal: return "STACK_GLOBAL";
    case Op::kMemoize: return "MEMOIZE";
    case Op::kFrame: return "FRAME";
    case Op::kByteArray8: return "BYTEARRAY8";
    case Op::kNextBuffer: return "NEXT_BUFFER";
    case Op::kReadOnlyBuffer: return "READONLY_BUFFER";
  }
  return nullptr;
}

}  // namespace skbridge::pickle
