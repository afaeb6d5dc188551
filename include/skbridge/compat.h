// skbridge/compat.h — will this model load and predict the same in another environment?
//
// Doctor() checks every object of a ModelFile against what a target environment (scikit-learn,
// numpy, Python, joblib versions) can read: the pickle protocol its Python reads, the numpy module
// paths it has (numpy.core vs numpy._core), joblib's container format, whether each class exists at
// the module path the file names, state layouts (tree nodes), attributes the target's predict reads,
// and known silent behaviour changes. The knowledge is data (what each real scikit-learn version
// resolves and stores, src/compat/data/) plus rules by family (src/compat/rules.cc).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "skbridge/reader.h"

namespace skbridge {

struct Version {
  int major = 0, minor = 0, patch = 0;
  static std::optional<Version> Parse(std::string_view text);
  std::string Str() const;
  auto operator<=>(const Version&) const = default;
};

/// The environment a file should work in. Unset fields are inferred when the scikit-learn version
/// matches a known reference environment, and otherwise stay unknown (checks that need them are
/// reported as unverified).
struct Target {
  std::optional<Version> sklearn, numpy, python, joblib;
  std::vector<std::string> assumptions;  ///< what was inferred, for the report
  /// "sklearn=1.2.1,numpy=1.24.2,python=3.11" or the path of a requirements.txt / pip freeze file.
  static Target Parse(const std::string& spec);
  std::string Str() const;
};

enum class Verdict : std::uint8_t {
  kLoadFails,         ///< plain pickle.load / joblib.load raises
  kPredictFails,      ///< it loads, but predict (or another method) raises
  kPredictsDifferently,  ///< it loads and runs, with different numbers: the silent case
  kUnverified,        ///< skbridge lacks the knowledge to tell (unknown version or class)
  kOk,
};
const char* VerdictName(Verdict v);

struct Finding {
  Verdict verdict = Verdict::kOk;
  std::string path;    ///< the object it concerns ("pipeline.steps[1].clf"), or "file"
  std::string change;  ///< the version change responsible ("scikit-learn 1.3: tree nodes gained missing_go_to_left")
  std::string message;
  std::string fix;     ///< e.g. "skbridge port MODEL --target sklearn=1.2.1 -o OUT"
  bool portable = true;  ///< whether `skbridge port` can repair it
};

struct DoctorReport {
  Target target;
  Verdict verdict = Verdict::kOk;  ///< the worst finding
  std::vector<Finding> findings;
  bool safe() const { return verdict == Verdict::kOk || verdict == Verdict::kUnverified; }
  std::string Json() const;
  std::string Text() const;

 private:
  std::vector<std::string> assumptions_text() const {
    std::vector<std::string> out;
    for (const auto& a : target.assumptions) out.push_back("assumed     " + a + "\n");
    return out;
  }
};

DoctorReport Doctor(const ModelFile& file, const Target& target);

}  // namespace skbridge
