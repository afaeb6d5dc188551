// Tests of the byte layer: mapping, compressor detection and decompression (round trips made with
// the compression libraries themselves, truncation, corruption, limits), the legacy ZF layout,
// SHA-256 and .npy reading and writing. Real files from ../shared/corpus/wild are used when present.
#include <bzlib.h>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "io/io.h"

namespace skbridge::io {
namespace {

using Bytes = std::vector<std::byte>;

Bytes ToBytes(std::string_view s) {
  Bytes b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
  return b;
}

std::string ToString(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// Compressible but not trivial: text-like records with random numbers, like a pickle.
Bytes SampleData(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += "sklearn.tree._classes DecisionTreeClassifier node " + std::to_string(rng() % 100000) + " ";
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(rng() & 0xff));
  }
  s.resize(n);
  return ToBytes(s);
}

// ---- compressors, as joblib's writers would produce them ----

Bytes ZlibCompress(const Bytes& in, int window_bits = 15, int level = 6) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&z, in.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
Bytes GzipCompress(const Bytes& in) { return ZlibCompress(in, 15 + 16); }

Bytes Bz2Compress(const Bytes& in) {
  unsigned int len = static_cast<unsigned>(in.size() + in.size() / 100 + 600);
  Bytes out(len);
  char dummy = 0;  // libbz2 rejects a null source even when it is empty
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(out.data()), &len,
                                     in.empty() ? &dummy : const_cast<char*>(reinterpret_cast<const char*>(in.data())),
                                     static_cast<unsigned>(in.size()), 9, 0, 0),
            BZ_OK);
  out.resize(len);
  return out;
}

Bytes LzmaEncode(const Bytes& in, bool xz, lzma_check check) {
  lzma_stream s = LZMA_STREAM_INIT;
  lzma_options_lzma opt;
  lzma_lzma_preset(&opt, 3);
  EXPECT_EQ(xz ? lzma_easy_encoder(&s, 3, check) : lzma_alone_encoder(&s, &opt), LZMA_OK);
  Bytes out(in.size() + in.size() / 2 + 4096);
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  s.next_out = reinterpret_cast<uint8_t*>(out.data());
  s.avail_out = out.size();
  EXPECT_EQ(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
  out.resize(s.total_out);
  lzma_end(&s);
  return out;
}
Bytes LzmaAloneCompress(const Bytes& in) { return LzmaEncode(in, false, LZMA_CHECK_NONE); }
// joblib writes xz with check=CHECK_NONE.
Bytes XzCompress(const Bytes& in, lzma_check check = LZMA_CHECK_NONE) { return LzmaEncode(in, true, check); }

Bytes Lz4Compress(const Bytes& in, bool content_checksum = false) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentChecksumFlag = content_checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  Bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n));
  out.resize(n);
  return out;
}

struct Case {
  const char* name;
  Compressor compressor;
  std::function<Bytes(const Bytes&)> compress;
  bool detects_corruption;  // has a checksum over the data
};

std::vector<Case> AllCases() {
  return {
      {"zlib", Compressor::kZlib, [](const Bytes& b) { return ZlibCompress(b); }, true},
      {"gzip", Compressor::kGzip, GzipCompress, true},
      {"bz2", Compressor::kBz2, Bz2Compress, true},
      {"lzma", Compressor::kLzma, LzmaAloneCompress, false},
      {"xz", Compressor::kXz, [](const Bytes& b) { return XzCompress(b); }, false},
      {"xz_crc64", Compressor::kXz, [](const Bytes& b) { return XzCompress(b, LZMA_CHECK_CRC64); }, true},
      {"lz4", Compressor::kLz4, [](const Bytes& b) { return Lz4Compress(b); }, false},
      {"lz4_checksum", Compressor::kLz4, [](const Bytes& b) { return Lz4Compress(b, true); }, true},
  };
}

class CompressorTest : public ::testing::TestWithParam<Case> {};

TEST_P(CompressorTest, RoundTripAndDetect) {
  const Case& c = GetParam();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{300000}}) {
    const Bytes data = SampleData(n);
    const Bytes packed = c.compress(data);
    EXPECT_EQ(DetectCompressor(packed), c.compressor) << n;
    auto out = Decompress(c.compressor, packed, 1u << 30);
    EXPECT_EQ(*out, data) << n;
  }
}

