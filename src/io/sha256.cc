// SHA-256 through OpenSSL's EVP interface.
#include <openssl/evp.h>

#include <memory>

#include "io/io.h"

namespace skbridge::io {

std::string Sha256Hex(std::span<const std::byte> bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      (!bytes.empty() && EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1) ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    throw Error::Io("SHA-256 computation failed in OpenSSL");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace skbridge::io
