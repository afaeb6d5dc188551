#include "pickle/bigint.h"

#include <algorithm>

namespace skbridge::pickle {

bool FitsInt64(std::span<const std::byte> le, std::int64_t* out) {
  std::uint64_t v = 0;
  std::size_t n = std::min<std::size_t>(le.size(), 8);
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t(std::to_integer<std::uint8_t>(le[i])) << (8 * i);
  bool negative = !le.empty() && (std::to_integer<std::uint8_t>(le.back()) & 0x80);
  if (n < 8 && negative) v |= ~std::uint64_t(0) << (8 * n);  // sign-extend
  *out = static_cast<std::int64_t>(v);
  if (le.size() <= 8) return true;
  // Longer encodings fit only when every extra byte is pure sign extension.
  std::uint8_t fill = (static_cast<std::uint64_t>(*out) >> 63) ? 0xFF : 0x00;
  for (std::size_t i = 8; i < le.size(); ++i) {
    if (std::to_integer<std::uint8_t>(le[i]) != fill) return false;
  }
  return true;
}

bool DecimalToTwosComplement(std::string_view s, std::vector<std::byte>* out) {
  // Python accepts surrounding whitespace, a sign and underscores are not used by pickle.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 100000) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  // Nine digits per pass over the limbs: the conversion is quadratic, so this keeps a 64 KB literal
  // (the longest line the reader accepts) in the tens of milliseconds.
  std::vector<std::uint32_t> mag;  // little-endian base 2^32
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = std::min<std::size_t>(9, s.size() - i);
    std::uint64_t chunk = 0, scale = 1;
    for (std::size_t k = 0; k < n; ++k, ++i) {
      chunk = chunk * 10 + static_cast<std::uint64_t>(s[i] - '0');
      scale *= 10;
    }
    std::uint64_t carry = chunk;
    for (auto& limb : mag) {
      std::uint64_t x = std::uint64_t(limb) * scale + carry;
      limb = static_cast<std::uint32_t>(x);
      carry = x >> 32;
    }
    if (carry) mag.push_back(static_cast<std::uint32_t>(carry));
  }
  std::vector<std::uint8_t> bytes;
  for (auto limb : mag) {
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<std::uint8_t>(limb >> (8 * k)));
  }
  while (!bytes.empty() && bytes.back() == 0) bytes.pop_back();
  bytes.push_back(0);  // room for the sign bit
  if (negative) {
    // two's complement: invert and add one
    unsigned carry = 1;
    for (auto& b : bytes) {
      unsigned x = static_cast<unsigned>(static_cast<std::uint8_t>(~b)) + carry;
      b = static_cast<std::uint8_t>(x);
      carry = x >> 8;
    }
  }
  // Trim redundant sign bytes.
  while (bytes.size() > 1) {
    std::uint8_t top = bytes.back(), next = bytes[bytes.size() - 2];
    if ((top == 0x00 && !(next & 0x80)) || (top == 0xFF && (next & 0x80))) bytes.pop_back();
    else break;
  }
  out->resize(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) (*out)[i] = std::byte{bytes[i]};
  return true;
}

std::string TwosComplementToDecimal(std::span<const std::byte> le) {
  if (le.empty()) return "0";
  std::vector<std::uint8_t> mag(le.size());
  for (std::size_t i = 0; i < le.size(); ++i) mag[i] = std::to_integer<std::uint8_t>(le[i]);
  bool negative = mag.back() & 0x80;
  if (negative) {
    unsigned carry = 1;
    for (auto& b : mag) {
      unsigned x = static_cast<unsigned>(static_cast<std::uint8_t>(~b)) + carry;
      b = static_cast<std::uint8_t>(x);
      carry = x >> 8;
    }
  }
  std::vector<std::uint32_t> limbs((mag.size() + 3) / 4, 0);  // little-endian base 2^32
  for (std::size_t i = 0; i < mag.size(); ++i) limbs[i / 4] |= std::uint32_t(mag[i]) << (8 * (i % 4));
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  // Divide by 10^9 repeatedly: nine digits per pass (the conversion is quadratic in the size).
  constexpr std::uint32_t kBase = 1000000000;
  std::vector<std::uint32_t> chunks;  // base 10^9, least significant first
  while (!limbs.empty()) {
    std::uint64_t rem = 0;
    for (std::size_t i = limbs.size(); i-- > 0;) {
      std::uint64_t x = (rem << 32) | limbs[i];
      limbs[i] = static_cast<std::uint32_t>(x / kBase);
      rem = x % kBase;
    }
    chunks.push_back(static_cast<std::uint32_t>(rem));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  if (chunks.empty()) return "0";
  std::string out = negative ? "-" : "";
  out += std::to_string(chunks.back());
  for (std::size_t i = chunks.size() - 1; i-- > 0;) {
    std::string part = std::to_string(chunks[i]);
    out.append(9 - part.size(), '0').append(part);
  }
  return out;
}

}  // namespace skbridge::pickle
