// Dummy estimators: predictions that ignore X (scikit-learn does not validate X either; only its
// number of rows counts).
//
// DummyClassifier's "stratified" and "uniform" strategies draw from numpy's legacy RandomState.
// With an integer random_state, scikit-learn builds a fresh RandomState(seed) on every call, so the
// draws are reproducible and skbridge replays them (MT19937, numpy's multinomial/randint). With
// random_state=None (numpy's global generator) or a RandomState instance (whose state advances
// with every call) they are not, and those methods are refused with that reason.
#include <cmath>

#include "estimators/estimator.h"
#include "kernels/selection.h"

namespace skbridge::est {
namespace {

class DummyClassifier : public Estimator {
 public:
  enum class Strategy { kMostFrequent, kPrior, kStratified, kUniform, kConstant } strategy = Strategy::kPrior;
  std::size_t n_outputs = 1;
  bool two_d = false;  // output_2d_ (before 0.22): a single output kept as a column
  std::vector<Labels> out_classes;              // classes_ per output
  std::vector<std::vector<double>> priors;      // class_prior_ per output
  std::vector<std::size_t> constant_index;      // constant: index of the constant in classes_, per output
  std::optional<Labels> constant;               // constant (as given), for predict
  std::optional<std::uint32_t> seed;            // integer random_state
  std::string random_refusal;                   // why stratified/uniform draws cannot be replayed
  bool sparse_output = false;

  bool Has(Method m) const override {
    return m == Method::kPredict || m == Method::kPredictProba || m == Method::kPredictLogProba;
  }

  Output Run(Method m, const Table& x) const override {
    const std::size_t n = x.rows;
    if (m == Method::kPredict) return Predict(n);
    if (n_outputs != 1 || two_d) {
      throw Error::Unsupported(fmt::format("{} ({}): {} of a {}-output DummyClassifier is a list of arrays, one per output, "
                                           "which skbridge does not represent",
                                           path, class_path, MethodName(m), n_outputs));
    }
    Output o = NumericOutput(n, out_classes[0].size(), Proba(n));
    if (m == Method::kPredictLogProba) {
      for (double& v : o.values) v = std::log(v);
    }
    for (std::size_t c = 0; c < out_classes[0].size(); ++c) o.column_names.push_back(out_classes[0].Text(c));
    return o;
  }

 private:
  void NeedSeed(const char* what) const {
    if (!seed) throw Error::Unsupported(fmt::format("{} ({}): {}: {}", path, class_path, what, random_refusal));
  }

  // predict_proba for every output, each n x n_classes_k row-major.
  std::vector<std::vector<double>> AllProba(std::size_t n) const {
    std::vector<std::vector<double>> out(n_outputs);
    std::optional<kernels::LegacyRandomState> rs;
    if (strategy == Strategy::kStratified) {
      NeedSeed("strategy='stratified' draws predict_proba at random");
      rs.emplace(*seed);
    }
    for (std::size_t k = 0; k < n_outputs; ++k) {
      const std::size_t c = out_classes[k].size();
      std::vector<double>& p = out[k];
      p.assign(n * c, 0.0);
      switch (strategy) {
        case Strategy::kMostFrequent: {
          const std::size_t ind = Argmax(priors[k]);
          for (std::size_t r = 0; r < n; ++r) p[r * c + ind] = 1.0;
          break;
        }
        case Strategy::kPrior:
          for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t j = 0; j < c; ++j) p[r * c + j] = 1.0 * priors[k][j];
          }
          break;
        case Strategy::kStratified: {
          std::vector<std::int64_t> draw(c);
          for (std::size_t r = 0; r < n; ++r) {
            rs->Multinomial(1, priors[k], draw.data());
            for (std::size_t j = 0; j < c; ++j) p[r * c + j] = static_cast<double>(draw[j]);
          }
          break;
        }
        case Strategy::kUniform:
          for (double& v : p) v = 1.0 / static_cast<double>(c);
          break;
        case Strategy::kConstant:
          for (std::size_t r = 0; r < n; ++r) p[r * c + constant_index[k]] = 1.0;
          break;
      }
    }
    return out;
  }