TEST_P(CompressorTest, EveryTruncatedPrefixIsACleanFormatError) {
  const Case& c = GetParam();
  const Bytes packed = c.compress(SampleData(6000, 7));
  for (std::size_t len = 0; len < packed.size(); ++len) {
    try {
      Decompress(c.compressor, std::span(packed).first(len), 1u << 20);
      ADD_FAILURE() << "prefix of " << len << " bytes decoded";
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kFormat) << len << ": " << e.Describe();
      ASSERT_TRUE(e.offset().has_value());
      ASSERT_LE(*e.offset(), len);
    }
  }
  // The message of a clean cut names the format and the length.
  try {
    Decompress(c.compressor, std::span(packed).first(packed.size() - 1), 1u << 20);
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(CompressorLabel(c.compressor)), std::string::npos) << e.message();
  }
}

TEST_P(CompressorTest, CorruptBytesNeverCrash) {
  const Case& c = GetParam();
  const Bytes data = SampleData(20000, 3);
  const Bytes packed = c.compress(data);
  const std::size_t step = std::max<std::size_t>(1, packed.size() / 150);
  for (std::size_t i = 0; i < packed.size(); i += step) {
    Bytes bad = packed;
    bad[i] ^= std::byte{0x5a};
    const bool gzip_unchecked_header = c.compressor == Compressor::kGzip && i >= 4 && i < 10;  // MTIME, XFL, OS
    try {
      auto out = Decompress(c.compressor, bad, 1u << 20);
      if (c.detects_corruption && !gzip_unchecked_header) {
        ADD_FAILURE() << "corruption at " << i << " went unnoticed";
      }
    } catch (const Error& e) {
      ASSERT_TRUE(e.code() == ErrorCode::kFormat || e.code() == ErrorCode::kLimit) << e.Describe();
    }
  }
}

TEST_P(CompressorTest, GarbageInputIsAnError) {
  const Case& c = GetParam();
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    Bytes junk(1 + rng() % 2000);
    for (auto& b : junk) b = static_cast<std::byte>(rng());
    // Keep the first bytes of a real stream so the decoder gets past the magic sometimes.
    const Bytes head = c.compress(SampleData(100, round));
    std::memcpy(junk.data(), head.data(), std::min<std::size_t>({junk.size(), head.size(), std::size_t(round % 12)}));
    EXPECT_THROW(Decompress(c.compressor, junk, 1u << 20), Error);
  }
}

TEST_P(CompressorTest, LimitIsEnforcedExactly) {
  const Case& c = GetParam();
  const Bytes zeros(1 << 20);  // a small bomb: compresses very well
  const Bytes packed = c.compress(zeros);
  try {
    Decompress(c.compressor, packed, zeros.size() - 1);
    ADD_FAILURE() << "limit not enforced";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLimit) << e.Describe();
  }
  // Exactly the limit is fine.
  EXPECT_EQ(Decompress(c.compressor, packed, zeros.size())->size(), zeros.size());
  try {
    Decompress(c.compressor, packed, 0);
    ADD_FAILURE() << "limit 0 not enforced";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLimit) << e.Describe();
  }
}

