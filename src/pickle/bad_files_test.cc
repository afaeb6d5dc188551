// The hand-made malicious and broken files of tests/data (written by tests/data/make_bad_files.py),
// each read with ReadModelFile and checked against tests/data/expectations.json: dangerous globals
// are reported (and marked called where the stream calls them), bombs stop at a limit, broken files
// give their documented error. Nothing may ever run: the payloads' sentinel files must not appear.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "pickle/test_util.h"
#include "skbridge/reader.h"

namespace skbridge {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

fs::path DataDir() { return testing::SourceDir() / "tests" / "data"; }

json Manifest() { return json::parse(testing::ReadFileBytes(DataDir() / "expectations.json")); }

const GlobalRef* FindGlobal(const ModelFile& f, std::string_view path) {
  for (const auto& g : f.globals) {
    if (g.Path() == path) return &g;
  }
  return nullptr;
}

void CheckOne(const std::string& rel, const json& e) {
  SCOPED_TRACE(rel);
  const std::string path = (DataDir() / rel).string();
  ASSERT_TRUE(fs::exists(path)) << "run tests/data/make_bad_files.py";
  if (e.contains("sentinel")) fs::remove(e["sentinel"].get<std::string>());
  const std::string outcome = e["outcome"];
  auto start = std::chrono::steady_clock::now();
  std::optional<ModelFile> file;
  std::optional<Error> error;
  try {
    file.emplace(ReadModelFile(path));
  } catch (const Error& err) {
    error.emplace(err);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0) << "reading took too long";
  if (outcome == "ok") {
    ASSERT_TRUE(file.has_value()) << error->Describe();
  } else if (outcome == "ok_or_limit") {
    if (error) {
      EXPECT_EQ(error->code(), ErrorCode::kLimit) << error->Describe();
    }
  } else {
    ASSERT_EQ(outcome, "error");
    ASSERT_TRUE(error.has_value()) << "expected an error, the file read fine";
    EXPECT_STREQ(ErrorCodeName(error->code()), e["code"].get<std::string>().c_str()) << error->Describe();
    EXPECT_NE(error->message().find(e["message"].get<std::string>()), std::string::npos)
        << "message: " << error->Describe() << "\nexpected fragment: " << e["message"];
    if (e.contains("offset")) {
      EXPECT_EQ(error->offset(), std::optional<std::uint64_t>(e["offset"].get<std::uint64_t>())) << error->Describe();
    }
    EXPECT_EQ(error->file(), path);
    // The one-line message names the file (and the offset when there is one).
    EXPECT_EQ(error->Describe().find('\n'), std::string::npos);
    EXPECT_TRUE(error->Describe().starts_with(path + ": ")) << error->Describe();
  }
  if (file) {
    if (e.contains("max_nodes")) {
      EXPECT_LE(file->graph.node_count(), e["max_nodes"].get<std::size_t>());
    }
    if (e.contains("dangerous") && !e["dangerous"].empty()) {
      EXPECT_TRUE(file->HasUnsafeGlobals());
    }
    for (const auto& d : e.value("dangerous", json::array())) {
      const std::string g = d["global"];
      const GlobalRef* ref = FindGlobal(*file, g);
      ASSERT_NE(ref, nullptr) << "global " << g << " is not reported";
      EXPECT_EQ(ref->safety, GlobalSafety::kDangerous) << g << " is " << GlobalSafetyName(ref->safety);
      EXPECT_EQ(ref->called, d["called"].get<bool>()) << g;
    }
  }
  if (e.contains("sentinel")) {
    EXPECT_FALSE(fs::exists(e["sentinel"].get<std::string>())) << "a payload ran!";
  }
}

TEST(BadFiles, ManifestCoversEveryFile) {
  json manifest = Manifest();
  std::set<std::string> listed;
  for (const auto& [rel, e] : manifest.items()) listed.insert(rel);
  std::size_t files = 0;
  for (const char* dir : {"malicious", "broken"}) {
    for (const auto& entry : fs::directory_iterator(DataDir() / dir)) {
      std::string rel = std::string(dir) + "/" + entry.path().filename().string();
      EXPECT_TRUE(listed.count(rel)) << rel << " has no expectation";
      ++files;
    }
  }
  EXPECT_EQ(files, listed.size());
  EXPECT_GE(files, 40u);
}

TEST(BadFiles, Malicious) {
  std::size_t n = 0;
  json manifest = Manifest();
  for (const auto& [rel, e] : manifest.items()) {
    if (!rel.starts_with("malicious/")) continue;
    CheckOne(rel, e);
    ++n;
  }
  EXPECT_GE(n, 20u);
}

TEST(BadFiles, Broken) {
  std::size_t n = 0;
  json manifest = Manifest();
  for (const auto& [rel, e] : manifest.items()) {
    if (!rel.starts_with("broken/")) continue;
    CheckOne(rel, e);
    ++n;
  }
  EXPECT_GE(n, 20u);
}

TEST(BadFiles, NoPayloadEverRan) {
  // Belt and braces after the per-file checks: no sentinel of any payload exists.
  json manifest = Manifest();
  for (const auto& [rel, e] : manifest.items()) {
    if (e.contains("sentinel")) {
      EXPECT_FALSE(fs::exists(e["sentinel"].get<std::string>())) << rel;
    }
  }
}

TEST(BadFiles, DeepNestingStaysIterative) {
  // The VM is iterative: deep nesting reads (or stops at a limit) without recursion. Deeper than
  // any file in tests/data, built here to avoid committing megabytes.
  std::string deep = std::string(1000000, '(') + std::string(1000000, 'l') + ".";
  try {
    ModelFile f = testing::Read(deep);
    const Value* v = f.graph.root;
    std::size_t depth = 0;
    while (v->kind == Kind::kList && !v->items.empty()) {
      v = v->items[0];
      ++depth;
    }
    EXPECT_EQ(depth, 999999u);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLimit) << e.Describe();
  }
}