  std::vector<double> Proba(std::size_t n) const { return AllProba(n)[0]; }

  static std::size_t Argmax(const std::vector<double>& v) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < v.size(); ++j) {
      if (v[j] > v[best]) best = j;
    }
    return best;
  }

  // Class index predicted for every row and output: idx[r * n_outputs + k].
  std::vector<std::size_t> PredictIndices(std::size_t n) const {
    std::vector<std::size_t> idx(n * n_outputs);
    switch (strategy) {
      case Strategy::kMostFrequent:
      case Strategy::kPrior:
        for (std::size_t k = 0; k < n_outputs; ++k) {
          const std::size_t ind = Argmax(priors[k]);
          for (std::size_t r = 0; r < n; ++r) idx[r * n_outputs + k] = ind;
        }
        break;
      case Strategy::kStratified: {
        if (sparse_output) Refuse("sparse targets: predict returns a random sparse matrix");
        std::vector<std::vector<double>> p = AllProba(n);
        for (std::size_t k = 0; k < n_outputs; ++k) {
          const std::size_t c = out_classes[k].size();
          for (std::size_t r = 0; r < n; ++r) {
            std::size_t best = 0;
            for (std::size_t j = 1; j < c; ++j) {
              if (p[k][r * c + j] > p[k][r * c + best]) best = j;
            }
            idx[r * n_outputs + k] = best;
          }
        }
        break;
      }
      case Strategy::kUniform: {
        NeedSeed("strategy='uniform' draws predict at random");
        kernels::LegacyRandomState rs(*seed);
        for (std::size_t k = 0; k < n_outputs; ++k) {
          for (std::size_t r = 0; r < n; ++r) idx[r * n_outputs + k] = static_cast<std::size_t>(rs.RandInt(out_classes[k].size()));
        }
        break;
      }
      case Strategy::kConstant:
        for (std::size_t k = 0; k < n_outputs; ++k) {
          for (std::size_t r = 0; r < n; ++r) idx[r * n_outputs + k] = constant_index[k];
        }
        break;
    }
    return idx;
  }

  [[noreturn]] void Refuse(const std::string& why) const {
    throw Error::Unsupported(fmt::format("{} ({}): {}", path, class_path, why));
  }

  Output Predict(std::size_t n) const {
    if (sparse_output && strategy != Strategy::kStratified) Refuse("sparse targets: predict returns a sparse matrix");
    std::vector<std::size_t> idx = PredictIndices(n);
    if (n_outputs == 1 && !two_d) {
      Output o;
      o.rows = n;
      // strategy='constant' returns the constant itself (np.tile(self.constant, ...)), in its own type.
      o.labels = strategy == Strategy::kConstant && constant ? constant->Take(std::vector<std::size_t>(n, 0)) : out_classes[0].Take(idx);
      return o;
    }
    std::vector<double> values(n * n_outputs);
    for (std::size_t k = 0; k < n_outputs; ++k) {
      const Labels& cl = strategy == Strategy::kConstant && constant ? *constant : out_classes[k];
      if (cl.type == Labels::Type::kString) {
        Refuse(fmt::format("predict of a {}-output classifier with text labels is a 2-d array of strings, which skbridge does "
                           "not represent",
                           n_outputs));
      }
      for (std::size_t r = 0; r < n; ++r) {
        const std::size_t i = strategy == Strategy::kConstant && constant ? k : idx[r * n_outputs + k];
        values[r * n_outputs + k] = cl.type == Labels::Type::kFloat ? cl.floats[i] : static_cast<double>(cl.ints[i]);
      }
    }
    return NumericOutput(n, n_outputs, std::move(values));
  }
};

