// Meta-ensembles of heterogeneous estimators: VotingClassifier / VotingRegressor (0.20+; the
// regressor from 0.21) and StackingClassifier / StackingRegressor (0.22+). Their sub-estimators are
// decoded through the registry; these classes only combine their outputs with scikit-learn's
// arithmetic:
//   * np.average over estimators reduces an outer (non-contiguous) axis, i.e. a sequential sum in
//     estimator order, divided by the number of estimators or by numpy's (pairwise) sum of weights;
//   * hard voting: np.bincount of the encoded predictions (weighted or counts), first maximum;
//   * classifiers' sub-estimators were fitted on label-encoded targets (le_ / _le / _label_encoder),
//     so their predictions are class indices and the ensemble maps them back through classes_;
//   * stacking: the meta-features are the sub-estimators' outputs (stack_method_) side by side, a
//     binary problem's predict_proba losing its first column, then X itself when passthrough.
#include <algorithm>
#include <cmath>

#include "estimators/boosting_util.h"
#include "estimators/estimator.h"
#include "kernels/tree.h"

namespace skbridge::est {
namespace {

bool IsDropped(const Value& v) { return v.is_none() || (v.is_text() && v.text == "drop"); }

std::vector<const Value*> ListItems(const Fields& f, std::string_view name) {
  const Value& v = f.Get(name);
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) return v.items;
  if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject) return v.array->objects;
  f.Fail(name, fmt::format("expected a list, found {}", v.Repr(40)));
}

// Fitted sub-estimators (entries that are 'drop' are kept as nullptr).
std::vector<std::shared_ptr<const Estimator>> DecodeList(Fields& f, std::string_view name) {
  auto items = ListItems(f, name);
  if (items.empty()) f.Fail(name, "is empty: the model is not fitted");
  std::vector<std::shared_ptr<const Estimator>> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.push_back(IsDropped(*items[i]) ? nullptr : f.ctx().Decode(*items[i], fmt::format("{}[{}]", f.At(name), i)));
  }
  return out;
}

// The weights of the estimators that were not dropped (VotingClassifier._weights_not_none).
std::optional<std::vector<double>> ReadWeights(Fields& f, std::size_t n_fitted) {
  if (f.IsNone("weights")) return std::nullopt;
  std::vector<double> w = f.Doubles("weights");
  auto params = ListItems(f, "estimators");
  if (w.size() != params.size()) f.Fail("weights", fmt::format("has {} weights for {} estimators", w.size(), params.size()));
  std::vector<double> kept;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Value* p = params[i];
    bool dropped = (p->kind == Kind::kTuple || p->kind == Kind::kList) && p->items.size() == 2 && IsDropped(*p->items[1]);
    if (!dropped) kept.push_back(w[i]);
  }
  if (kept.size() != n_fitted) f.Fail("weights", fmt::format("has {} weights for {} fitted estimators", kept.size(), n_fitted));
  return kept;
}

// A numeric column per row from an output: numbers, or labels that are class indices.
std::vector<double> OutputNumbers(const Output& o, const std::string& who) {
  if (!o.labels) return o.values;
  const Labels& l = *o.labels;
  std::vector<double> v(l.size());
  for (std::size_t i = 0; i < l.size(); ++i) {
    switch (l.type) {
      case Labels::Type::kInt:
      case Labels::Type::kBool: v[i] = static_cast<double>(l.ints[i]); break;
      case Labels::Type::kFloat: v[i] = l.floats[i]; break;
      default: throw Error::InvalidModel(fmt::format("{}: predicted text labels where class indices were expected", who));
    }
  }
  return v;
}

// Encoded class index of each predicted label (sub-estimators fitted on LabelEncoder output).
std::vector<std::size_t> ClassIndices(const Output& o, std::size_t n_classes, const std::string& who) {
  std::vector<double> v = OutputNumbers(o, who);
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(v[i] >= 0 && v[i] < static_cast<double>(n_classes)) || v[i] != std::floor(v[i])) {
      throw Error::InvalidModel(fmt::format("{}: predicted {}, not a class index below {}", who, v[i], n_classes));
    }
    idx[i] = static_cast<std::size_t>(v[i]);
  }
  return idx;
}

