// Bad input: every malformed stream must end in one clean skbridge::Error with the right code, the
// offset of the failing opcode and a message that says what was expected — never a crash.
// The second half cuts real files from ../shared/corpus/wild at every (or a sample of) prefix.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>

#include "pickle/test_util.h"
#include "skbridge/reader.h"

namespace skbridge {
namespace {

using testing::PickleBuilder;
using testing::Read;
using Op = pickle::Op;

TEST(BadOpcodes, UnknownOpcode) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02\xff.", 4), ErrorCode::kFormat, 2u, "unknown opcode 0xff");
  EXPECT_PICKLE_ERROR(std::string_view("\x00", 1), ErrorCode::kFormat, 0u, "unknown opcode 0x00");
  EXPECT_PICKLE_ERROR(std::string_view("N\x99", 2), ErrorCode::kFormat, 1u, "unknown opcode 0x99");
}

TEST(BadOpcodes, MissingStop) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02N", 3), ErrorCode::kFormat, 3u, "ends before its STOP opcode");
  EXPECT_PICKLE_ERROR(std::string_view(""), ErrorCode::kFormat, 0u, "ends before its STOP opcode");
}

TEST(BadOpcodes, TruncatedOperands) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02K", 3), ErrorCode::kFormat, 2u, "BININT1: truncated: BININT1 needs 1 bytes, only 0 remain");
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02J\x01\x02", 5), ErrorCode::kFormat, 2u, "needs 4 bytes, only 2 remain");
  EXPECT_PICKLE_ERROR(std::string_view("\x80", 1), ErrorCode::kFormat, 0u, "the protocol number");
  EXPECT_PICKLE_ERROR(std::string_view("cos\nsyst", 8), ErrorCode::kFormat, 0u, "needs a line ending");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).op(Op::kFrame).le(5, 4), ErrorCode::kFormat, 2u, "the frame length");
}

TEST(BadOpcodes, OverlongLine) {
  std::string line = "c" + std::string(70000, 'a') + "\nb\n.";
  EXPECT_PICKLE_ERROR(line, ErrorCode::kFormat, 0u, "line longer than 65536 bytes");
}

TEST(BadMemo, GetOfUndefinedKey) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02h\x05.", 5), ErrorCode::kFormat, 2u, "BINGET: memo key 5 was never defined");
  EXPECT_PICKLE_ERROR(std::string_view("g3\n."), ErrorCode::kFormat, 0u, "GET: memo key 3 was never defined");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kLongBinGet).le(0xFFFFFFFFu, 4).stop(), ErrorCode::kFormat, 2u,
                      "LONG_BINGET: memo key 4294967295 was never defined");
  // A key below the memo size but never set (the memo grew past it).
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).none().binput(9).binget(3).stop(), ErrorCode::kFormat, 5u,
                      "memo key 3 was never defined");
}

TEST(BadMemo, HugePutKey) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).none().op(Op::kLongBinPut).le(0xFFFFFFF0u, 4).stop(), ErrorCode::kLimit, 3u,
                      "LONG_BINPUT: memo key 4294967280 exceeds the limit");
  EXPECT_PICKLE_ERROR(std::string_view("Np99999999999\n."), ErrorCode::kLimit, 1u, "PUT: memo key 99999999999 exceeds");
}

TEST(BadMemo, PutWithEmptyStackOrBadKey) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).binput(0).stop(), ErrorCode::kFormat, 2u, "BINPUT: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).op(Op::kMemoize).stop(), ErrorCode::kFormat, 2u, "MEMOIZE: stack underflow");
  EXPECT_PICKLE_ERROR(std::string_view("Np-1\n."), ErrorCode::kFormat, 1u, "PUT: invalid memo key");
  EXPECT_PICKLE_ERROR(std::string_view("Ng1x\n."), ErrorCode::kFormat, 1u, "GET: invalid memo key");
  // A PUT right after a MARK has nothing above the mark to store.
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).none().mark().binput(0).stop(), ErrorCode::kFormat, 4u, "stack underflow");
}

