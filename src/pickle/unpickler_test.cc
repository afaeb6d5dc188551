// Unit tests of the pickle VM, one opcode family at a time, through skbridge::ReadPickleBytes.
// Streams are built by hand (PickleBuilder) so that each test shows exactly the bytes it feeds.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "pickle/test_util.h"
#include "skbridge/reader.h"
#include "skbridge/value.h"

namespace skbridge {
namespace {

using testing::PickleBuilder;
using testing::Read;
using Op = pickle::Op;

const GlobalRef* FindGlobal(const ModelFile& f, std::string_view path) {
  for (const auto& g : f.globals) {
    if (g.Path() == path) return &g;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// PROTO and FRAME

TEST(Proto, RecordsHighestProtocol) {
  for (int p = 2; p <= 5; ++p) {
    auto f = Read(PickleBuilder().proto(p).none().stop());
    EXPECT_EQ(f.protocol, p);
    EXPECT_TRUE(f.graph.root->is_none());
  }
  // Protocols 0 and 1 have no PROTO opcode.
  EXPECT_EQ(Read("N.").protocol, 0);
}

TEST(Proto, RejectsProtocolSix) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(6).none().stop(), ErrorCode::kUnsupported, 0u, "protocol 6 is newer than 5");
}

TEST(Frame, FramedStreamReads) {
  PickleBuilder body;
  body.str("hello").memoize().stop();
  PickleBuilder p;
  p.proto(4).op(Op::kFrame).le(body.size(), 8).then(body);
  auto f = Read(p);
  ASSERT_EQ(f.graph.root->kind, Kind::kStr);
  EXPECT_EQ(f.graph.root->text, "hello");
  EXPECT_EQ(f.protocol, 4);
}

TEST(Frame, SeveralFrames) {
  PickleBuilder p;
  p.proto(4).op(Op::kFrame).le(3, 8).empty_list().binint1(1).op(Op::kAppend);
  p.op(Op::kFrame).le(3, 8).binint1(2).op(Op::kAppend).stop();
  auto f = Read(p);
  ASSERT_EQ(f.graph.root->items.size(), 2u);
  EXPECT_EQ(f.graph.root->items[1]->integer, 2);
}

TEST(Frame, FrameLongerThanInputIsTruncation) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).op(Op::kFrame).le(100, 8).none().stop(), ErrorCode::kFormat, 2u,
                      "frame of 100 bytes, only 2 remain");
}

// ---------------------------------------------------------------------------------------------
// Memo

TEST(Memo, TextPutGetSharesOneNode) {
  // Protocol 0: [s, s] where s is memoised with PUT and fetched with GET.
  auto f = Read(std::string_view("(lp0\nVabc\np1\nag1\na.", 20));
  const Value* root = f.graph.root;
  ASSERT_EQ(root->kind, Kind::kList);
  ASSERT_EQ(root->items.size(), 2u);
  EXPECT_EQ(root->items[0], root->items[1]);
  EXPECT_EQ(root->items[0]->text, "abc");
}

TEST(Memo, BinPutBinGet) {
  auto f = Read(PickleBuilder().proto(2).str("x").binput(0).binget(0).tuple2().stop());
  ASSERT_EQ(f.graph.root->items.size(), 2u);
  EXPECT_EQ(f.graph.root->items[0], f.graph.root->items[1]);
}

TEST(Memo, LongBinPutLongBinGet) {
  PickleBuilder p;
  p.proto(2).str("y").op(Op::kLongBinPut).le(1000, 4).op(Op::kLongBinGet).le(1000, 4).tuple2().stop();
  auto f = Read(p);
  EXPECT_EQ(f.graph.root->items[0], f.graph.root->items[1]);
}

TEST(Memo, MemoizeUsesMemoLength) {
  // MEMOIZE stores at len(memo): "a" -> 0, "b" -> 1; a BINPUT at key 7 counts as one more entry,
  // so "d" lands at 3.
  PickleBuilder p;
  p.proto(4).str("a").memoize().str("b").memoize().str("c").binput(7).str("d").memoize();
  p.op(Op::kPop).op(Op::kPop).op(Op::kPop).op(Op::kPop);
  p.mark().binget(0).binget(1).binget(7).binget(3).tuple().stop();
  auto f = Read(p);
  const auto& items = f.graph.root->items;
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0]->text, "a");
  EXPECT_EQ(items[1]->text, "b");
  EXPECT_EQ(items[2]->text, "c");
  EXPECT_EQ(items[3]->text, "d");
}

TEST(Memo, PutOverwrites) {
  auto f = Read(PickleBuilder().proto(2).str("old").binput(3).str("new").binput(3).binget(3).tuple3().stop());
  EXPECT_EQ(f.graph.root->items[2]->text, "new");
}