// zlib stream of `mebibytes` MiB of zeros, built from one 1 MiB full-flush block repeated (a full
// flush resets the compressor, so every block is identical): quick to make, ~1 KiB per MiB.
std::string ZlibBomb(int mebibytes) {
  std::string zeros(1 << 20, '\0');
  std::string block(1 << 16, '\0'), tail(64, '\0');
  z_stream s{};
  EXPECT_EQ(deflateInit(&s, 9), Z_OK);
  std::string first(1 << 16, '\0');
  s.next_in = reinterpret_cast<Bytef*>(zeros.data());
  s.avail_in = static_cast<uInt>(zeros.size());
  s.next_out = reinterpret_cast<Bytef*>(first.data());
  s.avail_out = static_cast<uInt>(first.size());
  EXPECT_EQ(deflate(&s, Z_FULL_FLUSH), Z_OK);
  first.resize(first.size() - s.avail_out);
  // The same again: identical bytes, without the 2-byte header.
  s.next_in = reinterpret_cast<Bytef*>(zeros.data());
  s.avail_in = static_cast<uInt>(zeros.size());
  s.next_out = reinterpret_cast<Bytef*>(block.data());
  s.avail_out = static_cast<uInt>(block.size());
  EXPECT_EQ(deflate(&s, Z_FULL_FLUSH), Z_OK);
  block.resize(block.size() - s.avail_out);
  s.next_in = nullptr;
  s.avail_in = 0;
  s.next_out = reinterpret_cast<Bytef*>(tail.data());
  s.avail_out = static_cast<uInt>(tail.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  tail.resize(tail.size() - s.avail_out);
  deflateEnd(&s);
  EXPECT_EQ(first.substr(2), block);
  // Replace the trailer's Adler-32 (of 2 MiB) by the one of the whole output.
  uLong one = adler32(adler32(0, nullptr, 0), reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(zeros.size()));
  uLong total = one;
  for (int i = 1; i < mebibytes; ++i) total = adler32_combine(total, one, static_cast<z_off_t>(zeros.size()));
  tail.resize(tail.size() - 4);
  for (int k = 3; k >= 0; --k) tail += static_cast<char>((total >> (8 * k)) & 0xFF);
  std::string out = first;
  out.reserve(first.size() + block.size() * static_cast<std::size_t>(mebibytes) + tail.size());
  for (int i = 1; i < mebibytes; ++i) out += block;
  return out + tail;
}

TEST(BadFiles, ZlibBombStopsAtLimit) {
  std::string bomb = ZlibBomb(1024);  // 1 GiB of zeros
  EXPECT_LT(bomb.size(), 2u << 20);
  auto path = fs::temp_directory_path() / ("skbridge-zlib-bomb-" + std::to_string(::getpid()) + ".pkl.z");
  std::ofstream(path, std::ios::binary).write(bomb.data(), static_cast<std::streamsize>(bomb.size()));
  ReadOptions options;
  options.compute_sha256 = false;
  options.limits.decompress_factor = 10;
  options.limits.decompress_allowance = 1 << 20;
  auto start = std::chrono::steady_clock::now();
  Error e = testing::ExpectError([&] { ReadModelFile(path.string(), options); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fs::remove(path);
  EXPECT_EQ(e.code(), ErrorCode::kLimit) << e.Describe();
  EXPECT_LT(seconds, 2.0);
  EXPECT_EQ(e.file(), path.string());
}

TEST(BadFiles, ZlibBombIsValidZlib) {
  // The bomb is a real zlib stream (so the limit, not a format error, is what stops it): inflate a
  // small one completely and compare.
  std::string bomb = ZlibBomb(4);
  std::string out(4 << 20, '\1');
  uLongf len = static_cast<uLongf>(out.size());
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(bomb.data()),
                       static_cast<uLong>(bomb.size())),
            Z_OK);
  EXPECT_EQ(len, 4u << 20);
  EXPECT_EQ(out.find_first_not_of('\0'), std::string::npos);
}

}  // namespace
}  // namespace skbridge
