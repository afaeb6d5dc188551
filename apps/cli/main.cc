// skbridge: the command-line front end. A thin layer over the library: parse, call, print, and map
// skbridge::Error codes to exit statuses (README.md, "Exit codes").
#include <cstdio>

#include "commands.h"
#include "skbridge/error.h"

namespace skbridge::cli {
namespace {

constexpr Command kCommands[] = {
    {"inspect", "show what a model file holds: estimators, versions, protocol, hashes, globals", &SetupInspect},
    {"predict", "run a model natively on rows from a CSV, .npy or JSON file", &SetupPredict},
    {"doctor", "will this file load and predict the same in another scikit-learn/numpy/Python? why not?", &SetupDoctor},
    {"port", "rewrite a model so another scikit-learn/numpy/Python/joblib loads it and predicts the same", &SetupPort},
};

int ExitFor(const Error& e) { return e.code() == ErrorCode::kUnsafe ? kExitUnsafe : kExitError; }

}  // namespace
}  // namespace skbridge::cli

int main(int argc, char** argv) {
  using namespace skbridge::cli;
  CLI::App app{"skbridge: read, check, run and port scikit-learn models without Python"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "skbridge 0.1.0");
  std::vector<std::pair<CLI::App*, Action>> actions;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    actions.emplace_back(sub, c.setup(sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitError;
  }
  for (auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    try {
      return action();
    } catch (const skbridge::Error& e) {
      std::fprintf(stderr, "skbridge %s: %s\n", sub->get_name().c_str(), e.Describe().c_str());
      return ExitFor(e);
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "skbridge %s: out of memory\n", sub->get_name().c_str());
      return kExitError;
    } catch (const std::exception& e) {
      // A bug of ours, not the user's: say so plainly rather than abort.
      std::fprintf(stderr, "skbridge %s: internal error: %s\n", sub->get_name().c_str(), e.what());
      return kExitError;
    }
  }
  return kExitError;
}