// np.average over estimators (outer axis: sequential), each item rows*width values.
std::vector<double> Average(const std::vector<std::vector<double>>& items, const std::optional<std::vector<double>>& w) {
  std::vector<double> acc(items[0].size(), 0.0);
  for (std::size_t e = 0; e < items.size(); ++e) {
    for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += w ? items[e][i] * (*w)[e] : items[e][i];
  }
  double scl = w ? kernels::PairwiseSum(w->data(), w->size()) : static_cast<double>(items.size());
  for (double& v : acc) v /= scl;
  return acc;
}

class VotingClassifier : public Estimator {
 public:
  std::vector<std::shared_ptr<const Estimator>> estimators;
  std::optional<std::vector<double>> weights;
  bool soft = false;
  bool flatten = true;

  bool Has(Method m) const override {
    return m == Method::kPredict || m == Method::kTransform || (soft && m == Method::kPredictProba);
  }

  std::string Who(std::size_t i) const { return fmt::format("{}.estimators_[{}]", path, i); }

  std::vector<std::vector<double>> Probas(const Table& x) const {
    std::vector<std::vector<double>> out;
    const std::size_t C = classes->size();
    for (std::size_t i = 0; i < estimators.size(); ++i) {
      Output o = estimators[i]->Run(Method::kPredictProba, x);
      if (o.cols != C || o.values.size() != x.rows * C) {
        throw Error::InvalidModel(fmt::format("{}: predict_proba gave {} columns for {} classes", Who(i), o.cols, C));
      }
      out.push_back(std::move(o.values));
    }
    return out;
  }

  std::vector<std::vector<std::size_t>> Votes(const Table& x) const {
    std::vector<std::vector<std::size_t>> out;
    for (std::size_t i = 0; i < estimators.size(); ++i) {
      out.push_back(ClassIndices(estimators[i]->Run(Method::kPredict, x), classes->size(), Who(i)));
    }
    return out;
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    const std::size_t n = x.rows, C = classes->size(), E = estimators.size();
    if (m == Method::kTransform) {
      if (soft && !flatten) {
        throw Error::Unsupported(fmt::format("{} ({}): transform with flatten_transform=False returns a 3-d array "
                                             "(n_estimators, n_samples, n_classes), which skbridge outputs cannot hold", path, class_path));
      }
      if (soft) {
        auto p = Probas(x);
        std::vector<double> out(n * E * C);
        for (std::size_t e = 0; e < E; ++e) {
          for (std::size_t r = 0; r < n; ++r) std::copy_n(p[e].data() + r * C, C, out.data() + r * E * C + e * C);
        }
        return NumericOutput(n, E * C, std::move(out));
      }
      auto v = Votes(x);
      std::vector<double> out(n * E);
      for (std::size_t e = 0; e < E; ++e) {
        for (std::size_t r = 0; r < n; ++r) out[r * E + e] = static_cast<double>(v[e][r]);
      }
      return NumericOutput(n, E, std::move(out));
    }
    if (soft) {
      std::vector<double> avg = Average(Probas(x), weights);
      if (m == Method::kPredictProba) return boosting::ProbaOutput(*classes, n, std::move(avg));
      std::vector<std::size_t> idx(n);
      for (std::size_t r = 0; r < n; ++r) {
        const double* s = avg.data() + r * C;
        std::size_t best = 0;
        for (std::size_t j = 1; j < C; ++j) {
          if (s[j] > s[best] || (std::isnan(s[j]) && !std::isnan(s[best]))) best = j;
        }
        idx[r] = best;
      }
      return boosting::LabelsOutput(*classes, std::move(idx));
    }
    // Hard voting: np.argmax(np.bincount(votes, weights)) per row.
    auto v = Votes(x);
    std::vector<std::size_t> idx(n);
    std::vector<double> count(C);
    for (std::size_t r = 0; r < n; ++r) {
      std::fill(count.begin(), count.end(), 0.0);
      for (std::size_t e = 0; e < E; ++e) count[v[e][r]] += weights ? (*weights)[e] : 1.0;
      std::size_t best = 0;
      for (std::size_t j = 1; j < C; ++j) {
        if (count[j] > count[best] || (std::isnan(count[j]) && !std::isnan(count[best]))) best = j;
      }
      idx[r] = best;
    }
    return boosting::LabelsOutput(*classes, std::move(idx));
  }
};

