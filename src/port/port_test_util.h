// Helpers shared by the port tests (port_test.cc, port_families_test.cc): real fixtures
// (tests/fixtures/<version>/), the changes a port reports, and the reason it refuses.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "skbridge/error.h"
#include "skbridge/port.h"

namespace skbridge::testing {

inline ModelFile Read(const std::string& version, const std::string& name) {
  return ReadModelFile(std::string(SKBRIDGE_SOURCE_DIR) + "/tests/fixtures/" + version + "/" + name + ".joblib");
}

inline bool Has(const PortReport& r, std::string_view text) {
  for (const auto& c : r.changes) {
    if (c.what.find(text) != std::string::npos) return true;
  }
  return false;
}

inline std::string Refusal(ModelFile& f, const std::string& target) {
  try {
    Port(f, Target::Parse(target));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.message();
    return e.message();
  }
  return "";
}

}  // namespace skbridge::testing
