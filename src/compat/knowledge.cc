#include "compat/knowledge.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace skbridge::compat {

const std::vector<std::string_view>& EmbeddedKnowledge();  // knowledge_data.cc (generated)

const std::vector<EnvKnowledge>& KnownEnvironments() {
  static const std::vector<EnvKnowledge> envs = [] {
    std::vector<EnvKnowledge> out;
    std::vector<nlohmann::json> reads;
    for (std::string_view text : EmbeddedKnowledge()) {
      auto j = nlohmann::json::parse(text);
      if (j.value("kind", "environment") == "predict-reads") {
        reads.push_back(std::move(j));
        continue;
      }
      EnvKnowledge e;
      e.sklearn = *Version::Parse(j["sklearn"].get<std::string>());
      e.numpy = *Version::Parse(j["numpy"].get<std::string>());
      e.joblib = *Version::Parse(j["joblib"].get<std::string>());
      e.python = *Version::Parse(j["python"].get<std::string>());
      e.max_protocol = j["max_pickle_protocol"];
      for (auto& [k, v] : j["resolves"].items()) e.resolves.emplace(k, v.get<bool>());
      for (auto& [k, v] : j["state_keys"].items()) {
        auto& keys = e.state_keys[k];
        for (const auto& key : v) keys.insert(key.get<std::string>());
      }
      out.push_back(std::move(e));
    }
    for (const auto& r : reads) {
      for (auto& e : out) {
        auto it = r["reads"].find(e.sklearn.Str());
        if (it == r["reads"].end()) continue;
        for (auto& [cls, attrs] : it->items()) {
          for (auto& [attr, how] : attrs.items()) {
            e.predict_reads[cls].insert(attr);
            auto& read = e.read_by[cls][attr];
            for (const auto& m : how["methods"]) read.methods.insert(m.get<std::string>());
            for (const auto& w : how["writers"]) {
              auto v = Version::Parse(w.get<std::string>());
              if (v && (!read.first_writer || *v < *read.first_writer)) read.first_writer = v;
            }
          }
        }
      }
    }
    std::sort(out.begin(), out.end(), [](const EnvKnowledge& a, const EnvKnowledge& b) { return a.sklearn < b.sklearn; });
    return out;
  }();
  return envs;
}

bool EnvKnowledge::Read::ReadBy(const std::unordered_set<std::string>& asked) const {
  if (asked.count("*") || methods.count("*")) return !asked.empty();
  for (const auto& m : asked) {
    if (methods.count(m)) return true;
  }
  return false;
}

std::string MeasuredVersions() {
  std::string known;
  for (const auto& e : KnownEnvironments()) known += (known.empty() ? "" : ", ") + e.sklearn.Str();
  return known;
}

const EnvKnowledge* FindEnvironment(const Version& sklearn) {
  for (const auto& e : KnownEnvironments()) {
    if (e.sklearn == sklearn) return &e;
  }
  return nullptr;
}

namespace {

std::vector<std::string> ModuleParts(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    std::string part(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!part.empty() && part[0] == '_') part.erase(0, 1);
    out.push_back(std::move(part));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string ClosestPath(const EnvKnowledge& env, std::string_view module, std::string_view name) {
  std::string best;
  int best_score = -1;
  std::string top(module.substr(0, module.find('.')));
  const auto want = ModuleParts(module);
  for (const auto& [p, ok] : env.resolves) {
    if (!ok || p.size() <= name.size() + 1 || !p.ends_with(name) || p[p.size() - name.size() - 1] != '.') continue;
    if (!p.starts_with(top + ".")) continue;
    auto have = ModuleParts(std::string_view(p).substr(0, p.size() - name.size() - 1));
    int score = 0;
    while (score < static_cast<int>(std::min(want.size(), have.size())) && want[score] == have[score]) ++score;
    if (score > best_score || (score == best_score && p < best)) {
      best = p;
      best_score = score;
    }
  }
  return best;
}

}  // namespace

std::string TargetPathFor(const EnvKnowledge& env, std::string_view module, std::string_view name) {
  std::string best = ClosestPath(env, module, name);
  if (best.empty() && module.ends_with("._dist_metrics")) {
    if (name.ends_with("Distance64")) best = ClosestPath(env, module, name.substr(0, name.size() - 2));
    else if (name.ends_with("Distance")) best = ClosestPath(env, module, std::string(name) + "64");
  }
  return best;
}

bool PortReplaces(std::string_view module, std::string_view name) {
  if (module.ends_with("numpy_pickle") && name.ends_with("ArrayWrapper")) return true;  // (Z)NDArrayWrapper, NumpyArrayWrapper
  // loss objects (gradient boosting, GLMs): port builds the target's own from the source's kind (or refuses then)
  if (module == "sklearn.ensemble._gb_losses" || module == "sklearn._loss.loss" || module == "sklearn._loss._loss" ||
      module == "sklearn._loss.link" || module == "sklearn.ensemble._hist_gradient_boosting.loss" ||
      module == "sklearn._loss.glm_distribution" || module == "sklearn.linear_model._glm.link") {  // GLM families and links
    return true;
  }
  return module == "sklearn.compose._column_transformer" && name == "_RemainderColsList";
}

int MaxProtocolFor(const Version& python) {
  if (python.major < 3) return 2;
  if (python.minor < 4) return 3;
  if (python.minor < 8) return 4;
  return 5;
}

}  // namespace skbridge::compat
