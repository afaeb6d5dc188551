// The text decoders behind STRING, UNICODE, FLOAT and _codecs.encode, against Python's behaviour.
#include "pickle/text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace skbridge::pickle {
namespace {

TEST(Text, IsAscii) {
  EXPECT_TRUE(IsAscii(""));
  EXPECT_TRUE(IsAscii(std::string_view("a\0\x7f", 3)));
  EXPECT_FALSE(IsAscii("\x80"));
}

TEST(Text, Utf8ToLatin1) {
  std::string out;
  EXPECT_TRUE(Utf8ToLatin1("a\xc3\xa9\xc3\xbf\xc2\x80", &out));
  EXPECT_EQ(out, "a\xe9\xff\x80");
  EXPECT_FALSE(Utf8ToLatin1("\xe2\x82\xac", &out));  // U+20AC is not latin-1
  EXPECT_FALSE(Utf8ToLatin1("\xc4\x80", &out));      // U+0100
  EXPECT_FALSE(Utf8ToLatin1("\xc3", &out));          // truncated sequence
}

TEST(Text, UnescapeStringLiteral) {
  std::string out;
  // repr() of Python 2 str as protocol 0 writes it.
  ASSERT_TRUE(UnescapeStringLiteral(R"('\x00\xff\n\r\t\\\'"')", &out));
  EXPECT_EQ(out, std::string("\0\xff\n\r\t\\'\"", 8));
  ASSERT_TRUE(UnescapeStringLiteral(R"("\0\07\101x\q")", &out));  // octal, and unknown escapes kept
  EXPECT_EQ(out, std::string("\0\x07" "Ax\\q", 6));
  EXPECT_TRUE(UnescapeStringLiteral("''", &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(UnescapeStringLiteral("'", &out));
  EXPECT_FALSE(UnescapeStringLiteral("'abc\"", &out));
  EXPECT_FALSE(UnescapeStringLiteral(R"('abc\')", &out));
  EXPECT_FALSE(UnescapeStringLiteral(R"('\xg0')", &out));
}

TEST(Text, RawUnicodeEscape) {
  std::string out;
  ASSERT_TRUE(RawUnicodeEscapeToUtf8("\\u00e9\\U0001F600\xe9\\x", &out));
  EXPECT_EQ(out, "\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9\\x");
  EXPECT_FALSE(RawUnicodeEscapeToUtf8("\\u12", &out));
  EXPECT_FALSE(RawUnicodeEscapeToUtf8("\\U00110000", &out));
  EXPECT_FALSE(RawUnicodeEscapeToUtf8("\\uzzzz", &out));
  // Lone surrogates pass through (Python's raw-unicode-escape allows them).
  ASSERT_TRUE(RawUnicodeEscapeToUtf8("\\ud800", &out));
  EXPECT_EQ(out, "\xed\xa0\x80");
}

TEST(Text, ParsePythonFloat) {
  double d = 0;
  EXPECT_TRUE(ParsePythonFloat("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParsePythonFloat("-1e-300", &d));
  EXPECT_EQ(d, -1e-300);
  EXPECT_TRUE(ParsePythonFloat("nan", &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(ParsePythonFloat("-inf", &d));
  EXPECT_EQ(d, -INFINITY);
  EXPECT_TRUE(ParsePythonFloat("0.1", &d));
  EXPECT_EQ(d, 0.1);
  EXPECT_FALSE(ParsePythonFloat("", &d));
  EXPECT_FALSE(ParsePythonFloat("1.5x", &d));
  EXPECT_FALSE(ParsePythonFloat(std::string(500, '1'), &d));
}

}  // namespace
}  // namespace skbridge::pickle
