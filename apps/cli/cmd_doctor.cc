// skbridge doctor MODEL --target sklearn=X[,numpy=Y][,python=Z][,joblib=W] | requirements.txt [--json]
#include <cstdio>
#include <memory>

#include "commands.h"
#include "skbridge/compat.h"
#include "skbridge/reader.h"

namespace skbridge::cli {

Action SetupDoctor(CLI::App* sub) {
  struct Options {
    std::string model, target;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("MODEL", o->model, "pickle or joblib file")->required();
  sub->add_option("--target,-t", o->target, "sklearn=X[,numpy=Y][,python=Z][,joblib=W], or a requirements.txt / pip freeze file")
      ->required();
  sub->add_flag("--json", o->json, "print one JSON document");
  return [o]() {
    Target target = Target::Parse(o->target);
    ModelFile file = ReadModelFile(o->model);
    DoctorReport report = Doctor(file, target);
    std::fputs((o->json ? report.Json() : report.Text()).c_str(), stdout);
    return report.safe() ? kExitOk : kExitNotSafe;
  };
}

}  // namespace skbridge::cli
