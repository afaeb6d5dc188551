// Compressor detection and in-memory decompression for every compressor joblib writes, plus the
// legacy 'ZF' layout. One driver loop runs a small per-format decoder so that the limit, truncation
// and no-progress checks are the same for all formats.
#include <bzlib.h>
#include <fmt/format.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "io/io.h"

namespace skbridge::io {
namespace {

bool StartsWith(std::span<const std::byte> bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

std::uint32_t LoadLe32(const std::byte* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t LoadLe64(const std::byte* p) {
  return static_cast<std::uint64_t>(LoadLe32(p)) | static_cast<std::uint64_t>(LoadLe32(p + 4)) << 32;
}

enum class StepStatus { kOk, kEnd, kError, kLimit };

struct StepResult {
  StepStatus status = StepStatus::kOk;
  std::size_t consumed = 0;
  std::size_t produced = 0;
  std::string message;  // for kError / kLimit
};

// One compressed format. Step() decodes as much of `in` into `out` as it can.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual StepResult Step(std::span<const std::byte> in, std::span<std::byte> out) = 0;
  // Prepares for another stream of the same kind after kEnd (concatenated members).
  virtual void Restart() = 0;
  // Whether `rest` starts another stream that Restart() will decode.
  virtual bool StartsNextStream(std::span<const std::byte> rest) const { return false; }
  // gzip readers skip zero bytes between and after members.
  virtual bool SkipsZeroPadding() const { return false; }
};

// zlib's counters are 32-bit; feed it at most this much per call.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

class ZlibDecoder : public Decoder {
 public:
  explicit ZlibDecoder(bool gzip) : gzip_(gzip) {
    std::memset(&strm_, 0, sizeof(strm_));
    // 15 = the largest window; +16 accepts only the gzip wrapper.
    if (inflateInit2(&strm_, gzip ? 15 + 16 : 15) != Z_OK) throw Error::Limit("cannot allocate a zlib decoder");
  }
  ~ZlibDecoder() override { inflateEnd(&strm_); }

  StepResult Step(std::span<const std::byte> in, std::span<std::byte> out) override {
    const std::size_t in_len = std::min(in.size(), kMaxChunk);
    const std::size_t out_len = std::min(out.size(), kMaxChunk);
    strm_.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    strm_.avail_in = static_cast<uInt>(in_len);
    strm_.next_out = reinterpret_cast<Bytef*>(out.data());
    strm_.avail_out = static_cast<uInt>(out_len);
    const int rc = inflate(&strm_, Z_NO_FLUSH);
    StepResult r;
    r.consumed = in_len - strm_.avail_in;
    r.produced = out_len - strm_.avail_out;
    switch (rc) {
      case Z_STREAM_END: r.status = StepStatus::kEnd; break;
      case Z_OK:
      case Z_BUF_ERROR: r.status = StepStatus::kOk; break;  // the driver judges the lack of progress
      case Z_NEED_DICT:
        r.status = StepStatus::kError;
        r.message = "the stream needs a preset dictionary";
        break;
      case Z_MEM_ERROR:
        r.status = StepStatus::kLimit;
        r.message = "out of memory";
        break;
      default:
        r.status = StepStatus::kError;
        r.message = strm_.msg != nullptr ? strm_.msg : fmt::format("zlib error {}", rc);
        break;
    }
    return r;
  }
  void Restart() override { inflateReset(&strm_); }
  bool StartsNextStream(std::span<const std::byte> rest) const override {
    return gzip_ && StartsWith(rest, "\x1f\x8b");
  }
  bool SkipsZeroPadding() const override { return gzip_; }

 private:
  bool gzip_;
  z_stream strm_;
};

class Bz2Decoder : public Decoder {
 public:
  Bz2Decoder() { Init(); }
  ~Bz2Decoder() override { BZ2_bzDecompressEnd(&strm_); }

  StepResult Step(std::span<const std::byte> in, std::span<std::byte> out) override {
    const std::size_t in_len = std::min(in.size(), kMaxChunk);
    const std::size_t out_len = std::min(out.size(), kMaxChunk);
    strm_.next_in = reinterpret_cast<char*>(const_cast<std::byte*>(in.data()));
    strm_.avail_in = static_cast<unsigned>(in_len);
    strm_.next_out = reinterpret_cast<char*>(out.data());
    strm_.avail_out = static_cast<unsigned>(out_len);
    const int rc = BZ2_bzDecompress(&strm_);
    StepResult r;
    r.consumed = in_len - strm_.avail_in;
    r.produced = out_len - strm_.avail_out;
    switch (rc) {
      case BZ_OK: r.status = StepStatus::kOk; break;
      case BZ_STREAM_END: r.status = StepStatus::kEnd; break;
      case BZ_MEM_ERROR:
        r.status = StepStatus::kLimit;
        r.message = "out of memory";
        break;
      case BZ_DATA_ERROR_MAGIC:
        r.status = StepStatus::kError;
        r.message = "bad magic, not a bzip2 stream";
        break;
      case BZ_DATA_ERROR:
        r.status = StepStatus::kError;
        r.message = "data integrity error";
        break;
      default:
        r.status = StepStatus::kError;
        r.message = fmt::format("bzip2 error {}", rc);
        break;
    }
    return r;
  }
  void Restart() override {
    BZ2_bzDecompressEnd(&strm_);
    Init();
  }
  bool StartsNextStream(std::span<const std::byte> rest) const override { return StartsWith(rest, "BZh"); }

 private:
  void Init() {
    std::memset(&strm_, 0, sizeof(strm_));
    if (BZ2_bzDecompressInit(&strm_, 0, 0) != BZ_OK) throw Error::Limit("cannot allocate a bzip2 decoder");
  }
  bz_stream strm_;
};

// FORMAT_ALONE (.lzma, joblib's 'lzma') or .xz.
class LzmaDecoder : public Decoder {
 public:
  LzmaDecoder(bool xz, std::uint64_t memlimit) : xz_(xz), memlimit_(memlimit) { Init(); }
  ~LzmaDecoder() override { lzma_end(&strm_); }

  StepResult Step(std::span<const std::byte> in, std::span<std::byte> out) override {
    strm_.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    strm_.avail_in = in.size();
    strm_.next_out = reinterpret_cast<std::uint8_t*>(out.data());
    strm_.avail_out = out.size();
    // xz: the whole remaining input is always passed, so LZMA_FINISH is allowed and is what makes
    // the concatenated-stream decoder report the end.
    const lzma_ret rc = lzma_code(&strm_, xz_ ? LZMA_FINISH : LZMA_RUN);
    StepResult r;
    r.consumed = in.size() - strm_.avail_in;
    r.produced = out.size() - strm_.avail_out;
    switch (rc) {
      case LZMA_OK:
      case LZMA_BUF_ERROR:
      case LZMA_NO_CHECK:
      case LZMA_UNSUPPORTED_CHECK:
      case LZMA_GET_CHECK: r.status = StepStatus::kOk; break;
      case LZMA_STREAM_END: r.status = StepStatus::kEnd; break;
      case LZMA_MEM_ERROR:
        r.status = StepStatus::kLimit;
        r.message = "out of memory";
        break;
      case LZMA_MEMLIMIT_ERROR:
        r.status = StepStatus::kLimit;
        r.message = fmt::format("the stream needs {} bytes of decoder memory, more than the limit of {}",
                                lzma_memusage(&strm_), memlimit_);
        break;
      case LZMA_FORMAT_ERROR:
        r.status = StepStatus::kError;
        r.message = xz_ ? "not an xz stream (bad header)" : "not an lzma stream (bad header)";
        break;
      case LZMA_OPTIONS_ERROR:
        r.status = StepStatus::kError;
        r.message = "unsupported compression options in the header";
        break;
      case LZMA_DATA_ERROR:
        r.status = StepStatus::kError;
        r.message = "compressed data is corrupt";
        break;
      default:
        r.status = StepStatus::kError;
        r.message = fmt::format("liblzma error {}", static_cast<int>(rc));
        break;
    }
    return r;
  }
  void Restart() override { Init(); }  // xz concatenation is handled inside liblzma

 private:
  void Init() {
    lzma_end(&strm_);
    strm_ = LZMA_STREAM_INIT;
    const lzma_ret rc =
        xz_ ? lzma_stream_decoder(&strm_, memlimit_, LZMA_CONCATENATED) : lzma_alone_decoder(&strm_, memlimit_);
    if (rc != LZMA_OK) throw Error::Limit("cannot allocate an lzma decoder");
  }
  bool xz_;
  std::uint64_t memlimit_;
  lzma_stream strm_ = LZMA_STREAM_INIT;
};

bool IsLz4FrameStart(std::span<const std::byte> rest) {
  if (rest.size() < 4) return false;
  const std::uint32_t magic = LoadLe32(rest.data());
  return magic == 0x184D2204u || (magic & 0xFFFFFFF0u) == 0x184D2A50u;  // frame or skippable frame
}

class Lz4Decoder : public Decoder {
 public:
  Lz4Decoder() {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION))) {
      throw Error::Limit("cannot allocate an lz4 decoder");
    }
  }
  ~Lz4Decoder() override { LZ4F_freeDecompressionContext(ctx_); }