TEST_P(CompressorTest, TrailingGarbageIsAnError) {
  const Case& c = GetParam();
  const Bytes data = SampleData(5000);
  Bytes packed = c.compress(data);
  const std::size_t end = packed.size();
  for (char ch : std::string("garbage!")) packed.push_back(static_cast<std::byte>(ch));
  try {
    Decompress(c.compressor, packed, 1u << 20);
    ADD_FAILURE() << "trailing garbage accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    if (c.compressor != Compressor::kXz) {  // liblzma reads ahead into the next stream's header
      EXPECT_EQ(e.offset(), end) << e.Describe();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, CompressorTest, ::testing::ValuesIn(AllCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Decompress, ConcatenatedStreams) {
  const Bytes a = SampleData(3000, 1), b = SampleData(4000, 2);
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  auto cat = [](Bytes x, const Bytes& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  EXPECT_EQ(*Decompress(Compressor::kGzip, cat(GzipCompress(a), GzipCompress(b)), 1u << 20), both);
  // gzip readers skip zero padding between and after members.
  Bytes padded = GzipCompress(a);
  padded.resize(padded.size() + 7);
  padded = cat(cat(padded, GzipCompress(b)), Bytes(5));
  EXPECT_EQ(*Decompress(Compressor::kGzip, padded, 1u << 20), both);
  EXPECT_EQ(*Decompress(Compressor::kBz2, cat(Bz2Compress(a), Bz2Compress(b)), 1u << 20), both);
  EXPECT_EQ(*Decompress(Compressor::kXz, cat(XzCompress(a), XzCompress(b)), 1u << 20), both);
  EXPECT_EQ(*Decompress(Compressor::kLz4, cat(Lz4Compress(a), Lz4Compress(b)), 1u << 20), both);
  // zlib has no member concept: a second stream is trailing data.
  EXPECT_THROW(Decompress(Compressor::kZlib, cat(ZlibCompress(a), ZlibCompress(b)), 1u << 20), Error);
}

TEST(Decompress, MessagesNameTheFailure) {
  const Bytes packed = GzipCompress(SampleData(50000));
  try {
    Decompress(Compressor::kGzip, std::span(packed).first(1000), 1u << 20);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "truncated gzip stream: ended after 1000 compressed bytes, expected more");
    EXPECT_EQ(e.offset(), 1000u);
  }
  Bytes bad = packed;
  for (std::size_t i = 500; i < 520; ++i) bad[i] = std::byte{0xff};
  try {
    Decompress(Compressor::kGzip, bad, 1u << 20);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("corrupt gzip stream: ", 0), 0u) << e.message();
    ASSERT_TRUE(e.offset());
    EXPECT_GE(*e.offset(), 400u);
    EXPECT_LE(*e.offset(), 600u);
  }
  // A lying ISIZE is caught by the gzip trailer check.
  Bytes lying = packed;
  lying[lying.size() - 1] = std::byte{0x7f};
  EXPECT_THROW(Decompress(Compressor::kGzip, lying, 1u << 30), Error);
}

TEST(Decompress, NoneCopiesWithinTheLimit) {
  const Bytes data = SampleData(100);
  EXPECT_EQ(*Decompress(Compressor::kNone, data, 100), data);
  EXPECT_THROW(Decompress(Compressor::kNone, data, 99), Error);
}

TEST(DetectCompressor, Prefixes) {
  EXPECT_EQ(DetectCompressor(ToBytes("\x80\x04\x95")), Compressor::kNone);  // pickle protocol 4
  EXPECT_EQ(DetectCompressor(ToBytes("(dp0\n")), Compressor::kNone);        // protocol 0
  EXPECT_EQ(DetectCompressor(ToBytes("}q\x00")), Compressor::kNone);
  EXPECT_EQ(DetectCompressor(ToBytes("ZF0x10   ")), Compressor::kNone);
  EXPECT_EQ(DetectCompressor({}), Compressor::kNone);
  EXPECT_EQ(DetectCompressor(ToBytes("x")), Compressor::kZlib);
  EXPECT_EQ(DetectCompressor(ToBytes("\x1f\x8b")), Compressor::kGzip);
  EXPECT_EQ(DetectCompressor(ToBytes("\x1f")), Compressor::kNone);
  EXPECT_EQ(DetectCompressor(ToBytes("BZh9")), Compressor::kBz2);
  EXPECT_EQ(DetectCompressor(ToBytes(std::string_view("\x5d\x00\x00\x80", 4))), Compressor::kLzma);
  EXPECT_EQ(DetectCompressor(ToBytes("]q\x00")), Compressor::kNone);  // EMPTY_LIST, not lzma
  EXPECT_EQ(DetectCompressor(ToBytes("\xfd" "7zXZ")), Compressor::kXz);
  EXPECT_EQ(DetectCompressor(ToBytes("\x04\x22\x4d\x18")), Compressor::kLz4);
}

// ---- legacy ZF ----

// joblib's write_zfile: b'ZF' + hex(len).ljust(19) + zlib.compress(data).
Bytes MakeZFile(const Bytes& data, bool python2_width = false, std::string length_field = "") {
  if (length_field.empty()) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%zx", data.size());
    length_field = hex;
  }
  length_field.resize(python2_width ? 20 : 19, ' ');
  Bytes out = ToBytes("ZF" + length_field);
  const Bytes z = ZlibCompress(data, 15, 1);
  out.insert(out.end(), z.begin(), z.end());
  return out;
}

TEST(ZFile, RoundTrip) {
  const Bytes data = SampleData(70000);
  const Bytes zf = MakeZFile(data);
  EXPECT_TRUE(IsZFile(zf));
  EXPECT_EQ(DetectCompressor(zf), Compressor::kNone);
  EXPECT_EQ(ToString(std::span(zf).first(21)), "ZF0x11170            ");
  EXPECT_EQ(*DecompressZFile(zf, 1u << 30), data);
  EXPECT_EQ(*DecompressZFile(MakeZFile(data, true), 1u << 30), data);  // joblib <= 0.8.4 on Python 2
  EXPECT_EQ(*DecompressZFile(MakeZFile(data, false, "0x11170L"), 1u << 30), data);
  EXPECT_EQ(*DecompressZFile(MakeZFile(data, false, "11170"), 1u << 30), data);
  EXPECT_EQ(DecompressZFile(MakeZFile({}), 10)->size(), 0u);
}