class VotingRegressor : public Estimator {
 public:
  std::vector<std::shared_ptr<const Estimator>> estimators;
  std::optional<std::vector<double>> weights;

  bool Has(Method m) const override { return m == Method::kPredict || m == Method::kTransform; }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    const std::size_t n = x.rows, E = estimators.size();
    std::vector<std::vector<double>> preds;
    for (std::size_t i = 0; i < E; ++i) {
      Output o = estimators[i]->Run(Method::kPredict, x);
      if (o.labels || o.values.size() != n) {
        throw Error::InvalidModel(fmt::format("{}.estimators_[{}]: predict did not give one value per row", path, i));
      }
      preds.push_back(std::move(o.values));
    }
    if (m == Method::kTransform) {
      std::vector<double> out(n * E);
      for (std::size_t e = 0; e < E; ++e) {
        for (std::size_t r = 0; r < n; ++r) out[r * E + e] = preds[e][r];
      }
      return NumericOutput(n, E, std::move(out));
    }
    return NumericOutput(n, 0, Average(preds, weights));
  }
};

class Stacking : public Estimator {
 public:
  bool classifier = false;
  std::vector<std::shared_ptr<const Estimator>> estimators;  // non-dropped, aligned with methods
  std::vector<Method> methods;
  std::shared_ptr<const Estimator> final_estimator;
  bool passthrough = false;

  bool Has(Method m) const override {
    if (m == Method::kTransform) return true;
    if (m == Method::kPredict) return final_estimator->Has(m);
    if (classifier && (m == Method::kPredictProba || m == Method::kDecisionFunction)) return final_estimator->Has(m);
    return false;
  }

  Table Meta(const Table& x) const {
    const std::size_t n = x.rows;
    std::vector<std::vector<double>> blocks;
    std::vector<std::size_t> widths;
    for (std::size_t i = 0; i < estimators.size(); ++i) {
      std::string who = fmt::format("{}.estimators_[{}]", path, i);
      Output o = estimators[i]->Run(methods[i], x);
      std::vector<double> v = OutputNumbers(o, who);
      std::size_t w = o.labels || o.cols == 0 ? 1 : o.cols;
      if (v.size() != n * w) throw Error::InvalidModel(fmt::format("{}: {} gave {} values for {} rows", who, MethodName(methods[i]), v.size(), n));
      if (classifier && methods[i] == Method::kPredictProba && classes->size() == 2 && w >= 1) {
        // Binary probabilities: drop the first, collinear column.
        std::vector<double> kept(n * (w - 1));
        for (std::size_t r = 0; r < n; ++r) std::copy_n(v.data() + r * w + 1, w - 1, kept.data() + r * (w - 1));
        v = std::move(kept);
        w -= 1;
      }
      blocks.push_back(std::move(v));
      widths.push_back(w);
    }
    Table dx;
    if (passthrough) {
      dx = x.ToDense();
      blocks.push_back(dx.dense);
      widths.push_back(dx.cols);
    }
    std::size_t total = 0;
    for (std::size_t w : widths) total += w;
    std::vector<double> out(n * total);
    std::size_t off = 0;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      for (std::size_t r = 0; r < n; ++r) std::copy_n(blocks[b].data() + r * widths[b], widths[b], out.data() + r * total + off);
      off += widths[b];
    }
    return Table::Dense(n, total, std::move(out));
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Table meta = Meta(x);
    if (m == Method::kTransform) return NumericOutput(meta.rows, meta.cols, std::move(meta.dense));
    Output o = final_estimator->Run(m, meta);
    if (!classifier) return o;
    if (m == Method::kPredict) {
      std::string who = path + ".final_estimator_";
      return boosting::LabelsOutput(*classes, ClassIndices(o, classes->size(), who));
    }
    if (m == Method::kPredictProba) {
      o.column_names.clear();
      for (std::size_t c = 0; c < classes->size(); ++c) o.column_names.push_back(classes->Text(c));
    }
    return o;
  }
};

Method StackMethod(const Value& v, const std::string& path) {
  if (!v.is_text()) throw Error::InvalidModel(fmt::format("{}: expected a method name, found {}", path, v.Repr(40)));
  auto m = ParseMethod(v.text);
  if (!m || !(*m == Method::kPredict || *m == Method::kPredictProba || *m == Method::kDecisionFunction)) {
    throw Error::Unsupported(fmt::format("{}: stack method '{}' is not supported", path, v.text));
  }
  return *m;
}

}  // namespace