  StepResult Step(std::span<const std::byte> in, std::span<std::byte> out) override {
    std::size_t src = in.size();
    std::size_t dst = out.size();
    const std::size_t hint = LZ4F_decompress(ctx_, out.data(), &dst, in.data(), &src, nullptr);
    StepResult r;
    if (LZ4F_isError(hint)) {
      r.status = StepStatus::kError;
      r.message = LZ4F_getErrorName(hint);
      return r;
    }
    r.consumed = src;
    r.produced = dst;
    r.status = hint == 0 ? StepStatus::kEnd : StepStatus::kOk;
    return r;
  }
  void Restart() override { LZ4F_resetDecompressionContext(ctx_); }
  bool StartsNextStream(std::span<const std::byte> rest) const override { return IsLz4FrameStart(rest); }

 private:
  LZ4F_dctx* ctx_ = nullptr;
};

std::unique_ptr<Decoder> MakeDecoder(Compressor c, std::uint64_t max_output) {
  switch (c) {
    case Compressor::kZlib: return std::make_unique<ZlibDecoder>(false);
    case Compressor::kGzip: return std::make_unique<ZlibDecoder>(true);
    case Compressor::kBz2: return std::make_unique<Bz2Decoder>();
    case Compressor::kLzma:
    case Compressor::kXz: {
      // The header's dictionary size decides the decoder's allocation; a dictionary larger than
      // the whole allowed output is never needed, so a bomb cannot claim more than that.
      const std::uint64_t memlimit = std::max<std::uint64_t>(std::uint64_t{256} << 20, max_output + (64u << 20));
      return std::make_unique<LzmaDecoder>(c == Compressor::kXz, memlimit);
    }
    case Compressor::kLz4: return std::make_unique<Lz4Decoder>();
    case Compressor::kNone: break;
  }
  return nullptr;
}

