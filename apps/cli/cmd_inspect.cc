// skbridge inspect MODEL [--json]: what the file holds, without running it.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "skbridge/inspect.h"
#include "skbridge/reader.h"

namespace skbridge::cli {

Action SetupInspect(CLI::App* sub) {
  struct Options {
    std::string model;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("MODEL", o->model, "pickle or joblib file")->required();
  sub->add_flag("--json", o->json, "print one JSON document (schema: docs/inspect-json.md)");
  return [o]() {
    ModelFile file = ReadModelFile(o->model);
    InspectReport report = Inspect(file);
    std::fputs((o->json ? report.json + "\n" : report.text).c_str(), stdout);
    return report.has_dangerous_globals || report.has_unknown_globals ? kExitUnsafe : kExitOk;
  };
}

}  // namespace skbridge::cli