TEST(Memo, SharedObjectIsOneNode) {
  // The same memoised object referenced from two places stays one node.
  PickleBuilder p;
  p.proto(2).global("mymod", "Thing").binput(0).empty_tuple().op(Op::kNewObj).binput(1);
  p.binget(1).tuple2().stop();
  auto f = Read(p);
  const Value* root = f.graph.root;
  ASSERT_EQ(root->kind, Kind::kTuple);
  EXPECT_EQ(root->items[0], root->items[1]);
  EXPECT_EQ(root->items[0]->kind, Kind::kObject);
  std::size_t objects = 0;
  for (std::size_t i = 0; i < f.graph.node_count(); ++i) objects += f.graph.node(i)->kind == Kind::kObject;
  EXPECT_EQ(objects, 1u);
}

TEST(Memo, CyclicList) {
  // l = []; l.append(l)
  auto f = Read(PickleBuilder().proto(2).empty_list().binput(0).binget(0).op(Op::kAppend).stop());
  const Value* root = f.graph.root;
  ASSERT_EQ(root->items.size(), 1u);
  EXPECT_EQ(root->items[0], root);
  EXPECT_EQ(root->Repr(), "[<list of 1>]");
}

TEST(Memo, CyclicDictThroughObjectState) {
  // o = Thing(); o.self = o
  PickleBuilder p;
  p.proto(2).global("m", "Thing").empty_tuple().op(Op::kNewObj).binput(0);
  p.empty_dict().str("self").binget(0).op(Op::kSetItem).build().stop();
  auto f = Read(p);
  const Value* root = f.graph.root;
  ASSERT_NE(root->State(), nullptr);
  EXPECT_EQ(root->State()->Get("self"), root);
}

TEST(Memo, Dup) {
  auto f = Read(PickleBuilder().proto(2).str("z").op(Op::kDup).tuple2().stop());
  EXPECT_EQ(f.graph.root->items[0], f.graph.root->items[1]);
}

// ---------------------------------------------------------------------------------------------
// Integers

TEST(Ints, TextInt) {
  EXPECT_EQ(Read("I42\n.").graph.root->integer, 42);
  EXPECT_EQ(Read("I-7\n.").graph.root->integer, -7);
  EXPECT_EQ(Read("I9223372036854775807\n.").graph.root->integer, std::numeric_limits<std::int64_t>::max());
}

TEST(Ints, TextIntBooleans) {
  // Protocol 0/1 write True/False as INT 01/00.
  auto t = Read("I01\n.");
  ASSERT_EQ(t.graph.root->kind, Kind::kBool);
  EXPECT_TRUE(t.graph.root->boolean);
  auto f = Read("I00\n.");
  ASSERT_EQ(f.graph.root->kind, Kind::kBool);
  EXPECT_FALSE(f.graph.root->boolean);
  // "0" and "1" are ints.
  EXPECT_EQ(Read("I1\n.").graph.root->kind, Kind::kInt);
}

TEST(Ints, TextIntBeyond64Bits) {
  auto f = Read("I123456789012345678901234567890\n.");
  EXPECT_TRUE(f.graph.root->is_big_int());
  EXPECT_EQ(f.graph.root->IntDecimal(), "123456789012345678901234567890");
}

TEST(Ints, TextLong) {
  auto pos = Read("L10000000000000000000000000000000000000000L\n.");
  EXPECT_EQ(pos.graph.root->IntDecimal(), "10000000000000000000000000000000000000000");
  auto neg = Read("L-123456789012345678901234567890L\n.");
  EXPECT_EQ(neg.graph.root->IntDecimal(), "-123456789012345678901234567890");
  auto small = Read("L5L\n.");
  EXPECT_FALSE(small.graph.root->is_big_int());
  EXPECT_EQ(small.graph.root->integer, 5);
  auto nosuffix = Read("L-5\n.");
  EXPECT_EQ(nosuffix.graph.root->integer, -5);
}

TEST(Ints, InvalidTextInt) {
  EXPECT_PICKLE_ERROR(std::string_view("I12x\n."), ErrorCode::kFormat, 0u, "invalid integer literal '12x'");
  EXPECT_PICKLE_ERROR(std::string_view("N" "I\n."), ErrorCode::kFormat, 1u, "invalid integer literal");
  EXPECT_PICKLE_ERROR(std::string_view("I42"), ErrorCode::kFormat, 0u, "needs a line ending");
}