// The decompressed size the stream's own header or trailer announces, or 0 when it says nothing.
std::uint64_t AnnouncedSize(Compressor c, std::span<const std::byte> in) {
  switch (c) {
    case Compressor::kGzip:  // ISIZE of the last member, modulo 2^32
      return in.size() >= 18 ? LoadLe32(in.data() + in.size() - 4) : 0;
    case Compressor::kLzma:  // FORMAT_ALONE: props(1) dict(4) size(8), all-ones when unknown
      if (in.size() >= 13) {
        const std::uint64_t n = LoadLe64(in.data() + 5);
        return n == ~std::uint64_t{0} ? 0 : n;
      }
      return 0;
    case Compressor::kLz4:  // frame descriptor FLG bit 3: 8-byte content size follows BD
      if (in.size() >= 14 && LoadLe32(in.data()) == 0x184D2204u &&
          (static_cast<unsigned>(in[4]) & 0x08u) != 0) {
        return LoadLe64(in.data() + 6);
      }
      return 0;
    default: return 0;
  }
}

std::uint64_t SaturatingMul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<std::uint64_t>::max() : r;
}

std::uint64_t SaturatingAdd(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<std::uint64_t>::max() : r;
}

constexpr std::size_t kMinBuffer = 64 * 1024;

// Size of the first output buffer. An announced size is believed only up to a plausible ratio, so
// a lying header cannot make us commit memory the stream never fills; beyond that we grow.
std::size_t InitialSize(std::size_t in_size, std::uint64_t max_output, std::uint64_t announced) {
  const std::uint64_t plausible = SaturatingAdd(SaturatingMul(in_size, 64), 1u << 20);
  std::uint64_t want = announced != 0 ? std::min(announced, plausible)
                                      : std::max<std::uint64_t>(kMinBuffer, SaturatingMul(in_size, 4));
  want = std::min(want, max_output);
  want = std::min<std::uint64_t>(want, std::numeric_limits<std::size_t>::max() / 2);
  return static_cast<std::size_t>(want);
}

struct RunOptions {
  std::uint64_t announced = 0;    // see AnnouncedSize
  std::uint64_t base_offset = 0;  // offset of `in` within the file, for messages
  // The ZF layout states its exact size: going past it is a format error, not a bomb.
  std::string exceed_message;
};

