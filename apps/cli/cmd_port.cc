// skbridge port MODEL --target sklearn=X[,numpy=Y][,python=Z][,joblib=W] -o OUT [--format pickle|joblib] [--force]
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "skbridge/error.h"
#include "skbridge/port.h"
#include "skbridge/reader.h"
#include "skbridge/writer.h"

namespace skbridge::cli {

Action SetupPort(CLI::App* sub) {
  struct Options {
    std::string model, target, out, format = "joblib";
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("MODEL", o->model, "pickle or joblib file")->required();
  sub->add_option("--target,-t", o->target, "sklearn=X[,numpy=Y][,python=Z][,joblib=W], or a requirements.txt / pip freeze file")
      ->required();
  sub->add_option("--output,-o", o->out, "the ported file")->required();
  sub->add_option("--format", o->format, "pickle (plain pickle.load) or joblib (joblib.load; the default)")
      ->check(CLI::IsMember({"pickle", "joblib"}));
  sub->add_flag("--force", o->force, "replace an existing OUT (never the input)");
  return [o]() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(o->out, ec) && fs::exists(o->model, ec) && fs::equivalent(o->out, o->model, ec)) {
      std::fprintf(stderr, "skbridge port: refusing to overwrite the input %s\n", o->model.c_str());
      return kExitError;
    }
    if (fs::exists(o->out, ec) && !o->force) {
      std::fprintf(stderr, "skbridge port: %s exists (use --force to replace it)\n", o->out.c_str());
      return kExitError;
    }
    Target target = Target::Parse(o->target);
    ModelFile file = ReadModelFile(o->model);
    PortOptions options;
    options.format = o->format == "pickle" ? WriteOptions::Format::kPickle : WriteOptions::Format::kJoblib;
    PortReport report;
    try {
      report = Port(file, target, options);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kUnsupported) throw;
      std::fprintf(stderr, "skbridge port: refused: %s\n", e.message().c_str());
      return kExitError;
    }
    WriteModelFile(o->out, file.graph, file.graph.root, report.write);
    std::fputs(report.Text().c_str(), stdout);
    std::printf("wrote       %s\n", o->out.c_str());
    return kExitOk;
  };
}

}  // namespace skbridge::cli
