// The doctor's rules: one function per kind of version change, listed in one table (rules.cc).
#pragma once

#include <string>
#include <vector>

#include "compat/knowledge.h"
#include "skbridge/compat.h"
#include "skbridge/value.h"

namespace skbridge::compat {

struct ObjectRef {
  std::string path;
  const Value* object;
  std::string class_path;
};

/// What every rule sees.
struct CheckContext {
  const ModelFile& file;
  const Target& target;
  const EnvKnowledge* env;             ///< measured knowledge of the target, or nullptr
  std::vector<ObjectRef> objects;      ///< every object of the file, parents first
  std::optional<Version> source;       ///< the scikit-learn version that wrote the file (oldest recorded)
  std::string port_hint;               ///< "skbridge port MODEL --target ... -o OUT"
};

using Rule = void (*)(const CheckContext& ctx, std::vector<Finding>* out);

struct RuleEntry {
  const char* name;
  const char* what;
  Rule check;
};

const std::vector<RuleEntry>& Rules();

/// A fitted estimator's state holds attributes ending in '_' (coef_, classes_ ...); an estimator
/// kept only as a hyper-parameter (Stacking's `estimators`, a search's `estimator`) holds none.
bool IsFitted(const Value& state);

}  // namespace skbridge::compat
