// Arbitrary-size integers as pickle stores them: little-endian two's complement (LONG1/LONG4) or
// decimal text (INT/LONG). Only conversions are needed; no arithmetic on big values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skbridge::pickle {

/// True when the two's-complement bytes fit an int64 (empty = 0); stores the value (or its low 64 bits).
bool FitsInt64(std::span<const std::byte> le, std::int64_t* out);
/// "-123456789012345678901234567890" -> little-endian two's complement, minimal length.
bool DecimalToTwosComplement(std::string_view decimal, std::vector<std::byte>* out);
/// Inverse of the above.
std::string TwosComplementToDecimal(std::span<const std::byte> le);

}  // namespace skbridge::pickle