TEST(ZFile, Errors) {
  const Bytes data = SampleData(5000);
  auto code_of = [](const Bytes& b, std::uint64_t limit) {
    try {
      DecompressZFile(b, limit);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInvalidModel;  // "no error" marker
  };
  EXPECT_EQ(code_of(MakeZFile(data, false, "0x1388"), 1u << 20), ErrorCode::kInvalidModel);  // correct: 5000
  EXPECT_EQ(code_of(MakeZFile(data, false, "0x1387"), 1u << 20), ErrorCode::kFormat);  // says 1 byte less
  EXPECT_EQ(code_of(MakeZFile(data, false, "0x1389"), 1u << 20), ErrorCode::kFormat);  // says 1 byte more
  EXPECT_EQ(code_of(MakeZFile(data, false, "0xzz"), 1u << 20), ErrorCode::kFormat);
  EXPECT_EQ(code_of(MakeZFile(data, false, "  "), 1u << 20), ErrorCode::kFormat);
  EXPECT_EQ(code_of(MakeZFile(data, false, "0x1388 junk"), 1u << 20), ErrorCode::kFormat);
  EXPECT_EQ(code_of(MakeZFile(data, false, "0xffffffffffffffffff"), 1u << 20), ErrorCode::kFormat);  // > 64 bits
  EXPECT_EQ(code_of(MakeZFile(data, false, "0xffffffffffff"), 1u << 20), ErrorCode::kLimit);  // a bomb's claim
  EXPECT_EQ(code_of(MakeZFile(data), 4999), ErrorCode::kLimit);
  EXPECT_EQ(code_of(ToBytes("ZF0x10"), 1u << 20), ErrorCode::kFormat);
  EXPECT_EQ(code_of(ToBytes("XF0x10                 "), 1u << 20), ErrorCode::kFormat);
  const Bytes zf = MakeZFile(data);
  for (std::size_t len = 0; len < zf.size(); ++len) {
    ASSERT_EQ(code_of(Bytes(zf.begin(), zf.begin() + len), 1u << 20), ErrorCode::kFormat) << len;
  }
}

// ---- SHA-256 ----

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(ToBytes("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---- MappedFile ----

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("skbridge_io_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(MappedFile, MapsFilesAndReportsErrors) {
  const std::string path = TempPath("mapped");
  {
    std::ofstream f(path, std::ios::binary);
    f << "hello";
  }
  auto file = MappedFile::Open(path);
  EXPECT_EQ(ToString(file->bytes()), "hello");
  EXPECT_EQ(file->path(), path);

  const std::string empty = TempPath("empty");
  { std::ofstream f(empty, std::ios::binary); }
  EXPECT_TRUE(MappedFile::Open(empty)->bytes().empty());

  try {
    MappedFile::Open(path + ".missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_EQ(e.message(), "cannot open: No such file or directory");
    EXPECT_EQ(e.file(), path + ".missing");
  }
  try {
    MappedFile::Open(std::filesystem::temp_directory_path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(e.message().find("directory"), std::string::npos) << e.message();
  }
  std::filesystem::remove(path);
  std::filesystem::remove(empty);
}

// ---- .npy ----

// "\x93NUMPY" + version + little-endian header length + header + data.
Bytes MakeNpy(int major, std::string header, const Bytes& data, bool pad = true) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (pad) {
    while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
    header.push_back('\n');
  }
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out += header;
  Bytes b = ToBytes(out);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

template <class T>
Bytes Raw(std::initializer_list<T> values) {
  Bytes b(values.size() * sizeof(T));
  std::memcpy(b.data(), std::data(values), b.size());
  return b;
}

template <class T>
Bytes ByteSwapped(Bytes b) {
  for (std::size_t i = 0; i < b.size(); i += sizeof(T)) std::reverse(b.begin() + i, b.begin() + i + sizeof(T));
  return b;
}

std::shared_ptr<const NdArray> Read(const Bytes& b) {
  auto owner = std::make_shared<Bytes>(b);
  return ReadNpy(*owner, owner, "test.npy");
}

TEST(Npy, ReadsVersion1WithoutCopying) {
  auto owner = std::make_shared<Bytes>(
      MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Raw<double>({0, 1, 2, 3, 4, 5})));
  auto a = ReadNpy(*owner, owner, "x.npy", true);
  EXPECT_EQ(a->dtype.kind, DTypeKind::kFloat);
  EXPECT_EQ(a->dtype.itemsize, 8);
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_FALSE(a->fortran_order);
  EXPECT_EQ(a->nbytes, 48u);
  const std::size_t data_at = owner->size() - 48;
  EXPECT_EQ(data_at % 64, 0u);
  EXPECT_EQ(a->data, owner->data() + data_at);  // points into the input
  EXPECT_TRUE(a->memory_mapped);
  EXPECT_EQ(a->view<double>()[5], 5.0);
  // Without an owner nothing can keep the input alive: the data is copied.
  auto copied = ReadNpy(*owner, nullptr, "x.npy", true);
  EXPECT_NE(copied->data, owner->data() + data_at);
  EXPECT_FALSE(copied->memory_mapped);
  EXPECT_EQ(copied->view<double>()[4], 4.0);
}

TEST(Npy, ReadsVersions2And3AndOldStyleHeaders) {
  auto a = Read(MakeNpy(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", Raw<int32_t>({7, 8, 9})));
  EXPECT_EQ(a->view<int32_t>()[2], 9);
  a = Read(MakeNpy(3, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Raw<int64_t>({-4})));
  EXPECT_EQ(a->view<int64_t>()[0], -4);
  // Python 2 numpy: longs with 'L', no trailing comma, keys with double quotes, 16-byte padding.
  a = Read(MakeNpy(1, "{\"descr\": \"<u2\", \"fortran_order\": False, \"shape\": (2L, 1L)}      \n", Raw<uint16_t>({1, 2}),
                   false));
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(a->view<uint16_t>()[1], 2);
}

TEST(Npy, FortranOrderAndScalarsAndEmpty) {
  auto a = Read(MakeNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", Raw<float>({1, 2, 3, 4})));
  EXPECT_TRUE(a->fortran_order);
  EXPECT_EQ(a->view<float>()[1], 2.0f);
  a = Read(MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Raw<double>({2.5})));
  EXPECT_TRUE(a->shape.empty());
  EXPECT_FALSE(a->is_scalar);
  EXPECT_EQ(a->view<double>()[0], 2.5);
  a = Read(MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", {}));
  EXPECT_EQ(a->nbytes, 0u);
  EXPECT_NE(a->data, nullptr);
}

TEST(Npy, BigEndianIsSwappedToNative) {
  auto a = Read(MakeNpy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }",
                        ByteSwapped<double>(Raw<double>({1.5, -2.25, 1e300}))));
  EXPECT_EQ(a->stored_byteorder, '>');
  EXPECT_EQ(a->dtype.byteorder, '<');
  EXPECT_EQ(a->view<double>()[0], 1.5);
  EXPECT_EQ(a->view<double>()[1], -2.25);
  EXPECT_EQ(a->view<double>()[2], 1e300);

  a = Read(MakeNpy(1, "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }",
                   ByteSwapped<int16_t>(Raw<int16_t>({-2, 300}))));
  EXPECT_EQ(a->view<int16_t>()[0], -2);
  EXPECT_EQ(a->view<int16_t>()[1], 300);

  // Complex numbers swap each half; unicode swaps each code unit.
  a = Read(MakeNpy(1, "{'descr': '>c16', 'fortran_order': False, 'shape': (1,), }",
                   ByteSwapped<double>(Raw<double>({3.0, -4.0}))));
  EXPECT_EQ(a->view<double>()[0], 3.0);
  EXPECT_EQ(a->view<double>()[1], -4.0);
  a = Read(MakeNpy(1, "{'descr': '>U2', 'fortran_order': False, 'shape': (1,), }",
                   ByteSwapped<char32_t>(Raw<char32_t>({U'h', U'\u00e9'}))));
  EXPECT_EQ(a->dtype.itemsize, 8);
  EXPECT_EQ(a->view<char32_t>()[1], U'\u00e9');
}

TEST(Npy, StringsAndBools) {
  auto a = Read(MakeNpy(1, "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }",
                        Raw<char32_t>({U'a', U'b', U'c', U'x', 0, 0})));
  EXPECT_EQ(a->dtype.kind, DTypeKind::kUnicode);
  EXPECT_EQ(a->dtype.itemsize, 12);
  EXPECT_EQ(a->nbytes, 24u);
  EXPECT_EQ(a->stored_byteorder, '<');
  a = Read(MakeNpy(1, "{'descr': '|S6', 'fortran_order': False, 'shape': (2,), }", ToBytes(std::string_view("spam\0\0eggs\0\0", 12))));
  EXPECT_EQ(a->dtype.kind, DTypeKind::kBytes);
  EXPECT_EQ(ToString({a->data, a->nbytes}), std::string("spam\0\0eggs\0\0", 12));
  a = Read(MakeNpy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", ToBytes(std::string_view("\x01\x00\x01", 3))));
  EXPECT_EQ(a->dtype.kind, DTypeKind::kBool);
  EXPECT_EQ(a->dtype.byteorder, '|');
  EXPECT_EQ(static_cast<int>(a->data[2]), 1);
}

TEST(Npy, UnalignedDataIsCopiedToAlignedMemory) {
  const Bytes npy = MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Raw<double>({1, 2}));
  auto owner = std::make_shared<Bytes>(npy.size() + 1);
  std::memcpy(owner->data() + 1, npy.data(), npy.size());
  auto a = ReadNpy(std::span(*owner).subspan(1), owner, "odd.npy");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a->data) % 8, 0u);
  EXPECT_EQ(a->view<double>()[1], 2.0);
  EXPECT_NE(a->owner, owner);
}

ErrorCode CodeOf(const Bytes& b, std::string* message = nullptr, std::optional<std::uint64_t>* offset = nullptr) {
  try {
    Read(b);
  } catch (const Error& e) {
    if (message) *message = e.message();
    if (offset) *offset = e.offset();
    EXPECT_EQ(e.file(), "test.npy");
    return e.code();
  }
  return ErrorCode::kInvalidModel;  // "no error" marker
}

TEST(Npy, RejectsBadHeaders) {
  const Bytes f8 = Raw<double>({1, 2});
  auto header = [&](const std::string& h) { return MakeNpy(1, h, f8); };
  const std::vector<std::string> bad = {
      "",
      "{}",
      "{'descr': '<f8', 'fortran_order': False}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
      "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': [2]}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}",
      "{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}",
      "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}",
      "{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,),, }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x",
      "{'descr': '<f8' 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<\\x66\\x38', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3,1,)}",  // wrong size
      "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296,)}",
      "__import__('os').system('true')",
  };
  for (const auto& h : bad) EXPECT_EQ(CodeOf(header(h)), ErrorCode::kFormat) << h;
  // Every dimension count up to numpy's maximum parses; more does not.
  std::string dims;
  for (int i = 0; i < 64; ++i) dims += "1,";
  EXPECT_EQ(CodeOf(MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "2,), }", f8)),
            ErrorCode::kFormat);
  EXPECT_EQ(CodeOf(MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims.substr(2) + "2,), }", f8)),
            ErrorCode::kInvalidModel);
}

TEST(Npy, RejectsUnsupportedContent) {
  std::string message;
  EXPECT_EQ(CodeOf(MakeNpy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", Raw<double>({1, 2})),
                   &message),
            ErrorCode::kUnsupported);
  EXPECT_NE(message.find("objects"), std::string::npos) << message;
  EXPECT_EQ(CodeOf(MakeNpy(1, "{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                           Bytes(12)),
                   &message),
            ErrorCode::kUnsupported);
  EXPECT_NE(message.find("structured"), std::string::npos) << message;
  EXPECT_EQ(CodeOf(MakeNpy(1, "{'descr': '<q9', 'fortran_order': False, 'shape': (2,), }", Bytes(16))),
            ErrorCode::kUnsupported);
  Bytes v4 = MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", Raw<double>({1}));
  v4[6] = std::byte{4};
  EXPECT_EQ(CodeOf(v4), ErrorCode::kUnsupported);
}

TEST(Npy, DataSizeMustMatchShape) {
  std::string message;
  std::optional<std::uint64_t> offset;
  Bytes b = MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", Raw<double>({1, 2}));
  EXPECT_EQ(CodeOf(b, &message, &offset), ErrorCode::kFormat);
  EXPECT_EQ(message, ".npy data is 16 bytes but shape (3,) of '<f8' needs 24 (truncated)");
  EXPECT_EQ(offset, 128u);  // where the data starts
  b.push_back(std::byte{0});
  b.insert(b.end(), 8, std::byte{0});
  EXPECT_EQ(CodeOf(b), ErrorCode::kFormat);  // 25 bytes: one too many
}

TEST(Npy, EveryTruncatedPrefixIsAnError) {
  const Bytes npy = MakeNpy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Raw<double>({1, 2}));
  EXPECT_EQ(CodeOf(npy), ErrorCode::kInvalidModel);
  for (std::size_t len = 0; len < npy.size(); ++len) {
    EXPECT_EQ(CodeOf(Bytes(npy.begin(), npy.begin() + len)), ErrorCode::kFormat) << len;
  }
  EXPECT_EQ(CodeOf(ToBytes("PK\x03\x04 not npy")), ErrorCode::kFormat);
}

NdArray MakeArray(DType dtype, std::vector<std::int64_t> shape, const Bytes& data, bool fortran = false) {
  NdArray a;
  a.dtype = std::move(dtype);
  a.shape = std::move(shape);
  a.fortran_order = fortran;
  auto owner = std::make_shared<Bytes>(data);
  a.data = owner->data();
  a.nbytes = owner->size();
  a.owner = owner;
  return a;
}

DType Parse(const char* s) {
  DType d;
  EXPECT_TRUE(ParseDTypeStr(s, &d)) << s;
  return d;
}

TEST(Npy, WriteMatchesNumpyAndRoundTrips) {
  const NdArray a = MakeArray(Parse("<f8"), {2, 3}, Raw<double>({0, 1, 2, 3, 4, 5}));
  std::string out;
  WriteNpy(a, &out);
  // What np.save(np.arange(6.).reshape(2, 3)) writes.
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(out.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(out.substr(10, dict.size()), dict);
  EXPECT_EQ(out.size(), 128u + 48u);
  EXPECT_EQ(out[127], '\n');

  const std::vector<NdArray> arrays = {
      a,
      MakeArray(Parse("<i4"), {3, 1}, Raw<int32_t>({1, -2, 3}), true),
      MakeArray(Parse("|b1"), {2}, ToBytes(std::string_view("\x01\x00", 2))),
      MakeArray(Parse("<U2"), {1}, Raw<char32_t>({U'o', U'k'})),
      MakeArray(Parse("|S3"), {2}, ToBytes("abcxyz")),
      MakeArray(Parse("<f8"), {}, Raw<double>({7})),
      MakeArray(Parse("<i8"), {0, 4}, {}),
      MakeArray(Parse("<M8[ns]"), {1}, Raw<int64_t>({123})),
  };
  for (const NdArray& in : arrays) {
    std::string npy;
    WriteNpy(in, &npy);
    auto owner = std::make_shared<std::string>(npy);
    auto back = ReadNpy(std::as_bytes(std::span(*owner)), owner, "w.npy");
    EXPECT_EQ(back->dtype, in.dtype) << in.dtype.Str();
    EXPECT_EQ(back->shape, in.shape);
    EXPECT_EQ(back->fortran_order, in.fortran_order);
    ASSERT_EQ(back->nbytes, in.nbytes);
    if (in.nbytes > 0) {
      EXPECT_EQ(std::memcmp(back->data, in.data, in.nbytes), 0);
    }
    EXPECT_EQ((npy.size() - in.nbytes) % 64, 0u);  // header padded to numpy's 64-byte alignment
  }

  // A header too long for version 1.0 switches to 2.0.
  std::vector<std::int64_t> many(64, 1);
  NdArray wide = MakeArray(Parse("<f8"), many, Raw<double>({1}));
  std::string npy;
  WriteNpy(wide, &npy);
  EXPECT_EQ(npy[6], 1);  // 64 dims still fit in 16 bits
  EXPECT_EQ(Read(ToBytes(npy))->shape.size(), 64u);

  NdArray mismatch = MakeArray(Parse("<f8"), {3}, Raw<double>({1, 2}));
  EXPECT_THROW(WriteNpy(mismatch, &npy), Error);
  NdArray objects = MakeArray(Parse("|O"), {1}, Bytes(8));
  EXPECT_THROW(WriteNpy(objects, &npy), Error);
}

TEST(Npy, WriteFileAndReadFile) {
  const std::string path = TempPath("array.npy");
  const NdArray a = MakeArray(Parse("<i8"), {4}, Raw<int64_t>({4, 3, 2, 1}));
  WriteNpyFile(a, path);
  auto back = ReadNpyFile(path);
  EXPECT_TRUE(back->memory_mapped);
  EXPECT_EQ(back->view<int64_t>()[0], 4);
  std::filesystem::remove(path);
  EXPECT_THROW(WriteNpyFile(a, "/nonexistent-dir/x.npy"), Error);
}

// ---- real files (../shared/corpus/wild) ----

std::string WildDir() {
  const char* env = std::getenv("SKBRIDGE_SOURCE_DIR");
  const std::string source = env != nullptr ? env : SKBRIDGE_SOURCE_DIR;
  return source + "/../shared/corpus/wild";
}

#define REQUIRE_WILD()                                                                   \
  if (!std::filesystem::is_directory(WildDir())) {                                       \
    GTEST_SKIP() << "the wild corpus is not present at " << WildDir();                   \
  }

struct WildCompressed {
  const char* file;
  Compressor compressor;
  std::uint64_t decompressed_size;
};

TEST(Wild, CompressedFilesDecompress) {
  REQUIRE_WILD();
  const WildCompressed files[] = {
      {"Georgios-rigas__noshow/preprocessor_resaved.joblib.gz", Compressor::kGzip, 6400},
      {"Georgios-rigas__noshow/model.joblib.gz", Compressor::kGzip, 464790},
      {"Georgios-rigas__noshow/classifier_resaved.joblib.gz", Compressor::kGzip, 458312},
      {"2025-2-predictiva__LAB-03-prediccion-del-default-usando-svc-caego/files/models/model.pkl.gz",
       Compressor::kGzip, 1427100},
      {"ezeksunday__Predicting-Customer-Churn-Using-Machine-Learning/model.pkl.gz", Compressor::kGzip, 21811015},
      {"tocigm__id_digits/model.pkl.gz", Compressor::kGzip, 15078734},
      {"FakeNameSE__ConspiracyDetector/model.pkl.z", Compressor::kZlib, 2902637},
      {"jhklarcher__detector_fake_news/API/model.pkl.z", Compressor::kZlib, 2493436},
      {"jhklarcher__detector_fake_news/API/tfidf_vectorizer.pkl.z", Compressor::kZlib, 6107877},
      {"robson-rsp__streamlit-deploy/pipeline_transformer.pkl.z", Compressor::kZlib, 3934874},
      {"robson-rsp__streamlit-deploy/rforest.pkl.z", Compressor::kZlib, 2661711},
  };
  for (const auto& w : files) {
    auto file = MappedFile::Open(WildDir() + "/" + w.file);
    ASSERT_EQ(DetectCompressor(file->bytes()), w.compressor) << w.file;
    auto out = Decompress(w.compressor, file->bytes(), 2000 * file->size() + (256u << 20));
    EXPECT_EQ(out->size(), w.decompressed_size) << w.file;
    EXPECT_EQ(static_cast<unsigned>((*out)[0]), 0x80u) << w.file;  // a pickle with PROTO
    EXPECT_EQ(static_cast<char>(out->back()), '.') << w.file;        // ... ending in STOP
  }
}

TEST(Wild, EveryPrefixOfARealGzipIsAnError) {
  REQUIRE_WILD();
  const std::string path = WildDir() + "/Georgios-rigas__noshow/preprocessor_resaved.joblib.gz";
  auto file = MappedFile::Open(path);
  EXPECT_EQ(Sha256Hex(file->bytes()), "4c66065882793b67fb5c7e2c477fd2bc89ca3a4d661ede890d34ba7a9d9d385c");
  for (std::size_t len = 0; len < file->size(); ++len) {
    try {
      Decompress(Compressor::kGzip, file->bytes().first(len), 1u << 24);
      ADD_FAILURE() << len;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kFormat) << e.Describe();
    }
  }
}

TEST(Wild, CorruptGzipGivesACleanError) {
  REQUIRE_WILD();
  const std::string path =
      WildDir() + "/2024-2-fundamentos-de-analitica__2024-2-LAB-09-prediccion-del-default-usando-rf-meg63/model.pkl.gz";
  auto file = MappedFile::Open(path);
  EXPECT_EQ(Sha256Hex(file->bytes()), "cc1d494bfe0153e3ad6161cc3920955605e37f2c2abf849eb828c644551fbebe");
  try {
    Decompress(DetectCompressor(file->bytes()), file->bytes(), 2000 * file->size());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_EQ(e.message(), "corrupt gzip stream: invalid distance code");
    ASSERT_TRUE(e.offset());
    EXPECT_GT(*e.offset(), 1300000u);
    EXPECT_LT(*e.offset(), file->size());
  }
}

TEST(Wild, LegacyZFileAndItsNpySideFiles) {
  REQUIRE_WILD();
  const std::string dir = WildDir() + "/davideceolin__WebQ-Analyses";
  auto file = MappedFile::Open(dir + "/gnb.pkl");
  ASSERT_TRUE(IsZFile(file->bytes()));
  auto pickle = DecompressZFile(file->bytes(), 1u << 30);
  EXPECT_EQ(pickle->size(), 86935u);
  EXPECT_EQ(static_cast<unsigned>((*pickle)[0]), 0x80u);
  EXPECT_EQ(static_cast<char>(pickle->back()), '.');

  auto means = ReadNpyFile(dir + "/gnb.pkl_01.npy");
  EXPECT_EQ(means->dtype.kind, DTypeKind::kFloat);
  EXPECT_EQ(means->shape, (std::vector<std::int64_t>{7, 771}));
  EXPECT_TRUE(means->memory_mapped);
  auto classes = ReadNpyFile(dir + "/gnb.pkl_02.npy");
  EXPECT_EQ(classes->dtype.kind, DTypeKind::kBytes);
  EXPECT_EQ(classes->dtype.itemsize, 3);
  EXPECT_EQ(classes->shape, (std::vector<std::int64_t>{7}));

  // Every .npy side file of the corpus reads (Fortran-ordered ones included).
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(WildDir())) {
    if (entry.path().extension() != ".npy") continue;
    auto a = ReadNpyFile(entry.path().string());
    EXPECT_GT(a->nbytes, 0u) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 27);  // the corpus README counts 27
}

}  // namespace
}  // namespace skbridge::io