TEST(Ints, BinaryInts) {
  EXPECT_EQ(Read(PickleBuilder().proto(2).binint(-5).stop()).graph.root->integer, -5);
  EXPECT_EQ(Read(PickleBuilder().proto(2).binint(std::numeric_limits<std::int32_t>::min()).stop()).graph.root->integer,
            std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(Read(PickleBuilder().proto(2).binint1(255).stop()).graph.root->integer, 255);
  EXPECT_EQ(Read(PickleBuilder().proto(2).binint2(65535).stop()).graph.root->integer, 65535);
}

TEST(Ints, NewTrueNewFalse) {
  auto f = Read(PickleBuilder().proto(2).newtrue().newfalse().tuple2().stop());
  EXPECT_EQ(f.graph.root->items[0]->kind, Kind::kBool);
  EXPECT_TRUE(f.graph.root->items[0]->boolean);
  EXPECT_FALSE(f.graph.root->items[1]->boolean);
}

ModelFile ReadLong1(std::string_view le) {
  return Read(PickleBuilder().proto(2).op(Op::kLong1).byte(static_cast<std::uint8_t>(le.size())).raw(le).stop());
}

TEST(Ints, Long1) {
  EXPECT_EQ(ReadLong1("").graph.root->integer, 0);  // pickle writes 0 as LONG1 of length 0
  EXPECT_EQ(ReadLong1(std::string_view("\xff", 1)).graph.root->integer, -1);
  EXPECT_EQ(ReadLong1(std::string_view("\xff\x00", 2)).graph.root->integer, 255);
  // int64 min and max fit; they stay small ints.
  auto min = ReadLong1(std::string_view("\x00\x00\x00\x00\x00\x00\x00\x80", 8));
  EXPECT_FALSE(min.graph.root->is_big_int());
  EXPECT_EQ(min.graph.root->integer, std::numeric_limits<std::int64_t>::min());
  // 2**63 needs a ninth byte.
  auto over = ReadLong1(std::string_view("\x00\x00\x00\x00\x00\x00\x00\x80\x00", 9));
  EXPECT_TRUE(over.graph.root->is_big_int());
  EXPECT_EQ(over.graph.root->IntDecimal(), "9223372036854775808");
  // Redundant sign-extension bytes still fit.
  auto padded = ReadLong1(std::string_view("\xfe\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10));
  EXPECT_FALSE(padded.graph.root->is_big_int());
  EXPECT_EQ(padded.graph.root->integer, -2);
}

TEST(Ints, Long1BigBothSigns) {
  // Bytes from Python's pickle.encode_long.
  EXPECT_EQ(ReadLong1(std::string_view("\x00\x00\x00\x00\x00\x00\x00\x00\x01", 9)).graph.root->IntDecimal(),
            "18446744073709551616");
  EXPECT_EQ(ReadLong1(std::string_view("\x00\x00\x00\x00\x00\x00\x00\x00\xff", 9)).graph.root->IntDecimal(),
            "-18446744073709551616");
  EXPECT_EQ(ReadLong1(std::string_view("\x39\x30\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10", 13)).graph.root->IntDecimal(),
            "1267650600228229401496703217721");
  EXPECT_EQ(ReadLong1(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\xff", 17))
                .graph.root->IntDecimal(),
            "-170141183460469231731687303715884105729");
}

TEST(Ints, Long4) {
  std::string le = std::string(300, '\0') + "\x01";  // 2**2400
  auto f = Read(PickleBuilder().proto(2).op(Op::kLong4).le(le.size(), 4).raw(le).stop());
  std::string dec = f.graph.root->IntDecimal();
  EXPECT_EQ(dec.size(), 723u);  // 2**2400 has 723 decimal digits
  EXPECT_EQ(dec.substr(0, 10), "2964760347");  // str(2**2400)[:10]
  EXPECT_EQ(dec.substr(dec.size() - 4), "3376");
  std::string neg = std::string(20, '\0') + "\x80";  // -(2**167)
  auto g = Read(PickleBuilder().proto(2).op(Op::kLong4).le(neg.size(), 4).raw(neg).stop());
  EXPECT_EQ(g.graph.root->IntDecimal(), "-187072209578355573530071658587684226515959365500928");
}

TEST(Ints, Long4NegativeLength) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kLong4).le(0x80000000u, 4).stop(), ErrorCode::kFormat, 2u,
                      "negative LONG4 length");
}

// ---------------------------------------------------------------------------------------------
// Floats

TEST(Floats, TextFloat) {
  EXPECT_EQ(Read("F1.5\n.").graph.root->real, 1.5);
  EXPECT_EQ(Read("F1e+300\n.").graph.root->real, 1e300);
  EXPECT_EQ(Read("F-0.25\n.").graph.root->real, -0.25);
  EXPECT_TRUE(std::isnan(Read("Fnan\n.").graph.root->real));
  EXPECT_EQ(Read("Finf\n.").graph.root->real, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Read("F-inf\n.").graph.root->real, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Read("F0.1\n.").graph.root->real, 0.1);
  EXPECT_EQ(Read("F0.1\n.").graph.root->kind, Kind::kFloat);
}

TEST(Floats, InvalidTextFloat) {
  EXPECT_PICKLE_ERROR(std::string_view("F1.5x\n."), ErrorCode::kFormat, 0u, "invalid float literal '1.5x'");
  EXPECT_PICKLE_ERROR(std::string_view("F\n."), ErrorCode::kFormat, 0u, "invalid float literal");
}

TEST(Floats, BinFloat) {
  EXPECT_EQ(Read(PickleBuilder().proto(2).binfloat(3.141592653589793).stop()).graph.root->real, 3.141592653589793);
  double neg_zero = Read(PickleBuilder().proto(2).binfloat(-0.0).stop()).graph.root->real;
  EXPECT_EQ(neg_zero, 0.0);
  EXPECT_TRUE(std::signbit(neg_zero));
  EXPECT_TRUE(std::isnan(Read(PickleBuilder().proto(2).binfloat(std::nan("")).stop()).graph.root->real));
  EXPECT_EQ(Read(PickleBuilder().proto(2).binfloat(5e-324).stop()).graph.root->real, 5e-324);
  // Raw big-endian bytes of 1.0.
  EXPECT_EQ(Read(std::string_view("G\x3f\xf0\x00\x00\x00\x00\x00\x00.", 10)).graph.root->real, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Strings and bytes

TEST(Strings, StringWithEscapes) {
  auto f = Read(PickleBuilder().string_line(R"('a\nb\x00c\'d\\e\t\101')").stop());
  ASSERT_EQ(f.graph.root->kind, Kind::kStr);  // all ASCII: Python 3 decodes it as str
  EXPECT_EQ(f.graph.root->text, std::string_view("a\nb\0c'd\\e\tA", 11));
  auto dq = Read(PickleBuilder().string_line(R"("it's")").stop());
  EXPECT_EQ(dq.graph.root->text, "it's");
}

TEST(Strings, StringNonAsciiIsBytes) {
  auto f = Read(PickleBuilder().string_line(R"('caf\xe9')").stop());
  ASSERT_EQ(f.graph.root->kind, Kind::kBytes);
  EXPECT_EQ(f.graph.root->text, "caf\xe9");
}

TEST(Strings, StringBadQuoting) {
  EXPECT_PICKLE_ERROR(PickleBuilder().string_line("'abc").stop(), ErrorCode::kFormat, 0u, "not properly quoted");
  EXPECT_PICKLE_ERROR(PickleBuilder().string_line("abc").stop(), ErrorCode::kFormat, 0u, "not properly quoted");
  EXPECT_PICKLE_ERROR(PickleBuilder().string_line(R"('a\x4')").stop(), ErrorCode::kFormat, 0u, "escaped");
}

TEST(Strings, BinStringAsciiVsNonAscii) {
  auto ascii = Read(PickleBuilder().op(Op::kBinString).le(5, 4).raw("hello").stop());
  EXPECT_EQ(ascii.graph.root->kind, Kind::kStr);
  EXPECT_EQ(ascii.graph.root->text, "hello");
  auto bin = Read(PickleBuilder().shortbinstring(std::string_view("\xff\x00", 2)).stop());
  EXPECT_EQ(bin.graph.root->kind, Kind::kBytes);
  EXPECT_EQ(bin.graph.root->text, std::string_view("\xff\x00", 2));
  EXPECT_PICKLE_ERROR(PickleBuilder().op(Op::kBinString).le(0xFFFFFFFFu, 4).stop(), ErrorCode::kFormat, 0u,
                      "negative BINSTRING length");
}

TEST(Strings, UnicodeRawUnicodeEscape) {
  // pickle.dumps('caf\xe9 \u20ac \U0001f600\\\n', protocol=0)
  auto f = Read(std::string_view("Vcaf\xe9 \\u20ac \\U0001f600\\u005c\\u000a\np0\n."));
  ASSERT_EQ(f.graph.root->kind, Kind::kStr);
  EXPECT_EQ(f.graph.root->text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\\\n");
  EXPECT_PICKLE_ERROR(std::string_view("V\\u12\n."), ErrorCode::kFormat, 0u, "raw-unicode-escape");
  EXPECT_PICKLE_ERROR(std::string_view("V\\U00110000\n."), ErrorCode::kFormat, 0u, "raw-unicode-escape");
}

TEST(Strings, BinUnicodeForms) {
  auto s = Read(PickleBuilder().proto(4).str("h\xc3\xa9").stop());
  EXPECT_EQ(s.graph.root->text, "h\xc3\xa9");
  auto b = Read(PickleBuilder().proto(2).binunicode(std::string(300, 'q')).stop());
  EXPECT_EQ(b.graph.root->text, std::string(300, 'q'));
  auto b8 = Read(PickleBuilder().proto(4).op(Op::kBinUnicode8).le(3, 8).raw("xyz").stop());
  EXPECT_EQ(b8.graph.root->kind, Kind::kStr);
  EXPECT_EQ(b8.graph.root->text, "xyz");
}

TEST(Strings, BytesForms) {
  auto s = Read(PickleBuilder().proto(3).op(Op::kShortBinBytes).byte(3).raw(std::string_view("a\0b", 3)).stop());
  EXPECT_EQ(s.graph.root->kind, Kind::kBytes);
  EXPECT_EQ(s.graph.root->text, std::string_view("a\0b", 3));
  auto b = Read(PickleBuilder().proto(3).op(Op::kBinBytes).le(2, 4).raw("\xfe\xff").stop());
  EXPECT_EQ(b.graph.root->text, "\xfe\xff");
  auto b8 = Read(PickleBuilder().proto(4).op(Op::kBinBytes8).le(4, 8).raw("abcd").stop());
  EXPECT_EQ(b8.graph.root->kind, Kind::kBytes);
  EXPECT_EQ(b8.graph.root->text, "abcd");
  auto ba = Read(PickleBuilder().proto(5).op(Op::kByteArray8).le(2, 8).raw("hi").stop());
  EXPECT_EQ(ba.graph.root->kind, Kind::kByteArray);
  EXPECT_EQ(ba.graph.root->text, "hi");
}

TEST(Strings, PointsIntoInputWhenOwned) {
  // With an owner, payloads are views into the input (no copy).
  auto holder = std::make_shared<std::string>(PickleBuilder().proto(4).str("payload").stop().str_bytes());
  auto f = ReadPickleBytes(testing::AsBytes(*holder), testing::NoHash(), holder);
  EXPECT_EQ(f.graph.root->text, "payload");
  EXPECT_EQ(f.graph.root->text.data(), holder->data() + 4);
}

TEST(Strings, TruncatedPayload) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).op(Op::kShortBinUnicode).byte(10).raw("abc"), ErrorCode::kFormat, 2u,
                      "needs 10 bytes, only 3 remain");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).op(Op::kBinUnicode8).le(std::uint64_t(1) << 62, 8), ErrorCode::kFormat, 2u,
                      "only 0 remain");
}

// ---------------------------------------------------------------------------------------------
// Containers

TEST(Containers, Tuples) {
  auto g = Read(PickleBuilder().proto(2).mark().empty_tuple().binint1(1).tuple1().binint1(1).binint1(2).tuple2()
                    .binint1(1).binint1(2).binint1(3).tuple3().mark().binint1(4).binint1(5).binint1(6).binint1(7).tuple()
                    .tuple().stop());
  const auto& t = g.graph.root->items;
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0]->items.size(), 0u);
  EXPECT_EQ(t[1]->items.size(), 1u);
  EXPECT_EQ(t[2]->items[1]->integer, 2);
  EXPECT_EQ(t[3]->items[2]->integer, 3);
  EXPECT_EQ(t[4]->items.size(), 4u);
  EXPECT_EQ(g.graph.root->Repr(), "(<tuple of 0>, <tuple of 1>, <tuple of 2>, <tuple of 3>, <tuple of 4>)");
  auto p0 = Read("(I1\nI2\nt.");  // protocol 0 TUPLE
  EXPECT_EQ(p0.graph.root->items.size(), 2u);
}

