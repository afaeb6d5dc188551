// Real pickles of plain Python data, written by python3's own pickle with protocols 0 to 5
// (tests/data/plain, made by tests/data/make_plain_pickles.py). Every protocol spells the same
// object differently (INT vs BININT, _codecs.encode vs BINBYTES, set() vs EMPTY_SET ...); all must
// decode to the same values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "pickle/test_util.h"
#include "skbridge/reader.h"

namespace skbridge {
namespace {

class PlainPickles : public ::testing::TestWithParam<int> {};

const Value& At(const Value* dict, std::string_view key) {
  const Value* v = dict->Get(key);
  EXPECT_NE(v, nullptr) << key;
  static const Value kNone;
  return v ? *v : kNone;
}

TEST_P(PlainPickles, EveryValueMatches) {
  const int proto = GetParam();
  auto path = testing::SourceDir() / "tests/data/plain" / ("plain.p" + std::to_string(proto) + ".pkl");
  ModelFile f = ReadModelFile(path.string());
  EXPECT_EQ(f.protocol, proto < 2 ? 0 : proto);
  EXPECT_FALSE(f.HasUnsafeGlobals());
  const Value* d = f.graph.root;
  ASSERT_EQ(d->kind, Kind::kDict);
  EXPECT_EQ(d->entries.size(), 27u);
  EXPECT_EQ(d->entries[0].first->text, "int");  // insertion order

  EXPECT_EQ(At(d, "int").integer, 42);
  EXPECT_EQ(At(d, "neg").integer, -7);
  EXPECT_EQ(At(d, "int32").integer, std::numeric_limits<std::int32_t>::min());
  EXPECT_FALSE(At(d, "int64").is_big_int());
  EXPECT_EQ(At(d, "int64").integer, std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(At(d, "big").is_big_int());
  EXPECT_EQ(At(d, "big").IntDecimal(), "1267650600228229401496703205376");
  EXPECT_EQ(At(d, "bigneg").IntDecimal(), "-1000000000000000000000000000000");
  EXPECT_EQ(At(d, "float").real, 1.5);
  EXPECT_EQ(At(d, "tiny").real, 5e-324);
  EXPECT_TRUE(std::isnan(At(d, "nan").real));
  EXPECT_EQ(At(d, "ninf").real, -std::numeric_limits<double>::infinity());

  ASSERT_EQ(At(d, "str").kind, Kind::kStr);
  EXPECT_EQ(At(d, "str").text, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\n\\");
  ASSERT_EQ(At(d, "bytes").kind, Kind::kBytes);
  EXPECT_EQ(At(d, "bytes").text, std::string_view("\x00\xff\x80" "a", 4));
  ASSERT_EQ(At(d, "bytearray").kind, Kind::kByteArray);
  EXPECT_EQ(At(d, "bytearray").text, "ab\xff");

  EXPECT_TRUE(At(d, "none").is_none());
  ASSERT_EQ(At(d, "true").kind, Kind::kBool);
  EXPECT_TRUE(At(d, "true").boolean);
  EXPECT_FALSE(At(d, "false").boolean);

  const Value& list = At(d, "list");
  ASSERT_EQ(list.kind, Kind::kList);
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[2]->integer, 3);
  const Value& tuple = At(d, "tuple");
  ASSERT_EQ(tuple.kind, Kind::kTuple);
  EXPECT_EQ(tuple.items[1]->text, "a");
  const Value& set = At(d, "set");
  ASSERT_EQ(set.kind, Kind::kSet);
  ASSERT_EQ(set.items.size(), 1u);
  EXPECT_EQ(set.items[0]->integer, 3);
  const Value& frozen = At(d, "frozenset");
  ASSERT_EQ(frozen.kind, Kind::kFrozenSet);
  EXPECT_EQ(frozen.items[0]->integer, 4);
  const Value& c = At(d, "complex");
  ASSERT_EQ(c.kind, Kind::kComplex);
  EXPECT_EQ(c.real, 1.5);
  EXPECT_EQ(c.imag, -2.0);

  const Value& ordered = At(d, "ordered");
  ASSERT_EQ(ordered.kind, Kind::kDict);
  EXPECT_EQ(ordered.name, "OrderedDict");
  ASSERT_EQ(ordered.entries.size(), 2u);
  EXPECT_EQ(ordered.entries[0].first->text, "z");
  EXPECT_EQ(ordered.entries[1].second->integer, 2);

  const Value& shared = At(d, "shared");
  ASSERT_EQ(shared.items.size(), 2u);
  EXPECT_EQ(shared.items[0], shared.items[1]);  // one node, as in Python
  const Value& empty = At(d, "empty");
  ASSERT_EQ(empty.items.size(), 4u);
  EXPECT_EQ(empty.items[0]->kind, Kind::kTuple);
  EXPECT_EQ(empty.items[1]->kind, Kind::kList);
  EXPECT_EQ(empty.items[2]->kind, Kind::kDict);
  EXPECT_EQ(empty.items[3]->kind, Kind::kStr);
  const Value& cycle = At(d, "cycle");
  ASSERT_EQ(cycle.items.size(), 1u);
  EXPECT_EQ(cycle.items[0], &cycle);

  const Value& long_list = At(d, "long_list");
  ASSERT_EQ(long_list.items.size(), 1500u);
  for (std::size_t i = 0; i < 1500; ++i) ASSERT_EQ(long_list.items[i]->integer, static_cast<std::int64_t>(i));
  EXPECT_EQ(At(d, "long_str").text, std::string(300, 'q'));
}

INSTANTIATE_TEST_SUITE_P(Protocols, PlainPickles, ::testing::Range(0, 6));

}  // namespace
}  // namespace skbridge
