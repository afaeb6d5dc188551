#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compat/knowledge.h"
#include "skbridge/compat.h"
#include "skbridge/error.h"

namespace skbridge {

std::optional<Version> Version::Parse(std::string_view text) {
  Version v;
  int* parts[3] = {&v.major, &v.minor, &v.patch};
  std::size_t i = 0;
  for (int k = 0; k < 3; ++k) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (k == 0) return std::nullopt;
      break;
    }
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), *parts[k]);
    if (ec != std::errc()) return std::nullopt;
    i = static_cast<std::size_t>(p - text.data());
    if (i < text.size() && text[i] == '.') ++i;
    else break;
  }
  return v;  // trailing text such as ".post1" or "rc1" is ignored
}

std::string Version::Str() const { return fmt::format("{}.{}.{}", major, minor, patch); }

namespace {

void Set(Target* t, std::string key, std::string_view value, const std::string& source) {
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto v = Version::Parse(value);
  if (!v) throw Error::InvalidInput(fmt::format("{}: '{}' is not a version for {}", source, value, key));
  if (key == "sklearn" || key == "scikit-learn" || key == "scikit_learn") t->sklearn = v;
  else if (key == "numpy") t->numpy = v;
  else if (key == "python") t->python = v;
  else if (key == "joblib") t->joblib = v;
  // other packages (scipy, pandas ...) do not change how the model file loads; ignored
}

}  // namespace

Target Target::Parse(const std::string& spec) {
  Target t;
  std::error_code ec;
  if (std::filesystem::is_regular_file(spec, ec)) {
    // requirements.txt / pip freeze: "name==version" lines; comments and other specifiers ignored.
    std::ifstream in(spec);
    std::string line;
    while (std::getline(in, line)) {
      auto hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      auto eq = line.find("==");
      if (eq == std::string::npos) continue;
      std::string name = line.substr(0, eq);
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
      auto bracket = name.find('[');
      if (bracket != std::string::npos) name.resize(bracket);
      std::string value = line.substr(eq + 2);
      value.erase(0, value.find_first_not_of(" \t"));
      auto end = value.find_first_of(" ;\t\r");
      if (end != std::string::npos) value.resize(end);
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "scikit-learn" || lower == "numpy" || lower == "joblib" || lower == "python") Set(&t, lower, value, spec);
    }
    if (!t.sklearn) throw Error::InvalidInput(fmt::format("{}: no scikit-learn==VERSION line", spec));
  } else {
    std::stringstream ss(spec);
    std::string item;
    while (std::getline(ss, item, ',')) {
      auto eq = item.find('=');
      if (eq == std::string::npos) throw Error::InvalidInput(fmt::format("--target: expected NAME=VERSION, got '{}'", item));
      std::string value = item.substr(eq + 1);
      if (!value.empty() && value[0] == '=') value.erase(0, 1);
      Set(&t, item.substr(0, eq), value, "--target");
    }
    if (!t.sklearn) throw Error::InvalidInput("--target: sklearn=VERSION is required");
  }
  // Fill what is missing from a measured reference environment with the same scikit-learn.
  if (const auto* env = compat::FindEnvironment(*t.sklearn)) {
    auto fill = [&](std::optional<Version>& field, const Version& v, const char* name) {
      if (!field) {
        field = v;
        t.assumptions.push_back(fmt::format("{}={} (as in the measured scikit-learn {} environment)", name, v.Str(), t.sklearn->Str()));
      }
    };
    fill(t.numpy, env->numpy, "numpy");
    fill(t.python, env->python, "python");
    fill(t.joblib, env->joblib, "joblib");
  }
  return t;
}

std::string Target::Str() const {
  std::string s = "sklearn=" + (sklearn ? sklearn->Str() : "?");
  if (numpy) s += ",numpy=" + numpy->Str();
  if (python) s += ",python=" + python->Str();
  if (joblib) s += ",joblib=" + joblib->Str();
  return s;
}

}  // namespace skbridge