class DummyRegressor : public Estimator {
 public:
  std::vector<double> constant;  // constant_, one per output
  bool multi = false;

  bool Has(Method m) const override { return m == Method::kPredict; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredict) Unsupported(m);
    const std::size_t k = constant.size();
    std::vector<double> y(x.rows * k);
    for (std::size_t r = 0; r < x.rows; ++r) {
      for (std::size_t j = 0; j < k; ++j) y[r * k + j] = constant[j];
    }
    return NumericOutput(x.rows, multi ? k : 0, std::move(y));
  }
};

// classes_ / class_prior_ / n_classes_: an array for one output, a list of arrays for several.
std::vector<const Value*> PerOutput(Fields& f, std::string_view name, std::size_t n_outputs) {
  const Value& v = f.Get(name);
  if (n_outputs == 1) return {&v};
  if (v.kind != Kind::kList && v.kind != Kind::kTuple) f.Fail(name, fmt::format("expected a list of {} arrays", n_outputs));
  if (v.items.size() != n_outputs) f.Fail(name, fmt::format("has {} entries for {} outputs", v.items.size(), n_outputs));
  return v.items;
}

// DummyClassifier.constant: a scalar (int, str, float, bool) or one value per output.
Labels ConstantLabels(const Value& c, const std::string& path) {
  if (c.kind == Kind::kList || c.kind == Kind::kTuple || c.kind == Kind::kArray) return ToLabels(c, path);
  Labels l;
  if (c.is_text()) {
    l.type = Labels::Type::kString;
    l.strings.emplace_back(c.text);
  } else if (c.kind == Kind::kBool) {
    l.type = Labels::Type::kBool;
    l.ints.push_back(c.boolean);
  } else if (c.kind == Kind::kInt && !c.is_big_int()) {
    l.type = Labels::Type::kInt;
    l.ints.push_back(c.integer);
  } else if (c.kind == Kind::kFloat) {
    l.type = Labels::Type::kFloat;
    l.floats.push_back(c.real);
  } else {
    throw Error::InvalidModel(fmt::format("{}: expected a class label, found {}", path, c.Repr(40)));
  }
  return l;
}

}  // namespace