TEST(BadStack, Underflow) {
  EXPECT_PICKLE_ERROR(std::string_view("."), ErrorCode::kFormat, 0u, "STOP: stack underflow");
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02\x86.", 4), ErrorCode::kFormat, 2u, "TUPLE2: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).binint1(1).mark().tuple1().stop(), ErrorCode::kFormat, 5u,
                      "TUPLE1: stack underflow: no value above the current mark");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kAppend).stop(), ErrorCode::kFormat, 2u, "APPEND: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_list().mark().op(Op::kAppend).stop(), ErrorCode::kFormat, 4u, "stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).reduce().stop(), ErrorCode::kFormat, 2u, "REDUCE: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kDup).stop(), ErrorCode::kFormat, 2u, "DUP: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).op(Op::kPop).stop(), ErrorCode::kFormat, 2u, "POP: stack underflow");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(4).str("m").op(Op::kStackGlobal).stop(), ErrorCode::kFormat, 5u,
                      "STACK_GLOBAL: stack underflow");
}

TEST(BadStack, MarkMisuse) {
  EXPECT_PICKLE_ERROR(std::string_view("1."), ErrorCode::kFormat, 0u, "POP_MARK: no MARK on the stack");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).binint1(1).tuple().stop(), ErrorCode::kFormat, 4u, "TUPLE: no MARK on the stack");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_list().op(Op::kAppends).stop(), ErrorCode::kFormat, 3u,
                      "APPENDS: no MARK on the stack");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).binint1(1).binint1(2).op(Op::kSetItems).stop(), ErrorCode::kFormat, 6u,
                      "SETITEMS: no MARK on the stack");
  // STOP with an open mark and nothing above it.
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).none().mark().stop(), ErrorCode::kFormat, 4u, "STOP: stack underflow");
}

TEST(BadContainers, OddSetItems) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02}(K\x01u.", 8), ErrorCode::kFormat, 6u,
                      "SETITEMS: odd number of items (1) for key/value pairs");
  EXPECT_PICKLE_ERROR(std::string_view("(K\x01K\x02K\x03" "d.", 9), ErrorCode::kFormat, 7u, "DICT: odd number of items (3)");
}

TEST(BadContainers, WrongTargets) {
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_list().binint1(1).binint1(2).op(Op::kSetItem).stop(), ErrorCode::kFormat, 7u,
                      "SETITEM: cannot set items on a list");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).binint1(1).binint1(2).op(Op::kAppend).stop(), ErrorCode::kFormat, 6u,
                      "APPEND: cannot append to a int");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_tuple().mark().binint1(1).op(Op::kAppends).stop(), ErrorCode::kFormat, 6u,
                      "cannot append to a tuple");
}

TEST(BadContainers, BuildOnAnInt) {
  EXPECT_PICKLE_ERROR(std::string_view("\x80\x02K\x01}b.", 7), ErrorCode::kFormat, 5u, "BUILD on a int, which has no state to set");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_list().empty_dict().build().stop(), ErrorCode::kFormat, 4u, "BUILD on a list");
  EXPECT_PICKLE_ERROR(PickleBuilder().proto(2).empty_dict().build().stop(), ErrorCode::kFormat, 3u, "BUILD: stack underflow");
}

TEST(BadLimits, StackLimit) {
  ReadOptions o = testing::NoHash();
  o.limits.max_stack = 100;
  PickleBuilder p;
  p.proto(2);
  for (int i = 0; i < 200; ++i) p.none();
  p.stop();
  Error e = testing::ExpectError([&] { ReadPickleBytes(p.span(), o); });
  EXPECT_EQ(e.code(), ErrorCode::kLimit);
  EXPECT_EQ(e.offset(), std::optional<std::uint64_t>(102));
  EXPECT_NE(e.message().find("stack limit of 100 values reached"), std::string::npos) << e.Describe();
  PickleBuilder marks;
  for (int i = 0; i < 200; ++i) marks.mark();
  e = testing::ExpectError([&] { ReadPickleBytes(marks.span(), o); });
  EXPECT_EQ(e.code(), ErrorCode::kLimit);
  EXPECT_NE(e.message().find("mark stack limit reached"), std::string::npos) << e.Describe();
}