ByteBuffer Run(Compressor c, std::span<const std::byte> in, std::uint64_t max_output,
                           const RunOptions& options) {
  const char* name = CompressorLabel(c);
  const std::uint64_t base = options.base_offset;
  // Decoders get a real pointer even for empty input (some reject a null source).
  static const std::byte kNothing[1] = {};
  if (in.data() == nullptr) in = std::span<const std::byte>(kNothing, 0);
  std::unique_ptr<Decoder> decoder = MakeDecoder(c, max_output);

  ByteBuffer out(InitialSize(in.size(), max_output, options.announced));
  std::size_t size = 0;  // bytes of `out` filled
  std::size_t pos = 0;   // bytes of `in` consumed
  std::size_t stream_start = 0;  // where the current member / stream began
  std::array<std::byte, 1> probe{};

  auto exceeded = [&]() {
    if (!options.exceed_message.empty()) return Error::Format(options.exceed_message).AtOffset(base + pos);
    return Error::Limit(fmt::format("{} stream decompresses to more than {} bytes, the limit for {} compressed "
                                    "bytes (a decompression bomb?)",
                                    name, max_output, in.size()))
        .AtOffset(base + pos);
  };

  for (;;) {
    StepResult r;
    if (size < out.size()) {
      r = decoder->Step(in.subspan(pos), out.span().subspan(size));
      size += r.produced;
    } else {
      // The buffer is full. Ask for a single byte first: the buffer only grows (and the limit only
      // trips) when the stream really has more output, so an exact announced size never doubles.
      r = decoder->Step(in.subspan(pos), probe);
      if (r.produced > 0) {
        if (size >= max_output) throw exceeded();
        const std::uint64_t grown =
            std::min<std::uint64_t>(std::max<std::uint64_t>(SaturatingMul(size, 2), kMinBuffer), max_output);
        out.Resize(static_cast<std::size_t>(grown));
        out[size++] = probe[0];
      }
    }
    pos += r.consumed;

    if (r.status == StepStatus::kError) {
      throw Error::Format(fmt::format("corrupt {} stream: {}", name, r.message)).AtOffset(base + pos);
    }
    if (r.status == StepStatus::kLimit) {
      throw Error::Limit(fmt::format("cannot decompress {} stream: {}", name, r.message)).AtOffset(base + pos);
    }
    if (r.status == StepStatus::kEnd) {
      // A stream that ends without consuming anything would let the restart below spin.
      if (pos == stream_start) {
        throw Error::Format(fmt::format("corrupt {} stream: empty member", name)).AtOffset(base + pos);
      }
      std::size_t next = pos;
      if (decoder->SkipsZeroPadding()) {
        while (next < in.size() && in[next] == std::byte{0}) ++next;
      }
      if (next == in.size()) break;
      if (decoder->StartsNextStream(in.subspan(next))) {
        pos = next;
        stream_start = pos;
        decoder->Restart();
        continue;
      }
      throw Error::Format(fmt::format("{} bytes of trailing data after the end of the {} stream", in.size() - pos,
                                      name))
          .AtOffset(base + pos);
    }
    if (r.consumed == 0 && r.produced == 0) {
      if (pos == in.size()) {
        throw Error::Format(fmt::format("truncated {} stream: ended after {} compressed bytes, expected more", name,
                                        base + in.size()))
            .AtOffset(base + in.size());
      }
      // Input left and room to write, yet nothing moved: never loop on it.
      throw Error::Format(fmt::format("corrupt {} stream: the decoder makes no progress", name)).AtOffset(base + pos);
    }
  }

  out.Resize(size);  // gives the unused tail back to the system, without copying
  return out;
}

std::shared_ptr<const ByteBuffer> Share(ByteBuffer v) {
  return std::make_shared<const ByteBuffer>(std::move(v));
}

}  // namespace

const char* CompressorLabel(Compressor c) {
  switch (c) {
    case Compressor::kNone: return "none";
    case Compressor::kZlib: return "zlib";
    case Compressor::kGzip: return "gzip";
    case Compressor::kBz2: return "bz2";
    case Compressor::kLzma: return "lzma";
    case Compressor::kXz: return "xz";
    case Compressor::kLz4: return "lz4";
  }
  return "?";
}