std::shared_ptr<Estimator> DecodeDummyClassifier(Fields& f) {
  auto e = std::make_shared<DummyClassifier>();
  f.ReadCommon(e.get(), false);
  // _strategy (0.22+) resolves the 0.22-0.23 'warn' default; before, `strategy` itself
  // (default 'stratified').
  std::string s = f.Has("_strategy") ? f.Str("_strategy") : (f.IsNone("strategy") ? "stratified" : f.Str("strategy"));
  if (s == "warn") s = "stratified";
  using S = DummyClassifier::Strategy;
  if (s == "most_frequent") e->strategy = S::kMostFrequent;
  else if (s == "prior") e->strategy = S::kPrior;
  else if (s == "stratified") e->strategy = S::kStratified;
  else if (s == "uniform") e->strategy = S::kUniform;
  else if (s == "constant") e->strategy = S::kConstant;
  else f.Fail("strategy", fmt::format("unknown strategy '{}'", s));

  const std::int64_t n_outputs = f.Int("n_outputs_");
  if (n_outputs < 1) f.Fail("n_outputs_", fmt::format("must be >= 1, got {}", n_outputs));
  e->n_outputs = static_cast<std::size_t>(n_outputs);
  e->two_d = f.Has("output_2d_") && f.Bool("output_2d_");
  e->sparse_output = f.Has("sparse_output_") && f.Bool("sparse_output_");
  auto classes = PerOutput(f, "classes_", e->n_outputs);
  auto priors = PerOutput(f, "class_prior_", e->n_outputs);
  for (std::size_t k = 0; k < e->n_outputs; ++k) {
    std::string at = e->n_outputs == 1 ? f.At("classes_") : fmt::format("{}[{}]", f.At("classes_"), k);
    e->out_classes.push_back(ToLabels(*classes[k], at));
    std::vector<double> p = ToDoubles(*priors[k], f.At("class_prior_"));
    if (p.size() != e->out_classes[k].size()) {
      f.Fail("class_prior_", fmt::format("has {} values for {} classes (output {})", p.size(), e->out_classes[k].size(), k));
    }
    if (e->out_classes[k].size() == 0) f.Fail("classes_", "is empty");
    e->priors.push_back(std::move(p));
  }
  if (e->n_outputs == 1) e->classes = e->out_classes[0];

  if (e->strategy == S::kConstant) {
    const Value& c = f.Get("constant");
    if (c.is_none()) f.Fail("constant", "is None with strategy='constant'");
    Labels cl = ConstantLabels(c, f.At("constant"));
    e->constant = cl;
    if (cl.size() != e->n_outputs) f.Fail("constant", fmt::format("has {} values for {} outputs", cl.size(), e->n_outputs));
    for (std::size_t k = 0; k < e->n_outputs; ++k) {
      // np.where(classes_[k] == constant[k]): compare as text, numbers as numbers.
      const Labels& classes_k = e->out_classes[k];
      std::optional<std::size_t> at;
      for (std::size_t j = 0; j < classes_k.size() && !at; ++j) {
        const bool both_text = classes_k.type == Labels::Type::kString && cl.type == Labels::Type::kString;
        const bool both_num = classes_k.type != Labels::Type::kString && cl.type != Labels::Type::kString;
        if (both_text && classes_k.strings[j] == cl.strings[k]) at = j;
        if (both_num) {
          auto num = [](const Labels& l, std::size_t i) { return l.type == Labels::Type::kFloat ? l.floats[i] : static_cast<double>(l.ints[i]); };
          if (num(classes_k, j) == num(cl, k)) at = j;
        }
      }
      if (!at) f.Fail("constant", fmt::format("{} is not one of classes_ (scikit-learn refuses it at fit)", cl.Text(k)));
      e->constant_index.push_back(*at);
    }
  }

  if (e->strategy == S::kStratified || e->strategy == S::kUniform) {
    const Value* rs = f.Find("random_state");
    if (!rs || rs->is_none()) {
      e->random_refusal = "random_state=None draws from numpy's global random generator; the result is not reproducible";
    } else if (rs->kind == Kind::kInt || rs->kind == Kind::kBool ||
               (rs->kind == Kind::kArray && rs->array->is_scalar &&
                (rs->array->dtype.kind == DTypeKind::kInt || rs->array->dtype.kind == DTypeKind::kUInt))) {
      const double seed = rs->kind == Kind::kInt && !rs->is_big_int() ? static_cast<double>(rs->integer) : ToDoubles(*rs, f.At("random_state"))[0];
      if (rs->is_big_int() || seed < 0 || seed > 4294967295.0) {
        f.Fail("random_state", fmt::format("{} is not a seed in [0, 2**32 - 1] (numpy raises)", rs->Repr(30)));
      }
      e->seed = static_cast<std::uint32_t>(seed);
    } else {
      e->random_refusal = fmt::format("random_state is {}, whose state advances with every call; the draws of a later call are "
                                      "not reproducible",
                                      rs->Repr(40));
    }
  }
  return e;
}

std::shared_ptr<Estimator> DecodeDummyRegressor(Fields& f) {
  auto e = std::make_shared<DummyRegressor>();
  f.ReadCommon(e.get(), false);
  const std::int64_t n_outputs = f.Int("n_outputs_");
  if (n_outputs < 1) f.Fail("n_outputs_", fmt::format("must be >= 1, got {}", n_outputs));
  e->constant = f.Doubles("constant_", static_cast<std::size_t>(n_outputs));
  // Before 0.22, output_2d_ kept a single output as a column.
  e->multi = n_outputs != 1 || (f.Has("output_2d_") && f.Bool("output_2d_"));
  return e;
}

}  // namespace skbridge::est