TEST(Containers, ListsAppendAppends) {
  auto f = Read(PickleBuilder().proto(2).empty_list().binint1(1).op(Op::kAppend).mark().binint1(2).binint1(3)
                    .op(Op::kAppends).stop());
  ASSERT_EQ(f.graph.root->kind, Kind::kList);
  ASSERT_EQ(f.graph.root->items.size(), 3u);
  EXPECT_EQ(f.graph.root->items[2]->integer, 3);
  auto g = Read("(I1\nI2\nl.");  // protocol 0 LIST
  EXPECT_EQ(g.graph.root->kind, Kind::kList);
  EXPECT_EQ(g.graph.root->items.size(), 2u);
  // Empty APPENDS is fine.
  EXPECT_EQ(Read(PickleBuilder().proto(2).empty_list().mark().op(Op::kAppends).stop()).graph.root->items.size(), 0u);
}

TEST(Containers, DictsSetItemSetItems) {
  auto f = Read(PickleBuilder().proto(2).empty_dict().str("b").binint1(1).op(Op::kSetItem).mark().str("a").binint1(2)
                    .str("c").none().op(Op::kSetItems).stop());
  const Value* d = f.graph.root;
  ASSERT_EQ(d->kind, Kind::kDict);
  ASSERT_EQ(d->entries.size(), 3u);
  EXPECT_EQ(d->entries[0].first->text, "b");  // insertion order is kept
  EXPECT_EQ(d->entries[1].first->text, "a");
  EXPECT_EQ(d->Get("a")->integer, 2);
  EXPECT_TRUE(d->Get("c")->is_none());
  EXPECT_EQ(d->Get("zz"), nullptr);
  auto g = Read("(S'k'\nI5\nd.");  // protocol 0 DICT
  EXPECT_EQ(g.graph.root->Get("k")->integer, 5);
}

