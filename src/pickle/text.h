// Decoders for the text encodings pickle uses: protocol-0 quoted strings, raw-unicode-escape, latin-1.
#pragma once

#include <string>
#include <string_view>

namespace skbridge::pickle {

bool IsAscii(std::string_view s);
/// UTF-8 text whose code points are all < 256 -> latin-1 bytes (Python's bytes.encode('latin1')).
bool Utf8ToLatin1(std::string_view utf8, std::string* out);
/// Appends code point `cp` to `out` as UTF-8 (surrogates pass through, as Python's surrogatepass).
void AppendUtf8(char32_t cp, std::string* out);
/// Protocol 0 STRING operand: a quoted Python 2 literal such as 'ab\x00c' -> its raw bytes.
bool UnescapeStringLiteral(std::string_view quoted, std::string* out);
/// Protocol 0 UNICODE operand (raw-unicode-escape) -> UTF-8.
bool RawUnicodeEscapeToUtf8(std::string_view in, std::string* out);
/// Python's repr of a float ("1.5", "nan", "inf", "-1e+300") -> double.
bool ParsePythonFloat(std::string_view s, double* out);

}  // namespace skbridge::pickle
