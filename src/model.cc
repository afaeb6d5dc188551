// Model: load -> decode through the registry -> run, plus the small value types of model.h.
#include <fmt/format.h>

#include <cmath>
#include <unordered_map>

#include "estimators/estimator.h"
#include "skbridge/model.h"

namespace skbridge {

const char* MethodName(Method m) {
  switch (m) {
    case Method::kPredict: return "predict";
    case Method::kPredictProba: return "predict_proba";
    case Method::kPredictLogProba: return "predict_log_proba";
    case Method::kDecisionFunction: return "decision_function";
    case Method::kTransform: return "transform";
    case Method::kScoreSamples: return "score_samples";
    case Method::kPredictStd: return "predict_std";
  }
  return "?";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (Method m : kAllMethods) {
    if (name == MethodName(m)) return m;
  }
  return std::nullopt;
}

std::size_t Labels::size() const {
  switch (type) {
    case Type::kInt:
    case Type::kBool: return ints.size();
    case Type::kFloat: return floats.size();
    case Type::kString: return strings.size();
  }
  return 0;
}

std::string Labels::Text(std::size_t i) const {
  switch (type) {
    case Type::kInt: return std::to_string(ints[i]);
    case Type::kBool: return ints[i] ? "True" : "False";
    case Type::kFloat: {
      std::string s = fmt::format("{}", floats[i]);
      return s;
    }
    case Type::kString: return strings[i];
  }
  return {};
}

Labels Labels::Take(const std::vector<std::size_t>& indices) const {
  Labels out;
  out.type = type;
  for (std::size_t i : indices) {
    switch (type) {
      case Type::kInt:
      case Type::kBool: out.ints.push_back(ints[i]); break;
      case Type::kFloat: out.floats.push_back(floats[i]); break;
      case Type::kString: out.strings.push_back(strings[i]); break;
    }
  }
  return out;
}

Table Table::Dense(std::size_t rows, std::size_t cols, std::vector<double> values, std::vector<std::string> names) {
  Table t;
  t.rows = rows;
  t.cols = cols;
  t.dense = std::move(values);
  t.names = std::move(names);
  return t;
}

Table Table::ToDense() const {
  if (is_dense()) return *this;
  Table t;
  t.rows = rows;
  t.cols = cols;
  t.names = names;
  t.dense.resize(rows * cols);
  for (std::size_t c = 0; c < cols; ++c) {
    const Column& col = columns[c];
    if (col.is_string) {
      for (std::size_t r = 0; r < rows; ++r) {
        if (!col.missing.empty() && col.missing[r]) {
          t.dense[r * cols + c] = std::nan("");
          continue;
        }
        throw Error::InvalidInput(fmt::format("column '{}' (#{}) row {}: '{}' is text where a number is needed", col.name, c + 1,
                                              r + 1, col.strings[r]));
      }
    } else {
      for (std::size_t r = 0; r < rows; ++r) t.dense[r * cols + c] = col.numbers[r];
    }
  }
  return t;
}

Column Table::GetColumn(std::size_t c) const {
  if (!is_dense()) return columns[c];
  Column col;
  col.name = c < names.size() ? names[c] : "";
  col.numbers.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) col.numbers[r] = dense[r * cols + c];
  return col;
}

Table Table::Select(const std::vector<std::size_t>& indices) const {
  Table t;
  t.rows = rows;
  t.cols = indices.size();
  for (std::size_t i : indices) {
    if (!names.empty()) t.names.push_back(names[i]);
  }
  if (is_dense()) {
    t.dense.resize(rows * t.cols);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < indices.size(); ++k) t.dense[r * t.cols + k] = dense[r * cols + indices[k]];
    }
  } else {
    bool any_text = false;
    for (std::size_t i : indices) any_text |= columns[i].is_string;
    for (std::size_t i : indices) t.columns.push_back(columns[i]);
    if (!any_text) t = t.ToDense(), t.columns.clear();
  }
  return t;
}

Model::~Model() = default;

std::shared_ptr<const Model> Model::Load(const std::string& path, const ReadOptions& options) {
  try {
    return FromFile(ReadModelFile(path, options));
  } catch (Error& e) {
    e.InFile(path);
    throw;
  }
}

std::shared_ptr<const Model> Model::FromFile(ModelFile file) {
  std::shared_ptr<Model> m(new Model());
  m->file_ = std::make_shared<const ModelFile>(std::move(file));
  const Value* root = m->file_->graph.root;
  std::string name = "model";
  if (const Value* cls = root->Class()) {
    name.clear();
    for (char c : cls->name) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  est::DecodeContext ctx(*m->file_);
  m->root_ = ctx.Decode(*root, name);
  m->class_path_ = m->root_->class_path;
  return m;
}

std::vector<Method> Model::methods() const {
  std::vector<Method> out;
  for (Method mm : kAllMethods) {
    if (root_->Has(mm)) out.push_back(mm);
  }
  return out;
}

bool Model::Has(Method m) const { return root_->Has(m); }
const InputSpec& Model::input() const { return root_->input; }
const std::optional<Labels>& Model::classes() const { return root_->classes; }
const std::string& Model::class_path() const { return class_path_; }

Output Model::Run(Method method, const Table& input) const {
  if (!root_->Has(method)) {
    std::string have;
    for (Method m : methods()) have += (have.empty() ? "" : ", ") + std::string(MethodName(m));
    throw Error::InvalidInput(fmt::format("{} has no method {} (it has: {})", class_path_, MethodName(method), have));
  }
  const InputSpec& spec = root_->input;
  // Match columns by name when both sides have names; else by position.
  if (!spec.feature_names.empty() && !input.names.empty() && input.names == spec.feature_names) {
    return root_->Run(method, input);  // the fitted columns in the fitted order (the common case)
  }
  if (!spec.feature_names.empty() && !input.names.empty()) {
    std::unordered_map<std::string, std::size_t> where;
    for (std::size_t i = 0; i < input.names.size(); ++i) where.emplace(input.names[i], i);
    std::vector<std::size_t> order;
    std::vector<std::string> missing;
    for (const auto& n : spec.feature_names) {
      auto it = where.find(n);
      if (it == where.end()) missing.push_back(n);
      else order.push_back(it->second);
    }
    if (!missing.empty()) {
      std::string list;
      for (std::size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + ("'" + missing[i] + "'");
      if (missing.size() > 8) list += fmt::format(" and {} more", missing.size() - 8);
      throw Error::InvalidInput(fmt::format("input lacks {} column(s) the model was fitted on: {}", missing.size(), list));
    }
    if (order.size() != input.cols) {
      std::vector<bool> used(input.cols, false);
      for (auto i : order) used[i] = true;
      std::string extra;
      for (std::size_t i = 0; i < input.cols; ++i) {
        if (!used[i]) extra += (extra.empty() ? "" : ", ") + ("'" + input.names[i] + "'");
      }
      throw Error::InvalidInput(fmt::format("input has column(s) the model was not fitted on: {}", extra));
    }
    bool identity = true;
    for (std::size_t i = 0; i < order.size(); ++i) identity = identity && order[i] == i;
    return root_->Run(method, identity ? input : input.Select(order));
  }
  if (spec.n_features && input.cols != spec.n_features) {
    throw Error::InvalidInput(fmt::format("the model expects {} columns, the input has {}", spec.n_features, input.cols));
  }
  return root_->Run(method, input);
}

}  // namespace skbridge