TEST(BadLimits, AllocationBudget) {
  // 20000 empty lists cost far more than their 20000 bytes of input.
  ReadOptions o = testing::NoHash();
  o.limits.alloc_factor = 1;
  o.limits.alloc_allowance = 1000;
  PickleBuilder p;
  p.proto(2).empty_list();
  for (int i = 0; i < 20000; ++i) p.empty_list().op(Op::kAppend);
  p.stop();
  Error e = testing::ExpectError([&] { ReadPickleBytes(p.span(), o); });
  EXPECT_EQ(e.code(), ErrorCode::kLimit);
  EXPECT_NE(e.message().find("allocation limit reached"), std::string::npos) << e.Describe();
  EXPECT_TRUE(e.offset().has_value());
}

// ---------------------------------------------------------------------------------------------
// Files: wrong magic, garbage, empty, missing.

class TempDir {
 public:
  TempDir() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';  // parameterised names hold '/'
    }
    path_ = std::filesystem::temp_directory_path() / ("skbridge-test-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, std::string_view bytes) const {
    auto p = path_ / name;
    // A fresh file, not a truncated one: ext4 flushes a file truncated and rewritten when it is
    // closed, which made the prefix loops wait on the disk.
    std::filesystem::remove(p);
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p.string();
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Error FileError(const std::string& path, ReadOptions options = testing::NoHash()) {
  return testing::ExpectError([&] { ReadModelFile(path, options); });
}

TEST(BadFiles, GarbageAndWrongMagic) {
  TempDir dir;
  std::string garbage = dir.Write("garbage.pkl", std::string_view("\x00\x01\x02\x03", 4));
  Error e = FileError(garbage);
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_EQ(e.offset(), std::optional<std::uint64_t>(0));
  EXPECT_EQ(e.file(), garbage);
  EXPECT_NE(e.message().find("unknown opcode 0x00"), std::string::npos);
  EXPECT_NE(e.Describe().find(garbage + ": offset 0x0 (0): "), std::string::npos) << e.Describe();

  // A PNG is not a pickle: 0x89 is NEWFALSE, then 'P' starts a PERSID.
  e = FileError(dir.Write("image.png", std::string_view("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)));
  EXPECT_TRUE(e.code() == ErrorCode::kFormat || e.code() == ErrorCode::kUnsupported) << e.Describe();
  EXPECT_TRUE(e.offset().has_value());

  e = FileError(dir.Write("text.txt", "hello world, this is text\n"));
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_EQ(e.offset(), std::optional<std::uint64_t>(0));

  e = FileError(dir.Write("empty.pkl", ""));
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(e.message().find("the file is empty"), std::string::npos);

  e = FileError((dir.path() / "does-not-exist.pkl").string());
  EXPECT_EQ(e.code(), ErrorCode::kIo);

  e = FileError(dir.path().string());
  EXPECT_EQ(e.code(), ErrorCode::kIo);
}

TEST(BadFiles, CompressorMagicThenGarbage) {
  TempDir dir;
  // zlib header 0x78 0x9c, then not a deflate stream.
  Error e = FileError(dir.Write("bad.z", std::string_view("\x78\x9c\xff\xff\xff\xff\xff\xff", 8)));
  EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.Describe();
  EXPECT_NE(e.message().find("zlib"), std::string::npos) << e.Describe();
  // gzip magic and nothing else.
  e = FileError(dir.Write("short.gz", std::string_view("\x1f\x8b\x08", 3)));
  EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.Describe();
  EXPECT_NE(e.message().find("gzip"), std::string::npos) << e.Describe();
}

// ---------------------------------------------------------------------------------------------
// Every prefix of real files.

std::filesystem::path WildDir() { return testing::SourceDir() / ".." / "shared" / "corpus" / "wild"; }

// Prefix lengths to try: all of them for small files, else the first 512 and ~2000 evenly spaced.
std::vector<std::size_t> PrefixLengths(std::size_t size, std::size_t all_below, std::size_t samples) {
  std::vector<std::size_t> out;
  if (size <= all_below) {
    for (std::size_t n = 0; n < size; ++n) out.push_back(n);
    return out;
  }
  for (std::size_t n = 0; n < 512 && n < size; ++n) out.push_back(n);
  for (std::size_t i = 0; i < samples; ++i) out.push_back(512 + (size - 512) * i / samples);
  out.push_back(size - 1);
  return out;
}

void ExpectCleanPrefixError(const Error& e, std::size_t n, std::string_view what) {
  EXPECT_TRUE(e.code() == ErrorCode::kFormat || e.code() == ErrorCode::kLimit)
      << what << " prefix " << n << ": " << ErrorCodeName(e.code()) << ": " << e.Describe();
  EXPECT_FALSE(e.message().empty());
  ASSERT_TRUE(e.offset().has_value()) << what << " prefix " << n << ": " << e.Describe();
}

struct PrefixCase {
  const char* file;
  std::size_t all_below;  // every prefix when the file is smaller than this
  std::size_t samples;
};

class PicklePrefixes : public ::testing::TestWithParam<PrefixCase> {};

// Uncompressed streams, read from memory (the owner keeps arrays pointing into the buffer).
TEST_P(PicklePrefixes, EveryPrefixIsACleanError) {
  auto path = WildDir() / GetParam().file;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus file absent: " << path;
  auto whole = std::make_shared<std::string>(testing::ReadFileBytes(path));
  ASSERT_NO_THROW(ReadPickleBytes(testing::AsBytes(*whole), testing::NoHash(), whole)) << path;
  std::size_t checked = 0;
  for (std::size_t n : PrefixLengths(whole->size(), GetParam().all_below, GetParam().samples)) {
    std::span<const std::byte> prefix(reinterpret_cast<const std::byte*>(whole->data()), n);
    Error e = testing::ExpectError([&] { ReadPickleBytes(prefix, testing::NoHash(), whole); });
    ExpectCleanPrefixError(e, n, GetParam().file);
    EXPECT_LE(*e.offset(), n) << "prefix " << n << ": " << e.Describe();
    if (::testing::Test::HasFailure()) break;  // one broken prefix is enough to report
    ++checked;
  }
  EXPECT_GT(checked, 500u);
}

INSTANTIATE_TEST_SUITE_P(
    Wild, PicklePrefixes,
    ::testing::Values(PrefixCase{"kevinmcalear__hater_news/clf.pkl", 100000, 0},                          // protocol 2, legacy joblib
                      PrefixCase{"Preprod-Labs__DIY-SupervisedClassifiers/naive_bayes.pkl", 100000, 0},   // joblib, protocol 4
                      PrefixCase{"Rudresh-BITS__2025AA05420_ML2_project/decision_tree.pkl", 30000, 0},    // protocol 4, tree
                      PrefixCase{"AdrianFRadulescu__app-classifier/clf.pkl", 30000, 0},                   // protocol 0/1
                      PrefixCase{"AbeerMahjoub__CustomerSegmentation/models/hac.pkl", 30000, 0},          // protocol 3
                      PrefixCase{"07Sada__Email-SMS-spam-Classifier/model.pkl", 30000, 2000},             // protocol 4, 64 KB
                      PrefixCase{"DHollenbach__record-linkage-and-deduplication/best_svm_model.pkl", 30000, 2000},  // joblib
                      PrefixCase{"AtaGowani__quack/clf.pkl", 30000, 300}),  // joblib, protocol 2, 1.5 MB
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(name.find_last_of('/') + 1);
      std::string out;
      for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return out + "_" + std::to_string(info.index);
    });

class ContainerPrefixes : public ::testing::TestWithParam<PrefixCase> {};

// Compressed containers go through ReadModelFile, so each prefix is written to a file.
TEST_P(ContainerPrefixes, EveryPrefixIsACleanError) {
  auto path = WildDir() / GetParam().file;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus file absent: " << path;
  std::string whole = testing::ReadFileBytes(path);
  ASSERT_NO_THROW(ReadModelFile(path.string(), testing::NoHash())) << path;
  TempDir dir;
  std::size_t checked = 0;
  for (std::size_t n : PrefixLengths(whole.size(), GetParam().all_below, GetParam().samples)) {
    std::string file = dir.Write("prefix.bin", std::string_view(whole).substr(0, n));
    Error e = FileError(file);
    if (n == 0) {
      EXPECT_NE(e.message().find("empty"), std::string::npos) << e.Describe();
      continue;
    }
    ExpectCleanPrefixError(e, n, GetParam().file);
    EXPECT_EQ(e.file(), file);
    if (::testing::Test::HasFailure()) break;
    ++checked;
  }
  EXPECT_GT(checked, 500u);
}

INSTANTIATE_TEST_SUITE_P(
    Wild, ContainerPrefixes,
    ::testing::Values(PrefixCase{"Georgios-rigas__noshow/preprocessor_resaved.joblib.gz", 30000, 0},  // gzip
                      PrefixCase{"davideceolin__WebQ-Analyses/gnb.pkl", 5000, 1000},                 // legacy ZF (zlib)
                      PrefixCase{"jhklarcher__detector_fake_news/API/model.pkl.z", 5000, 300}),      // zlib, 640 KB
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(name.find_last_of('/') + 1);
      std::string out;
      for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return out + "_" + std::to_string(info.index);
    });

TEST(WildCorrupt, GzipCorruptPartWay) {
  auto path = WildDir() / "2024-2-fundamentos-de-analitica__2024-2-LAB-09-prediccion-del-default-usando-rf-meg63/model.pkl.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus file absent: " << path;
  Error e = FileError(path.string());
  EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.Describe();
  EXPECT_NE(e.message().find("corrupt gzip stream"), std::string::npos) << e.Describe();
  EXPECT_TRUE(e.offset().has_value());
  EXPECT_EQ(e.file(), path.string());
}

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

// Legacy joblib wrappers name side files. A stream read from memory has no folder, so names are
// never looked up (not even in the current directory); a file read by a bare relative name still
// finds its side files next to it.
TEST(SideFiles, MemoryStreamsNeverTouchTheFilesystem) {
  testing::PickleBuilder p;
  p.proto(2).global("joblib.numpy_pickle", "NDArrayWrapper").empty_tuple().op(pickle::Op::kNewObj);
  p.empty_dict().str("filename").str("CMakeLists.txt").op(pickle::Op::kSetItem).build().stop();
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(testing::SourceDir());  // where CMakeLists.txt exists
  ModelFile f = testing::Read(p);
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(f.side_files.empty());
  ASSERT_EQ(f.missing_side_files.size(), 1u);
  EXPECT_EQ(f.missing_side_files[0], "CMakeLists.txt");
  EXPECT_EQ(f.graph.root->kind, Kind::kObject);
}

TEST(SideFiles, BareRelativePathFindsItsSideFiles) {
  auto dir = WildDir() / "christine2623__Mao";
  if (!std::filesystem::exists(dir / "model.pkl")) GTEST_SKIP() << "corpus file absent";
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  ModelFile f = ReadModelFile("model.pkl", testing::NoHash());
  std::filesystem::current_path(cwd);
  EXPECT_EQ(f.container, Container::kJoblibLegacyNpy);
  EXPECT_EQ(f.side_files.size(), 4u);
  EXPECT_TRUE(f.missing_side_files.empty());
}

}  // namespace
}  // namespace skbridge

namespace skbridge {
namespace {

// Integers beyond Python's 4300-digit str() limit are named by size, not converted (quadratic).
TEST(BigInts, HugeIntegersAreNamedBySizeNotConverted) {
  std::string p = "\x80\x02\x8b";
  std::uint32_t n = 100000;
  p.append(reinterpret_cast<const char*>(&n), 4);
  p.append(n - 1, '\x01');
  p.push_back('\x02');
  p += ".";
  ModelFile f = ReadPickleBytes(std::as_bytes(std::span(p.data(), p.size())));
  EXPECT_EQ(f.graph.root->IntDecimal(), "<int of 100000 bytes>");
  EXPECT_EQ(f.graph.root->Repr().substr(0, 7), "<int of");
}

}  // namespace
}  // namespace skbridge