std::shared_ptr<Estimator> DecodeVotingClassifier(Fields& f) {
  auto e = std::make_shared<VotingClassifier>();
  f.ReadCommon(e.get(), true);
  if (!e->classes) {
    const Value* le = f.FindAny({"le_", "_le"});
    if (!le || !le->State()) f.Fail("classes_", "missing");
    e->classes = ToLabels(*le->State()->Get("classes_"), f.At("le_.classes_"));
  }
  if (e->classes->size() < 1) f.Fail("classes_", "is empty");
  for (auto& est : DecodeList(f, "estimators_")) {
    if (est) e->estimators.push_back(std::move(est));
  }
  e->weights = ReadWeights(f, e->estimators.size());
  std::string voting = f.Str("voting");
  if (voting != "hard" && voting != "soft") f.Fail("voting", fmt::format("unknown voting '{}'", voting));
  e->soft = voting == "soft";
  // 0.20's default flatten_transform=None kept the 3-d array of probabilities, like False.
  e->flatten = !f.IsNone("flatten_transform") && f.Bool("flatten_transform");
  for (std::size_t i = 0; i < e->estimators.size(); ++i) {
    Method need = e->soft ? Method::kPredictProba : Method::kPredict;
    if (!e->estimators[i]->Has(need)) f.Fail("estimators_", fmt::format("estimator {} has no {}", i, MethodName(need)));
  }
  if (!e->input.n_features) e->input = e->estimators[0]->input;
  return e;
}

std::shared_ptr<Estimator> DecodeVotingRegressor(Fields& f) {
  auto e = std::make_shared<VotingRegressor>();
  f.ReadCommon(e.get(), false);
  for (auto& est : DecodeList(f, "estimators_")) {
    if (est) e->estimators.push_back(std::move(est));
  }
  e->weights = ReadWeights(f, e->estimators.size());
  for (std::size_t i = 0; i < e->estimators.size(); ++i) {
    if (!e->estimators[i]->Has(Method::kPredict)) f.Fail("estimators_", fmt::format("estimator {} has no predict", i));
  }
  if (!e->input.n_features) e->input = e->estimators[0]->input;
  return e;
}

std::shared_ptr<Estimator> DecodeStacking(Fields& f) {
  auto e = std::make_shared<Stacking>();
  e->classifier = boosting::ClassName(f.object()) == "StackingClassifier";
  f.ReadCommon(e.get(), e->classifier);
  if (e->classifier) {
    if (const Value* le = f.Find("_label_encoder"); le && (le->kind == Kind::kList || le->kind == Kind::kTuple)) {
      throw Error::Unsupported(fmt::format("{}: a multilabel StackingClassifier is not supported", f.path()));
    }
    if (!e->classes) f.Fail("classes_", "missing");
  }
  auto ests = DecodeList(f, "estimators_");
  auto meths = ListItems(f, "stack_method_");
  // stack_method_ lists the fitted (non-dropped) estimators; tolerate 'drop' placeholders in either.
  std::vector<Method> methods;
  std::vector<std::shared_ptr<const Estimator>> kept;
  if (meths.size() != ests.size()) {
    f.Fail("stack_method_", fmt::format("has {} methods for {} estimators", meths.size(), ests.size()));
  }
  for (std::size_t i = 0; i < ests.size(); ++i) {
    if (!ests[i] || meths[i]->is_none()) continue;
    Method m = StackMethod(*meths[i], fmt::format("{}[{}]", f.At("stack_method_"), i));
    if (!ests[i]->Has(m)) f.Fail("estimators_", fmt::format("estimator {} has no {}", i, MethodName(m)));
    kept.push_back(ests[i]);
    methods.push_back(m);
  }
  e->estimators = std::move(kept);
  e->methods = std::move(methods);
  e->final_estimator = f.Child("final_estimator_");
  e->passthrough = f.Has("passthrough") && f.Bool("passthrough");
  if (!e->input.n_features && !e->estimators.empty()) e->input = e->estimators[0]->input;
  return e;
}

}  // namespace skbridge::est