Compressor DetectCompressor(std::span<const std::byte> bytes) {
  // joblib's prefixes (joblib/compressor.py). None of them can begin a pickle: 0x78, 0x1f, 0x5d 0x00
  // (']' then a byte that is no opcode), 0xfd and 0x04 are not opcodes, and 'B' (BINBYTES) never
  // starts a stream since protocol 3 pickles begin with PROTO.
  if (StartsWith(bytes, "\x78")) return Compressor::kZlib;
  if (StartsWith(bytes, "\x1f\x8b")) return Compressor::kGzip;
  if (StartsWith(bytes, "BZ")) return Compressor::kBz2;
  if (StartsWith(bytes, "\xfd" "7zXZ")) return Compressor::kXz;
  if (StartsWith(bytes, std::string_view("\x5d\x00", 2))) return Compressor::kLzma;
  if (StartsWith(bytes, "\x04\x22\x4d\x18")) return Compressor::kLz4;
  return Compressor::kNone;
}

std::shared_ptr<const ByteBuffer> Decompress(Compressor c, std::span<const std::byte> in,
                                                         std::uint64_t max_output) {
  if (c == Compressor::kNone) {
    if (in.size() > max_output) {
      throw Error::Limit(fmt::format("stream of {} bytes exceeds the limit of {} bytes", in.size(), max_output));
    }
    return Share(ByteBuffer(in));
  }
  RunOptions options;
  options.announced = AnnouncedSize(c, in);
  return Share(Run(c, in, max_output, options));
}

// ---- legacy joblib 'ZF' files (joblib/numpy_pickle_compat.py: read_zfile / write_zfile) ----

namespace {
constexpr std::size_t kZfPrefixLen = 2;
constexpr std::size_t kZfMaxLen = 19;  // len(hex(2**64)) == len('0x10000000000000000')

bool IsSpace(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; }

// Python's int(field, 16) for the values joblib writes: blanks, optional 0x, hex digits, and the
// 'L' suffix Python 2 put on longs.
bool ParseZfLength(std::string_view field, std::uint64_t* out) {
  std::size_t i = 0;
  while (i < field.size() && IsSpace(field[i])) ++i;
  if (i + 1 < field.size() && field[i] == '0' && (field[i + 1] == 'x' || field[i + 1] == 'X')) i += 2;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; i < field.size(); ++i, ++digits) {
    const char ch = field[i];
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else break;
    if (value >> 60 != 0) return false;  // would overflow 64 bits
    value = value << 4 | static_cast<std::uint64_t>(d);
  }
  if (digits == 0) return false;
  if (i < field.size() && (field[i] == 'L' || field[i] == 'l')) ++i;
  while (i < field.size() && IsSpace(field[i])) ++i;
  if (i != field.size()) return false;
  *out = value;
  return true;
}
}  // namespace

bool IsZFile(std::span<const std::byte> bytes) { return StartsWith(bytes, "ZF"); }

std::shared_ptr<const ByteBuffer> DecompressZFile(std::span<const std::byte> bytes,
                                                              std::uint64_t max_output) {
  if (!IsZFile(bytes)) throw Error::Format("not a joblib ZF file: it does not start with 'ZF'").AtOffset(0);
  constexpr std::size_t kHeader = kZfPrefixLen + kZfMaxLen;
  if (bytes.size() < kHeader) {
    throw Error::Format(fmt::format("truncated ZF header: {} bytes, expected {}", bytes.size(), kHeader))
        .AtOffset(bytes.size());
  }
  const std::string_view field(reinterpret_cast<const char*>(bytes.data()) + kZfPrefixLen, kZfMaxLen);
  std::uint64_t length = 0;
  if (!ParseZfLength(field, &length)) {
    std::string shown;
    for (char ch : field) shown += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    throw Error::Format(fmt::format("bad ZF header: length field '{}' is not a hexadecimal number", shown))
        .AtOffset(kZfPrefixLen);
  }
  // Python 2 joblib <= 0.8.4 wrote the field one character wider; zlib data never starts with ' '.
  std::size_t start = kHeader;
  if (bytes.size() > start && bytes[start] == std::byte{' '}) ++start;
  if (length > max_output) {
    throw Error::Limit(fmt::format("ZF header declares {} decompressed bytes, more than the limit of {}", length,
                                   max_output))
        .AtOffset(kZfPrefixLen);
  }
  RunOptions options;
  options.announced = length;
  options.base_offset = start;
  options.exceed_message = fmt::format("ZF data decompresses to more than the {} bytes its header declares", length);
  ByteBuffer out = Run(Compressor::kZlib, bytes.subspan(start), length, options);
  if (out.size() != length) {
    throw Error::Format(fmt::format("ZF header declares {} decompressed bytes but the zlib stream holds {}", length,
                                    out.size()))
        .AtOffset(kZfPrefixLen);
  }
  return Share(std::move(out));
}

}  // namespace skbridge::io