TEST(Containers, SetsAndFrozenSets) {
  auto s = Read(PickleBuilder().proto(4).op(Op::kEmptySet).mark().binint1(1).binint1(2).op(Op::kAddItems).stop());
  ASSERT_EQ(s.graph.root->kind, Kind::kSet);
  EXPECT_EQ(s.graph.root->items.size(), 2u);
  auto fs = Read(PickleBuilder().proto(4).mark().str("x").op(Op::kFrozenSet).stop());
  ASSERT_EQ(fs.graph.root->kind, Kind::kFrozenSet);
  EXPECT_EQ(fs.graph.root->items[0]->text, "x");
  auto empty = Read(PickleBuilder().proto(4).mark().op(Op::kFrozenSet).stop());
  EXPECT_EQ(empty.graph.root->items.size(), 0u);
}

TEST(Containers, AddItemsNeedsASet) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).empty_list().mark().binint1(1).op(Op::kAddItems).stop(), ErrorCode::kFormat, 6u,
                      "ADDITEMS needs a set, found a list");
}

TEST(Containers, PopAndPopMark) {
  auto f = Read(PickleBuilder().proto(2).binint1(1).binint1(2).op(Op::kPop).stop());
  EXPECT_EQ(f.graph.root->integer, 1);
  auto g = Read(PickleBuilder().proto(2).binint1(1).mark().binint1(2).binint1(3).op(Op::kPopMark).stop());
  EXPECT_EQ(g.graph.root->integer, 1);
  // POP of a bare mark discards the mark, as CPython does.
  auto h = Read(PickleBuilder().proto(2).binint1(1).mark().op(Op::kPop).binint1(2).tuple2().stop());
  EXPECT_EQ(h.graph.root->items.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Globals and calls

TEST(Globals, GlobalAndStackGlobal) {
  auto f = Read(PickleBuilder().proto(4).global("collections", "OrderedDict").stack_global("sklearn.svm._classes", "SVC")
                    .stack_global("collections", "OrderedDict").tuple3().stop());
  const auto& items = f.graph.root->items;
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]->kind, Kind::kGlobal);
  EXPECT_EQ(items[0]->text, "collections");
  EXPECT_EQ(items[0]->name, "OrderedDict");
  EXPECT_EQ(items[1]->GlobalPath(), "sklearn.svm._classes.SVC");
  ASSERT_EQ(f.globals.size(), 2u);
  EXPECT_EQ(f.globals[0].Path(), "collections.OrderedDict");
  EXPECT_EQ(f.globals[0].uses, 2u);
  EXPECT_EQ(f.globals[0].first_offset, 2u);
  EXPECT_EQ(f.globals[0].safety, GlobalSafety::kData);
  EXPECT_FALSE(f.globals[0].called);
  EXPECT_EQ(f.globals[1].safety, GlobalSafety::kData);
  EXPECT_FALSE(f.HasUnsafeGlobals());
}

