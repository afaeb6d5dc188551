// What each real scikit-learn environment can load, as measured in it (src/compat/data/, written by
// tools/compat/extract_knowledge.sh): the globals it resolves and the attributes each class's
// pickled state always holds. Parsed once, on first use; read-only afterwards (thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "skbridge/compat.h"

namespace skbridge::compat {

struct EnvKnowledge {
  Version sklearn, numpy, joblib, python;
  int max_protocol = 5;
  std::unordered_map<std::string, bool> resolves;  ///< "module.name" -> importable there
  std::unordered_map<std::string, std::unordered_set<std::string>> state_keys;  ///< class -> keys
  /// An attribute this version's methods were measured to read (AttributeError when absent).
  struct Read {
    std::unordered_set<std::string> methods;  ///< the class's methods that read it; "*": any (seen only nested)
    std::optional<Version> first_writer;      ///< the oldest writing version whose files hit it
    bool ReadBy(const std::unordered_set<std::string>& asked) const;  ///< asked holds "*" for every method
  };
  /// class name (no module) -> attributes this version's methods were measured to read
  std::unordered_map<std::string, std::unordered_set<std::string>> predict_reads;
  /// class name (no module) -> attribute -> which methods read it (same keys as predict_reads)
  std::unordered_map<std::string, std::unordered_map<std::string, Read>> read_by;
};

const std::vector<EnvKnowledge>& KnownEnvironments();
/// The measured environment with exactly this scikit-learn version, or nullptr.
const EnvKnowledge* FindEnvironment(const Version& sklearn);

/// The highest pickle protocol a Python version reads.
int MaxProtocolFor(const Version& python);

}  // namespace skbridge::compat
