#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "compat/rules.h"
#include "pickle/walk.h"
#include "skbridge/compat.h"

namespace skbridge {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kLoadFails: return "load-fails";
    case Verdict::kPredictFails: return "predict-fails";
    case Verdict::kPredictsDifferently: return "predicts-differently";
    case Verdict::kUnverified: return "unverified";
    case Verdict::kOk: return "ok";
  }
  return "?";
}

DoctorReport Doctor(const ModelFile& file, const Target& target) {
  using compat::CheckContext;
  CheckContext ctx{file, target, target.sklearn ? compat::FindEnvironment(*target.sklearn) : nullptr, {}, {}, {}};
  WalkObjects(file.graph.root, Limits{}.max_depth, [&](const std::string& path, const Value& v) {
    ctx.objects.push_back({path, &v, v.GlobalPath()});
    const Value* state = v.State();
    const Value* ver = state && state->kind == Kind::kDict ? state->Get("_sklearn_version") : nullptr;
    if (ver && ver->is_text()) {
      auto parsed = Version::Parse(ver->text);
      if (parsed && (!ctx.source || *parsed < *ctx.source)) ctx.source = parsed;
    }
  });
  ctx.port_hint = fmt::format("skbridge port {} --target {} -o OUT", file.path, target.Str());
  if (!ctx.env) {
    // port only writes for a measured target: say so rather than suggest a command that refuses
    ctx.port_hint = fmt::format("no port for scikit-learn {}: skbridge port writes only for the measured versions ({})",
                                target.sklearn ? target.sklearn->Str() : "?", compat::MeasuredVersions());
  }
  DoctorReport report;
  report.target = target;
  for (const auto& rule : compat::Rules()) rule.check(ctx, &report.findings);
  if (!ctx.env) {
    Finding f;
    f.verdict = Verdict::kUnverified;
    f.path = "file";
    f.message = fmt::format("scikit-learn {} is not one of the measured environments ({}): only version-independent checks ran",
                            target.sklearn ? target.sklearn->Str() : "?", compat::MeasuredVersions());
    report.findings.push_back(f);
  }
  for (const auto& f : report.findings) {
    if (static_cast<int>(f.verdict) < static_cast<int>(report.verdict)) report.verdict = f.verdict;
  }
  // Unverified findings about single globals are noise next to a failure; keep them only when
  // nothing worse was found.
  if (report.verdict != Verdict::kUnverified && report.verdict != Verdict::kOk) {
    std::erase_if(report.findings, [](const Finding& f) { return f.verdict == Verdict::kUnverified && f.path == "file" && f.change.empty(); });
  }
  return report;
}

std::string DoctorReport::Json() const {
  nlohmann::ordered_json j;
  j["schema"] = "skbridge.doctor/1";
  j["target"] = target.Str();
  j["assumptions"] = target.assumptions;
  j["verdict"] = VerdictName(verdict);
  j["safe"] = safe();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& f : findings) {
    list.push_back({{"verdict", VerdictName(f.verdict)}, {"path", f.path}, {"change", f.change}, {"message", f.message}, {"fix", f.fix},
                    {"portable", f.portable}});
  }
  j["findings"] = list;
  return j.dump(2) + "\n";
}

std::string DoctorReport::Text() const {
  std::string s = fmt::format("target      {}\n", target.Str());
  for (const auto& a : assumptions_text()) s += a;
  s += fmt::format("verdict     {}\n", safe() ? (verdict == Verdict::kOk ? "safe: loads and predicts the same" : "probably safe (some checks unverified)")
                                              : VerdictName(verdict));
  for (const auto& f : findings) {
    s += fmt::format("\n  [{}] {}\n      {}\n", VerdictName(f.verdict), f.path, f.message);
    if (!f.change.empty()) s += fmt::format("      cause: {}\n", f.change);
    if (!f.fix.empty()) s += fmt::format("      fix:   {}\n", f.fix);
  }
  return s;
}

}  // namespace skbridge
