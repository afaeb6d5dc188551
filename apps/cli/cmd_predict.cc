// skbridge predict MODEL --input FILE [--method NAME] [--output FILE] [--format csv|json|npy]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "commands.h"
#include "skbridge/error.h"
#include "skbridge/model.h"
#include "skbridge/table_io.h"

namespace skbridge::cli {

Action SetupPredict(CLI::App* sub) {
  struct Options {
    std::string model, input, method = "predict", output, format;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("MODEL", o->model, "pickle or joblib file")->required();
  sub->add_option("--input,-i", o->input, "rows to score: .csv (with a header), .npy, or .json (MLflow dataframe_split / dataframe_records / instances)")
      ->required();
  sub->add_option("--method,-m", o->method, "predict, predict_proba, predict_log_proba, decision_function, transform, score_samples, predict_std (BayesianRidge/ARDRegression: predict(X, return_std=True)[1])");
  sub->add_option("--output,-o", o->output, "write here instead of standard output");
  sub->add_option("--format,-f", o->format, "csv, json or npy (default: from --output's extension, else csv)")
      ->check(CLI::IsMember({"csv", "json", "npy"}));
  sub->add_flag("--force", o->force, "overwrite --output if it exists");
  return [o]() {
    auto method = ParseMethod(o->method);
    if (!method) throw Error::InvalidInput("unknown method '" + o->method + "'");
    std::string format = o->format;
    if (format.empty()) {
      std::string ext = std::filesystem::path(o->output).extension().string();
      format = ext == ".json" ? "json" : ext == ".npy" ? "npy" : "csv";
    }
    if (format == "npy" && o->output.empty()) throw Error::InvalidInput("--format npy needs --output FILE");
    if (!o->output.empty() && !o->force && std::filesystem::exists(o->output)) {
      throw Error::InvalidInput(o->output + " exists; pass --force to overwrite it");
    }
    auto model = Model::Load(o->model);
    Table input = ReadTableFile(o->input);
    Output out = model->Run(*method, input);
    std::string text = format == "json" ? FormatJson(out) : format == "npy" ? FormatNpy(out) : FormatCsv(out, *method);
    if (o->output.empty()) {
      std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
      std::ofstream f(o->output, std::ios::binary | std::ios::trunc);
      f.write(text.data(), static_cast<std::streamsize>(text.size()));
      if (!f) throw Error::Io(o->output + ": cannot write");
    }
    return kExitOk;
  };
}

}  // namespace skbridge::cli
