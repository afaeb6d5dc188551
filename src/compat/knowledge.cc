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

const EnvKnowledge* FindEnvironment(const Version& sklearn) {
  for (const auto& e : KnownEnvironments()) {
    if (e.sklearn == sklearn) return &e;
  }
  return nullptr;
}

int MaxProtocolFor(const Version& python) {
  if (python.major < 3) return 2;
  if (python.minor < 4) return 3;
  if (python.minor < 8) return 4;
  return 5;
}

}  // namespace skbridge::compat