TEST(Globals, StackGlobalNeedsStrings) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).binint1(1).str("x").op(Op::kStackGlobal).stop(), ErrorCode::kFormat, 7u,
                      "module and name must be str, found int and str");
}

TEST(Globals, SafetyClasses) {
  EXPECT_EQ(ClassifyGlobal("os", "system"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("posix", "system"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("nt", "system"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("builtins", "eval"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("__builtin__", "eval"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("builtins", "getattr"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("subprocess", "Popen"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("importlib", "import_module"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("functools", "partial"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("operator", "attrgetter"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("sklearn.tree", "__init__.__globals__"), GlobalSafety::kDangerous);
  EXPECT_EQ(ClassifyGlobal("numpy.core.multiarray", "_reconstruct"), GlobalSafety::kData);
  EXPECT_EQ(ClassifyGlobal("sklearn.linear_model._logistic", "LogisticRegression"), GlobalSafety::kData);
  EXPECT_EQ(ClassifyGlobal("builtins", "set"), GlobalSafety::kData);
  EXPECT_EQ(ClassifyGlobal("mypackage.models", "Custom"), GlobalSafety::kUnknown);
}

TEST(Calls, ReduceRecordsCall) {
  auto f = Read(PickleBuilder().proto(2).global("mymod", "factory").binint1(1).str("a").tuple2().reduce().stop());
  const Value* o = f.graph.root;
  ASSERT_EQ(o->kind, Kind::kObject);
  EXPECT_EQ(o->object->form, ObjectForm::kReduce);
  EXPECT_EQ(o->GlobalPath(), "mymod.factory");
  ASSERT_EQ(o->object->args->items.size(), 2u);
  EXPECT_EQ(o->object->args->items[1]->text, "a");
  EXPECT_EQ(o->object->kwargs, nullptr);
  EXPECT_EQ(o->State(), nullptr);
  const GlobalRef* g = FindGlobal(f, "mymod.factory");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->called);
  EXPECT_EQ(g->safety, GlobalSafety::kUnknown);
  EXPECT_TRUE(f.HasUnsafeGlobals());
}

TEST(Calls, ReduceNeedsTupleArgs) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).global("m", "f").empty_list().reduce().stop(), ErrorCode::kFormat, 8u,
                      "arguments must be a tuple, found a list");
}

TEST(Calls, NewObjAndBuild) {
  auto f = Read(PickleBuilder().proto(2).global("sklearn.linear_model._base", "LinearRegression").empty_tuple()
                    .op(Op::kNewObj).empty_dict().str("fit_intercept").newtrue().op(Op::kSetItem).build().stop());
  const Value* o = f.graph.root;
  ASSERT_EQ(o->kind, Kind::kObject);
  EXPECT_EQ(o->object->form, ObjectForm::kNewObj);
  EXPECT_EQ(o->Class()->name, "LinearRegression");
  ASSERT_NE(o->State(), nullptr);
  EXPECT_TRUE(o->State()->Get("fit_intercept")->boolean);
  EXPECT_EQ(o->Repr(), "<LinearRegression>");
  EXPECT_TRUE(f.globals[0].called);
}

TEST(Calls, NewObjEx) {
  auto f = Read(PickleBuilder().proto(4).stack_global("m", "K").binint1(1).tuple1().empty_dict().str("x").binint1(2)
                    .op(Op::kSetItem).op(Op::kNewObjEx).stop());
  const Value* o = f.graph.root;
  ASSERT_EQ(o->kind, Kind::kObject);
  EXPECT_EQ(o->object->form, ObjectForm::kNewObjEx);
  EXPECT_EQ(o->object->args->items[0]->integer, 1);
  ASSERT_NE(o->object->kwargs, nullptr);
  EXPECT_EQ(o->object->kwargs->Get("x")->integer, 2);
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).stack_global("m", "K").empty_tuple().empty_list().op(Op::kNewObjEx).stop(),
                      ErrorCode::kFormat, 11u, "NEWOBJ_EX needs a tuple and a dict");
}

TEST(Calls, Inst) {
  auto f = Read("(I1\nS'a'\nimymod\nMyClass\n(dS'x'\nI3\nsb.");
  const Value* o = f.graph.root;
  ASSERT_EQ(o->kind, Kind::kObject);
  EXPECT_EQ(o->object->form, ObjectForm::kInst);
  EXPECT_EQ(o->GlobalPath(), "mymod.MyClass");
  ASSERT_EQ(o->object->args->items.size(), 2u);
  EXPECT_EQ(o->object->args->items[0]->integer, 1);
  EXPECT_EQ(o->State()->Get("x")->integer, 3);
  EXPECT_TRUE(FindGlobal(f, "mymod.MyClass")->called);
}

TEST(Calls, Obj) {
  auto f = Read(PickleBuilder().mark().global("mymod", "C").binint1(5).op(Op::kObj).stop());
  const Value* o = f.graph.root;
  ASSERT_EQ(o->kind, Kind::kObject);
  EXPECT_EQ(o->object->form, ObjectForm::kInst);
  EXPECT_EQ(o->GlobalPath(), "mymod.C");
  EXPECT_EQ(o->object->args->items[0]->integer, 5);
  EXPECT_TRUE(FindGlobal(f, "mymod.C")->called);
  EXPECT_PICKLE_ERROR(PickleBuilder().mark().op(Op::kObj).stop(), ErrorCode::kFormat, 1u, "OBJ needs a class");
}

TEST(Calls, ItemsOnObjects) {
  // APPENDS / SETITEMS on a recorded object (a list or dict subclass) are kept with it.
  auto f = Read(PickleBuilder().proto(2).global("m", "L").empty_tuple().op(Op::kNewObj).mark().binint1(1).binint1(2)
                    .op(Op::kAppends).mark().str("k").binint1(3).op(Op::kSetItems).stop());
  const Value* o = f.graph.root;
  ASSERT_EQ(o->object->list_items.size(), 2u);
  ASSERT_EQ(o->object->dict_items.size(), 1u);
  EXPECT_EQ(o->object->dict_items[0].first->text, "k");
}

TEST(Calls, BuildOnDictSubclassInstance) {
  // BUILD with a dict state on a plain dict (e.g. a folded OrderedDict) is accepted.
  EXPECT_NO_THROW(Read(PickleBuilder().proto(2).empty_dict().empty_dict().build().stop()));
}

TEST(Ext, NotRegistered) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kExt1).byte(7).stop(), ErrorCode::kUnsupported, 2u,
                      "extension code 7 is not registered");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kExt2).le(0x1234, 2).stop(), ErrorCode::kUnsupported, 2u,
                      "extension code 4660 is not registered");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kExt4).le(0x7fffffff, 4).stop(), ErrorCode::kUnsupported, 2u,
                      "extension code 2147483647 is not registered");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kExt4).le(1, 2), ErrorCode::kFormat, 2u, "truncated");
}

