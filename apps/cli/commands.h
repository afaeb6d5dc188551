// The skbridge command table. Each command lives in cmd_<name>.cc and registers its options on a
// CLI11 sub-app; `Run` is called after parsing. Exit codes are documented in README.md.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace skbridge::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitNotSafe = 1,   ///< doctor: the file will not load or predict the same in the target
  kExitError = 2,     ///< bad file, bad input, unsupported model, usage error
  kExitUnsafe = 3,    ///< the file references globals outside the data-only allowlist
};

using Action = std::function<int()>;

struct Command {
  const char* name;
  const char* summary;
  Action (*setup)(CLI::App* sub);  ///< adds options; returns what to run once parsed
};

Action SetupInspect(CLI::App* sub);
Action SetupPredict(CLI::App* sub);
Action SetupDoctor(CLI::App* sub);
Action SetupPort(CLI::App* sub);

}  // namespace skbridge::cli
