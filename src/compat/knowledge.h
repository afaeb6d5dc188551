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
/// "0.23.2, 1.2.1, ...": the scikit-learn versions of the measured environments, for messages.
std::string MeasuredVersions();
/// The measured environment with exactly this scikit-learn version, or nullptr.
const EnvKnowledge* FindEnvironment(const Version& sklearn);

/// Where the target holds the class or function the file names as module.name: the full path of
/// the same name under the closest module (shared leading components, ignoring a leading '_'),
/// or of its renamed successor (scikit-learn 1.3's EuclideanDistance -> EuclideanDistance64 and
/// back: the same pickled state); empty when the target has neither.
std::string TargetPathFor(const EnvKnowledge& env, std::string_view module, std::string_view name);

/// Globals that `skbridge port` replaces whatever the target holds: joblib's array wrappers (the
/// reader turns them into arrays, the writer writes the target's container), gradient-boosting
/// loss objects (rebuilt as the target's) and scikit-learn 1.5-1.6's _RemainderColsList (rewritten
/// as a plain list).
bool PortReplaces(std::string_view module, std::string_view name);

/// The highest pickle protocol a Python version reads.
int MaxProtocolFor(const Version& python);

}  // namespace skbridge::compat