TEST(Buffers, NextBufferAndReadOnly) {
  auto f = Read(PickleBuilder().proto(5).op(Op::kNextBuffer).op(Op::kReadOnlyBuffer).op(Op::kNextBuffer).tuple2().stop());
  const auto& items = f.graph.root->items;
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]->kind, Kind::kPickleBuffer);
  EXPECT_EQ(items[0]->integer, 0);
  EXPECT_EQ(items[1]->integer, 1);
  EXPECT_EQ(items[1]->Repr(), "<out-of-band buffer 1>");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(5).op(Op::kReadOnlyBuffer).stop(), ErrorCode::kFormat, 2u, "stack underflow");
}

TEST(PersistentIds, ClearUnsupportedError) {
  EXPECT_PICKLE_ERROR(std::string_view("P0\n."), ErrorCode::kUnsupported, 0u, "persistent IDs");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).str("id").op(Op::kBinPersId).stop(), ErrorCode::kUnsupported, 6u,
                      "BINPERSID: persistent IDs refer to objects stored outside the pickle");
}

// ---------------------------------------------------------------------------------------------
// Folding of data-only builtins

TEST(Folding, CopyregReconstructor) {
  for (const char* mod : {"copyreg", "copy_reg"}) {
    auto f = Read(PickleBuilder().proto(2).global(mod, "_reconstructor").global("mymod", "Thing")
                      .global("builtins", "object").none().tuple3().reduce().empty_dict().str("a").binint1(1)
                      .op(Op::kSetItem).build().stop());
    const Value* o = f.graph.root;
    ASSERT_EQ(o->kind, Kind::kObject) << mod;
    EXPECT_EQ(o->GlobalPath(), "mymod.Thing");
    EXPECT_TRUE(o->object->args->items.empty());
    EXPECT_EQ(o->State()->Get("a")->integer, 1);
  }
}

