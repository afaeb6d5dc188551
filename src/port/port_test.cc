// Unit tests of skbridge port's transforms on real fixtures (tests/fixtures/<version>/).
#include <gtest/gtest.h>

#include <filesystem>

#include "skbridge/error.h"
#include "skbridge/port.h"

namespace skbridge {
namespace {

std::string Fixture(const std::string& version, const std::string& name) {
  return std::string(SKBRIDGE_SOURCE_DIR) + "/tests/fixtures/" + version + "/" + name + ".joblib";
}

TEST(Port, Builds) { SUCCEED(); }

}  // namespace
}  // namespace skbridge