TEST(Folding, CopyregNewObj) {
  auto f = Read(PickleBuilder().proto(2).global("copyreg", "__newobj__").global("m", "K").binint1(9).tuple2().reduce().stop());
  const Value* o = f.graph.root;
  EXPECT_EQ(o->object->form, ObjectForm::kNewObj);
  EXPECT_EQ(o->GlobalPath(), "m.K");
  ASSERT_EQ(o->object->args->items.size(), 1u);
  EXPECT_EQ(o->object->args->items[0]->integer, 9);
}

TEST(Folding, SetAndFrozenSet) {
  auto s = Read(PickleBuilder().proto(2).global("builtins", "set").empty_list().binint1(1).op(Op::kAppend).tuple1().reduce().stop());
  ASSERT_EQ(s.graph.root->kind, Kind::kSet);
  EXPECT_EQ(s.graph.root->items[0]->integer, 1);
  auto fs = Read(PickleBuilder().proto(2).global("__builtin__", "frozenset").empty_tuple().reduce().stop());
  EXPECT_EQ(fs.graph.root->kind, Kind::kFrozenSet);
  EXPECT_TRUE(fs.graph.root->items.empty());
}

TEST(Folding, CodecsEncodeLatin1) {
  // Protocol 2 writes bytes as _codecs.encode('\xe9a', 'latin1').
  auto f = Read(PickleBuilder().proto(2).global("_codecs", "encode").binunicode("\xc3\xa9" "a").binunicode("latin1")
                    .tuple2().reduce().stop());
  ASSERT_EQ(f.graph.root->kind, Kind::kBytes);
  EXPECT_EQ(f.graph.root->text, "\xe9" "a");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).global("_codecs", "encode").binunicode("\xe2\x82\xac").binunicode("latin1")
                          .tuple2().reduce().stop(),
                      ErrorCode::kFormat, 38u, "not latin-1");
}

TEST(Folding, BytesAndByteArray) {
  auto b = Read(PickleBuilder().proto(2).global("builtins", "bytes").empty_tuple().reduce().stop());
  EXPECT_EQ(b.graph.root->kind, Kind::kBytes);
  EXPECT_TRUE(b.graph.root->text.empty());
  auto ba = Read(PickleBuilder().proto(3).global("builtins", "bytearray").bytes("ab").tuple1().reduce().stop());
  ASSERT_EQ(ba.graph.root->kind, Kind::kByteArray);
  EXPECT_EQ(ba.graph.root->text, "ab");
  auto ba2 = Read(PickleBuilder().proto(2).global("__builtin__", "bytearray").binunicode("\xc3\xbf").binunicode("latin-1")
                      .tuple2().reduce().stop());
  ASSERT_EQ(ba2.graph.root->kind, Kind::kByteArray);
  EXPECT_EQ(ba2.graph.root->text, "\xff");
  auto empty = Read(PickleBuilder().proto(2).global("builtins", "bytearray").empty_tuple().reduce().stop());
  EXPECT_EQ(empty.graph.root->kind, Kind::kByteArray);
}

TEST(Folding, Complex) {
  auto f = Read(PickleBuilder().proto(2).global("builtins", "complex").binfloat(1.5).binint(-2).tuple2().reduce().stop());
  ASSERT_EQ(f.graph.root->kind, Kind::kComplex);
  EXPECT_EQ(f.graph.root->real, 1.5);
  EXPECT_EQ(f.graph.root->imag, -2.0);
  EXPECT_EQ(f.graph.root->Repr(), "(1.5-2.0j)");
  // Non-numeric arguments stay a recorded call.
  auto g = Read(PickleBuilder().proto(2).global("builtins", "complex").str("1+2j").tuple1().reduce().stop());
  EXPECT_EQ(g.graph.root->kind, Kind::kObject);
}

TEST(Folding, OrderedDict) {
  auto f = Read(PickleBuilder().proto(2).global("collections", "OrderedDict").empty_tuple().reduce().mark().str("z")
                    .binint1(1).str("a").binint1(2).op(Op::kSetItems).stop());
  const Value* d = f.graph.root;
  ASSERT_EQ(d->kind, Kind::kDict);
  EXPECT_EQ(d->name, "OrderedDict");
  ASSERT_EQ(d->entries.size(), 2u);
  EXPECT_EQ(d->entries[0].first->text, "z");
  // Python 2 form: OrderedDict([[k, v], ...])
  auto g = Read(PickleBuilder().proto(2).global("collections", "OrderedDict").mark().mark().str("k").binint1(7)
                    .op(Op::kList).op(Op::kList).tuple1().reduce().stop());
  EXPECT_EQ(g.graph.root->Get("k")->integer, 7);
}

}  // namespace
}  // namespace skbridge
