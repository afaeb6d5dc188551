// Linear models: a weight matrix and intercepts, then a link (identity, logistic, softmax, exp ...).
//
// scikit-learn computes X @ coef_.T + intercept_ with BLAS; we accumulate each row's dot product in
// feature order, which agrees to within a few ulps. Everything version-dependent is settled at
// decode time (which probability rule, which link, where classes_ lives), so Run() is a straight
// pass over the batch.
//
// Families and what each version stored:
//   * classifiers (LogisticRegression[CV], RidgeClassifier[CV], SGDClassifier, Perceptron,
//     PassiveAggressiveClassifier, LinearSVC): coef_ (k, n) with k == 1 for two classes,
//     intercept_ (k,) or a scalar 0.0, classes_ (RidgeClassifier before 1.x: a property reading
//     _label_binarizer.classes_; LogisticRegression before 0.15: _enc.classes_).
//   * regressors (LinearRegression, Ridge, Lasso, ElasticNet, Lars, OMP, Bayes, Huber, Quantile,
//     TheilSen, SGDRegressor, PassiveAggressiveRegressor, LinearSVR, multi-task variants): coef_
//     (n,) -> predict is 1-d, coef_ (t, n) -> predict is (rows, t); intercept_ scalar or (t,).
//   * GLMs (Poisson/Gamma/Tweedie): inverse link of the linear predictor; the link is the object
//     _link_instance (0.23-1.0) or _base_loss.link (1.1+), else derived from link/power.
//   * SGDOneClassSVM: coef_ (n,) and offset_ (1,); RANSACRegressor: its fitted estimator_.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "estimators/estimator.h"
#include "skbridge/compat.h"
#include "kernels/linear.h"

namespace skbridge::est {
namespace {

// ---------------------------------------------------------------------------------------------
// Versions

struct Version {
  int major = 0, minor = 0;
  bool AtLeast(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};

// "1.4.2" -> 1.4, "0.24.dev0" -> 0.24, "pre-0.18" -> 0.17; anything unreadable counts as newest.
Version ParseVersion(const std::string& v) {
  if (v == "pre-0.18") return {0, 17};
  Version out;
  if (std::sscanf(v.c_str(), "%d.%d", &out.major, &out.minor) != 2) return {999, 0};
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared input handling and scores

class LinearBase : public Estimator {
 public:
  Matrix coef;                    // (k, n_features)
  std::vector<double> intercept;  // (k,)

 protected:
  static constexpr std::size_t kBlock = 128;  // rows scored per block when a link follows

  // The batch as a dense matrix with coef.cols columns (converted into *storage when it has
  // columns). Throws InvalidInput naming this estimator for a wrong column count.
  const Table& Dense(const Table& x, Table* storage) const {
    const Table* t = &x;
    if (!x.is_dense()) {
      *storage = x.ToDense();
      t = storage;
    }
    if (t->cols != coef.cols) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, coef.cols, t->cols));
    }
    return *t;
  }

  // Scores of rows [r0, r0 + n) of t into out (n * k values). scikit-learn's check_array rejects
  // NaN and infinity for every linear model; a non-finite input always makes its row's score
  // non-finite (NaN * w is NaN, inf * w is inf or NaN), so the input is only scanned when a score
  // is. A non-finite score from finite input (overflow, or weights a diverged fit left non-finite)
  // stays, as in numpy.
  void ScoreRows(const Table& t, std::size_t r0, std::size_t n, double* out) const {
    kernels::LinearScores(t.dense.data() + r0 * t.cols, n, t.cols, coef.v.data(), coef.rows, intercept.data(), out);
    for (std::size_t i = 0; i < n * coef.rows; ++i) {
      if (!std::isfinite(out[i])) {
        CheckFinite(t, r0, n);
        break;
      }
    }
  }

  // All scores of the batch: rows * k values.
  std::vector<double> AllScores(const Table& t) const {
    std::vector<double> out(t.rows * coef.rows);
    ScoreRows(t, 0, t.rows, out.data());
    return out;
  }

  // Calls f(r0, n, scores) for consecutive blocks of at most kBlock rows; scores stay in cache.
  template <class F>
  void ForBlocks(const Table& t, F&& f) const {
    const std::size_t k = coef.rows;
    double small[kBlock * 4];
    std::vector<double> large;
    double* buf = small;
    if (k > 4) {
      large.resize(kBlock * k);
      buf = large.data();
    }
    for (std::size_t r0 = 0; r0 < t.rows; r0 += kBlock) {
      const std::size_t n = std::min(kBlock, t.rows - r0);
      ScoreRows(t, r0, n, buf);
      f(r0, n, static_cast<const double*>(buf));
    }
  }

  void CheckFinite(const Table& t, std::size_t r0, std::size_t n) const {
    for (std::size_t r = r0; r < r0 + n; ++r) {
      for (std::size_t c = 0; c < t.cols; ++c) {
        double v = t.dense[r * t.cols + c];
        if (std::isfinite(v)) continue;
        std::string col = c < t.names.size() && !t.names[c].empty() ? fmt::format("column '{}'", t.names[c])
                                                                    : fmt::format("column {}", c + 1);
        throw Error::InvalidInput(fmt::format("{} ({}): row {}, {} is {}; this estimator does not accept {}", path, class_path,
                                              r + 1, col, std::isnan(v) ? "missing (NaN)" : "infinite",
                                              std::isnan(v) ? "missing values" : "infinite values"));
      }
    }
  }

  // Labels classes_[idx(r)] for every row, built in one pass.
  template <class Index>
  Output LabelOutput(std::size_t rows, Index&& idx) const {
    Output o;
    o.rows = rows;
    Labels& l = o.labels.emplace();
    l.type = classes->type;
    switch (l.type) {
      case Labels::Type::kInt:
      case Labels::Type::kBool:
        l.ints.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) l.ints[r] = classes->ints[idx(r)];
        break;
      case Labels::Type::kFloat:
        l.floats.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) l.floats[r] = classes->floats[idx(r)];
        break;
      case Labels::Type::kString:
        l.strings.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) l.strings[r] = classes->strings[idx(r)];
        break;
    }
    return o;
  }
};

// ---------------------------------------------------------------------------------------------
// Classifiers

class LinearClassifier : public LinearBase {
 public:
  enum class Proba { kNone, kLogistic, kSoftmax, kModifiedHuber } proba = Proba::kNone;
  bool guard_all_zero = false;  // _predict_proba_lr: uniform rows instead of 0/0 (1.9+)
  bool multilabel = false;      // RidgeClassifier on an indicator matrix (1.0+): predict is (rows, k) 0/1
  std::vector<std::string> class_names;  // classes->Text(c), made once at decode time

  bool Has(Method m) const override {
    switch (m) {
      case Method::kPredict:
      case Method::kDecisionFunction: return true;
      case Method::kPredictProba:
      case Method::kPredictLogProba: return proba != Proba::kNone;
      default: return false;
    }
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Table storage;
    const Table& t = Dense(x, &storage);
    const std::size_t rows = t.rows, k = coef.rows;
    switch (m) {
      case Method::kDecisionFunction: return NumericOutput(rows, k == 1 ? 0 : k, AllScores(t));
      case Method::kPredict: {
        if (multilabel) {
          std::vector<double> y = AllScores(t);
          for (double& s : y) s = s > 0 ? 1.0 : 0.0;
          Output o = NumericOutput(rows, k, std::move(y));
          o.column_names = class_names;
          return o;
        }
        // Index of the winning class per row: score > 0 for one column, else the first maximum
        // (numpy.argmax).
        std::vector<std::uint32_t> win(rows);
        ForBlocks(t, [&](std::size_t r0, std::size_t n, const double* s) {
          for (std::size_t i = 0; i < n; ++i) {
            const double* si = s + i * k;
            std::uint32_t best = 0;
            if (k == 1) {
              best = si[0] > 0 ? 1 : 0;
            } else {
              for (std::uint32_t j = 1; j < k; ++j) {
                if (si[j] > si[best] || (std::isnan(si[j]) && !std::isnan(si[best]))) best = j;  // NaN wins, as in numpy
              }
            }
            win[r0 + i] = best;
          }
        });
        return LabelOutput(rows, [&](std::size_t r) { return win[r]; });
      }
      case Method::kPredictProba:
      case Method::kPredictLogProba: {
        const std::size_t width = k == 1 ? 2 : k;
        Output o = NumericOutput(rows, width, std::vector<double>(rows * width));
        double* out = o.values.data();
        ForBlocks(t, [&](std::size_t r0, std::size_t n, const double* s) {
          double* p = out + r0 * width;
          switch (proba) {
            case Proba::kLogistic: kernels::OvrProba(s, n, k, guard_all_zero, p); break;
            case Proba::kSoftmax: kernels::SoftmaxProba(s, n, k, p); break;
            case Proba::kModifiedHuber: kernels::ModifiedHuberProba(s, n, k, p); break;
            case Proba::kNone: break;
          }
          if (m == Method::kPredictLogProba) {
            for (std::size_t i = 0; i < n * width; ++i) p[i] = std::log(p[i]);
          }
        });
        o.column_names = class_names;
        return o;
      }
      default: Unsupported(m);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Regressors (and GLMs: a link applied to the linear predictor)

class LinearRegressor : public LinearBase {
 public:
  enum class Link { kIdentity, kExp, kExpit } link = Link::kIdentity;
  bool two_d = false;  // coef_ was 2-d: predict is (rows, n_targets)

  bool Has(Method m) const override { return m == Method::kPredict; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredict) Unsupported(m);
    Table storage;
    const Table& t = Dense(x, &storage);
    std::vector<double> y = AllScores(t);
    switch (link) {
      case Link::kIdentity: break;
      case Link::kExp:
        for (double& v : y) v = std::exp(v);
        break;
      case Link::kExpit:
        for (double& v : y) v = kernels::Expit(v);
        break;
    }
    return NumericOutput(t.rows, two_d ? coef.rows : 0, std::move(y));
  }
};

// BayesianRidge / ARDRegression: a linear regressor whose predict(X, return_std=True) also gives
// sqrt((x' @ sigma_) . x' + 1/alpha_), where x' is the row as the writing version prepared it:
// normalised by X_offset_/X_scale_ when normalize=True (<= 1.1), raw (1.2 - 1.8), centred by
// X_offset_ (1.9, scikit-learn PR #33918); ARDRegression keeps only columns with
// lambda_ < threshold_lambda (sigma_ covers those).
class BayesianRegressor : public LinearRegressor {
 public:
  Matrix sigma;                      // (kept, kept)
  double alpha = 1;
  std::vector<std::size_t> keep;     // columns sigma_ covers, in order
  std::vector<double> offset, scale;  // empty when unused
  bool Has(Method m) const override { return m == Method::kPredict || m == Method::kPredictStd; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kPredictStd) return LinearRegressor::Run(m, x);
    Table storage;
    const Table& t = Dense(x, &storage);
    CheckFinite(t, 0, t.rows);
    const std::size_t n = keep.size();
    std::vector<double> row(n), product(n), out(t.rows);
    for (std::size_t r = 0; r < t.rows; ++r) {
      const double* xr = t.dense.data() + r * t.cols;
      for (std::size_t j = 0; j < n; ++j) {
        double v = xr[keep[j]];
        if (!offset.empty()) v -= offset[keep[j]];
        if (!scale.empty()) v /= scale[keep[j]];
        row[j] = v;
      }
      for (std::size_t j = 0; j < n; ++j) {  // (x' @ sigma_)_j * x'_j
        double s = 0;
        for (std::size_t k = 0; k < n; ++k) s += row[k] * sigma.v[k * n + j];
        product[j] = s * row[j];
      }
      out[r] = std::sqrt(kernels::NumpySum(product.data(), n) + 1.0 / alpha);  // .sum(axis=1) is numpy's pairwise sum
    }
    return NumericOutput(t.rows, 0, std::move(out));
  }
};

// SGDOneClassSVM: decision = X @ coef_ - offset_, score_samples = decision + offset_, predict is
// 1 where decision >= 0, else -1.
class LinearOneClass : public LinearBase {
 public:
  double offset = 0;  // intercept = {-offset}: s + (-o) is exactly s - o

  bool Has(Method m) const override {
    return m == Method::kPredict || m == Method::kDecisionFunction || m == Method::kScoreSamples;
  }
  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Table storage;
    const Table& t = Dense(x, &storage);
    std::vector<double> d = AllScores(t);
    if (m == Method::kDecisionFunction) return NumericOutput(t.rows, 0, std::move(d));
    if (m == Method::kScoreSamples) {
      for (double& v : d) v = v + offset;
      return NumericOutput(t.rows, 0, std::move(d));
    }
    Output o;
    o.rows = t.rows;
    o.labels.emplace();
    o.labels->type = Labels::Type::kInt;
    o.labels->ints.resize(t.rows);
    for (std::size_t r = 0; r < t.rows; ++r) o.labels->ints[r] = d[r] >= 0 ? 1 : -1;
    return o;
  }
};

// RANSACRegressor: predict of its fitted estimator_ (after checking the column count).
class Ransac : public Estimator {
 public:
  std::shared_ptr<const Estimator> inner;

  bool Has(Method m) const override { return m == Method::kPredict && inner->Has(m); }
  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    if (input.n_features && x.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, x.cols));
    }
    return inner->Run(m, x);
  }
};

// ---------------------------------------------------------------------------------------------
// Decoding helpers

bool IsSparse(const Value& v) { return v.kind == Kind::kObject && v.GlobalPath().starts_with("scipy.sparse"); }

// A scipy.sparse CSR matrix (SparseCoefMixin.sparsify() stores coef_ as one) as a dense matrix.
Matrix SparseToDense(const Value& v, const std::string& path) {
  std::string cls = v.GlobalPath();
  const Value* state = v.State();
  auto name = cls.substr(cls.rfind('.') + 1);
  if (name != "csr_matrix" && name != "csr_array") {
    throw Error::Unsupported(fmt::format("{}: a {} coefficient matrix is not supported (only CSR, from sparsify())", path, cls));
  }
  if (!state || state->kind != Kind::kDict) throw Error::InvalidModel(fmt::format("{}: {} without state", path, cls));
  const Value* shape = state->Get("_shape");
  if (!shape) shape = state->Get("shape");
  const Value* data = state->Get("data");
  const Value* indices = state->Get("indices");
  const Value* indptr = state->Get("indptr");
  if (!shape || !data || !indices || !indptr) {
    throw Error::InvalidModel(fmt::format("{}: {} lacks _shape/data/indices/indptr", path, cls));
  }
  auto dims = ToInts(*shape, path + "._shape");
  if (dims.size() != 2 || dims[0] < 0 || dims[1] < 0) throw Error::InvalidModel(fmt::format("{}._shape: expected 2 dimensions", path));
  Matrix m;
  m.rows = static_cast<std::size_t>(dims[0]);
  m.cols = static_cast<std::size_t>(dims[1]);
  m.v.assign(m.rows * m.cols, 0.0);
  auto vals = ToDoubles(*data, path + ".data");
  auto idx = ToInts(*indices, path + ".indices");
  auto ptr = ToInts(*indptr, path + ".indptr");
  if (ptr.size() != m.rows + 1 || idx.size() != vals.size()) {
    throw Error::InvalidModel(fmt::format("{}: inconsistent CSR arrays (indptr {}, indices {}, data {}, rows {})", path, ptr.size(),
                                          idx.size(), vals.size(), m.rows));
  }
  for (std::size_t r = 0; r < m.rows; ++r) {
    if (ptr[r] < 0 || ptr[r] > ptr[r + 1] || static_cast<std::size_t>(ptr[r + 1]) > vals.size()) {
      throw Error::InvalidModel(fmt::format("{}.indptr: bad row pointer at {}", path, r));
    }
    for (auto p = ptr[r]; p < ptr[r + 1]; ++p) {
      auto c = idx[static_cast<std::size_t>(p)];
      if (c < 0 || static_cast<std::size_t>(c) >= m.cols) throw Error::InvalidModel(fmt::format("{}.indices: column {} out of range", path, c));
      m.v[r * m.cols + static_cast<std::size_t>(c)] += vals[static_cast<std::size_t>(p)];
    }
  }
  return m;
}

// coef_ as (k, n_features) and intercept_ as k values (a scalar intercept broadcasts). Returns
// whether coef_ was 2-d.
bool ReadWeights(Fields& f, LinearBase* e, std::string_view intercept_name = "intercept_") {
  const std::size_t n_features = e->input.n_features;
  if (!f.Has("coef_") && f.Has("raw_coef_")) {
    // liblinear models before 0.15 computed coef_/intercept_ from raw_coef_ in properties.
    throw Error::Unsupported(fmt::format("{}: {} (written by scikit-learn {}) keeps only raw_coef_ (pre-0.15 liblinear layout), "
                                         "which is not supported",
                                         f.path(), f.class_path(), f.version()));
  }
  const Value& c = f.Get("coef_");
  bool two_d;
  if (IsSparse(c)) {
    e->coef = SparseToDense(c, f.At("coef_"));
    two_d = true;
    if (n_features && e->coef.cols != n_features) {
      f.Fail("coef_", fmt::format("expected (?, {}), got ({}, {})", n_features, e->coef.rows, e->coef.cols));
    }
  } else {
    auto shape = ShapeOf(c, f.At("coef_"));
    two_d = shape.size() == 2;
    e->coef = f.Matrix2D("coef_", std::nullopt, n_features ? std::optional<std::size_t>(n_features) : std::nullopt);
  }
  if (e->coef.rows == 0) f.Fail("coef_", "is empty");
  std::vector<double> b = ToDoubles(f.Get(intercept_name), f.At(intercept_name));
  if (b.size() == 1 && e->coef.rows > 1) b.assign(e->coef.rows, b[0]);
  if (b.size() != e->coef.rows) {
    f.Fail(intercept_name, fmt::format("expected {} values to match coef_, got {}", e->coef.rows, b.size()));
  }
  e->intercept = std::move(b);
  if (!e->input.n_features) e->input.n_features = e->coef.cols;
  return two_d;
}

// A nested helper object (LabelBinarizer, LabelEncoder, a loss ...), or nullptr when absent.
const Value* Nested(Fields& f, std::string_view name) {
  const Value* v = f.Find(name);
  return v && v->kind == Kind::kObject ? v : nullptr;
}

// classes_ of a classifier, wherever the writing version kept it.
void ReadClasses(Fields& f, Estimator* e) {
  if (e->classes) return;
  for (std::string_view holder : {"_label_binarizer", "_enc"}) {
    if (const Value* h = Nested(f, holder)) {
      Fields sub(*h, &f.ctx(), f.At(holder));
      if (sub.Has("classes_")) {
        e->classes = sub.GetLabels("classes_");
        return;
      }
    }
  }
  f.Fail("classes_", "missing");
}

// Common part of every linear classifier decoder.
std::shared_ptr<LinearClassifier> DecodeClassifierBase(Fields& f) {
  auto e = std::make_shared<LinearClassifier>();
  f.ReadCommon(e.get(), true);
  ReadClasses(f, e.get());
  ReadWeights(f, e.get());
  const std::size_t n_classes = e->classes->size();
  const std::size_t k = e->coef.rows;
  if (n_classes < 2) f.Fail("classes_", fmt::format("has {} class; a linear classifier needs at least 2", n_classes));
  if (k != n_classes && !(k == 1 && n_classes == 2)) {
    f.Fail("coef_", fmt::format("has {} rows for {} classes", k, n_classes));
  }
  for (std::size_t c = 0; c < n_classes; ++c) e->class_names.push_back(e->classes->Text(c));
  return e;
}

// The decision links of _predict_proba_lr changed once: 1.9 makes all-zero rows uniform.
bool GuardAllZero(Fields& f) { return ParseVersion(f.version()).AtLeast(1, 9); }

std::string OptStr(Fields& f, std::string_view name) {
  const Value* v = f.Find(name);
  return v && v->is_text() ? std::string(v->text) : std::string();
}

// Class name (last component of the class path) of a nested object.
std::string ClassName(const Value& v) {
  std::string p = v.GlobalPath();
  auto dot = p.rfind('.');
  return dot == std::string::npos ? p : p.substr(dot + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Decoders (declared in registry.cc)

std::shared_ptr<Estimator> DecodeLinearClassifier(Fields& f) { return DecodeClassifierBase(f); }

// LogisticRegression / LogisticRegressionCV. predict_proba is one-vs-rest sigmoids or a softmax,
// by the rule of the version that wrote the file:
//   < 0.20:      OvR when coef_ has one row or multi_class == 'ovr'; else softmax.
//   0.20 - 1.7:  OvR when multi_class is 'ovr' or 'warn' (0.20-0.21 default), or 'auto' /
//                'deprecated' (1.5-1.7 default) with a binary problem or solver 'liblinear'
//                (1.2-1.5 also 'newton-cholesky', which fitted OvR until 1.6); else softmax,
//                over (-d, d) for a binary model fitted as multinomial.
//   >= 1.8:      multi_class is gone: binary -> sigmoid, multiclass -> softmax.
std::shared_ptr<Estimator> DecodeLogisticRegression(Fields& f) {
  auto e = DecodeClassifierBase(f);
  const Version v = ParseVersion(f.version());
  const std::size_t n_classes = e->classes->size();
  const std::size_t k = e->coef.rows;
  const Value* mc_value = f.Find("multi_class");
  if (mc_value && !mc_value->is_text()) f.Fail("multi_class", fmt::format("expected a string, found {}", mc_value->Repr(40)));
  std::string mc = mc_value ? std::string(mc_value->text) : "";
  std::string solver = OptStr(f, "solver");
  bool ovr;
  if (!v.AtLeast(0, 20)) {
    ovr = k == 1 || mc.empty() || mc == "ovr";
  } else if (mc.empty()) {
    if (v.AtLeast(1, 8)) {
      ovr = n_classes <= 2;
    } else {
      f.Fail("multi_class", fmt::format("missing (scikit-learn {} always stores it)", f.version()));
    }
  } else if (mc == "ovr" || mc == "warn") {
    ovr = true;
  } else if (mc == "auto" || mc == "deprecated") {
    bool newton_cholesky_ovr = solver == "newton-cholesky" && v.AtLeast(1, 2) && !v.AtLeast(1, 6);
    ovr = n_classes <= 2 || solver == "liblinear" || newton_cholesky_ovr;
  } else if (mc == "multinomial") {
    ovr = false;
  } else {
    f.Fail("multi_class", fmt::format("unknown value '{}'", mc));
  }
  e->proba = ovr ? LinearClassifier::Proba::kLogistic : LinearClassifier::Proba::kSoftmax;
  e->guard_all_zero = GuardAllZero(f);
  return e;
}

// SGDClassifier: predict_proba for loss 'log' (until 1.2) / 'log_loss' (1.1+) through
// _predict_proba_lr, and for 'modified_huber'; no probabilities for the other losses.
std::shared_ptr<Estimator> DecodeSGDClassifier(Fields& f) {
  auto e = DecodeClassifierBase(f);
  std::string loss = OptStr(f, "loss");
  if (loss == "log" || loss == "log_loss") e->proba = LinearClassifier::Proba::kLogistic;
  else if (loss == "modified_huber") e->proba = LinearClassifier::Proba::kModifiedHuber;
  e->guard_all_zero = GuardAllZero(f);
  return e;
}

// RidgeClassifier / RidgeClassifierCV. classes_ lived on _label_binarizer until it became a fitted
// attribute; a multilabel target predicts the (rows, n_labels) indicator matrix from 1.0 on (before,
// predict was the argmax over labels).
std::shared_ptr<Estimator> DecodeRidgeClassifier(Fields& f) {
  auto e = DecodeClassifierBase(f);
  if (const Value* lb = Nested(f, "_label_binarizer")) {
    Fields sub(*lb, &f.ctx(), f.At("_label_binarizer"));
    std::string y_type = OptStr(sub, "y_type_");
    if (y_type.starts_with("multilabel") && ParseVersion(f.version()).AtLeast(1, 0)) {
      if (e->coef.rows != e->classes->size()) {
        f.Fail("coef_", fmt::format("has {} rows for {} labels", e->coef.rows, e->classes->size()));
      }
      e->multilabel = true;
    }
  }
  return e;
}

std::shared_ptr<Estimator> DecodeLinearRegression(Fields& f) {
  auto e = std::make_shared<LinearRegressor>();
  f.ReadCommon(e.get(), false);
  e->two_d = ReadWeights(f, e.get());
  return e;
}

std::shared_ptr<Estimator> DecodeBayesianRegression(Fields& f) {
  auto e = std::make_shared<BayesianRegressor>();
  f.ReadCommon(e.get(), false);
  e->two_d = ReadWeights(f, e.get());
  if (e->two_d) f.Fail("coef_", "expected a 1-d array");
  const std::size_t p = e->coef.cols;
  e->alpha = f.Float("alpha_");
  if (ClassName(f.object()) == "ARDRegression") {
    auto lambda = f.Doubles("lambda_", p);
    double threshold = f.Float("threshold_lambda");
    for (std::size_t j = 0; j < p; ++j) {
      if (lambda[j] < threshold) e->keep.push_back(j);
    }
  } else {
    for (std::size_t j = 0; j < p; ++j) e->keep.push_back(j);
  }
  e->sigma = f.Matrix2D("sigma_", e->keep.size(), e->keep.size());
  skbridge::Version v = skbridge::Version::Parse(f.version()).value_or(skbridge::Version{0, 0, 0});
  bool normalize = f.Has("normalize") && f.Get("normalize").kind == Kind::kBool && f.Bool("normalize");
  if (normalize) {
    e->offset = f.Doubles("X_offset_", p);
    e->scale = f.Doubles("X_scale_", p);
  } else if (v >= skbridge::Version{1, 9, 0} && f.Has("X_offset_")) {
    e->offset = f.Doubles("X_offset_", p);
  }
  return e;
}

// Poisson/Gamma/TweedieRegressor: predict = inverse link of X @ coef_ + intercept_.
std::shared_ptr<Estimator> DecodeGeneralizedLinear(Fields& f) {
  auto e = std::make_shared<LinearRegressor>();
  f.ReadCommon(e.get(), false);
  e->two_d = ReadWeights(f, e.get());
  if (e->two_d) f.Fail("coef_", "expected a 1-d array for a generalized linear model");
  // The link object: _base_loss.link (1.1+) or _link_instance (0.23-1.0).
  const Value* link_obj = nullptr;
  std::string where;
  if (const Value* loss = Nested(f, "_base_loss")) {
    Fields sub(*loss, &f.ctx(), f.At("_base_loss"));
    link_obj = Nested(sub, "link");
    where = sub.At("link");
    if (!link_obj) sub.Fail("link", "missing");
  } else if (const Value* li = Nested(f, "_link_instance")) {
    link_obj = li;
    where = f.At("_link_instance");
  }
  if (link_obj) {
    std::string name = ClassName(*link_obj);
    if (name == "IdentityLink") e->link = LinearRegressor::Link::kIdentity;
    else if (name == "LogLink") e->link = LinearRegressor::Link::kExp;
    else if (name == "LogitLink") e->link = LinearRegressor::Link::kExpit;
    else throw Error::Unsupported(fmt::format("{}: link {} is not supported", where, link_obj->GlobalPath()));
    return e;
  }
  // No fitted link object: derive it from the parameters as fit() would.
  std::string cls = ClassName(f.object());
  if (cls == "PoissonRegressor" || cls == "GammaRegressor") {
    e->link = LinearRegressor::Link::kExp;
  } else {
    std::string link = OptStr(f, "link");
    double power = f.Has("power") ? f.Float("power") : 0.0;
    if (link == "identity" || (link == "auto" && power <= 0)) e->link = LinearRegressor::Link::kIdentity;
    else if (link == "log" || link == "auto") e->link = LinearRegressor::Link::kExp;
    else f.Fail("link", fmt::format("unknown link '{}'", link));
  }
  return e;
}

std::shared_ptr<Estimator> DecodeSGDOneClassSVM(Fields& f) {
  auto e = std::make_shared<LinearOneClass>();
  f.ReadCommon(e.get(), false);
  auto offset = f.Doubles("offset_");
  if (offset.size() != 1) f.Fail("offset_", fmt::format("expected 1 value, got {}", offset.size()));
  e->offset = offset[0];
  // coef_ is (n,); the intercept is -offset_ so that the kernel's s + b is s - offset_.
  const Value& c = f.Get("coef_");
  if (ShapeOf(c, f.At("coef_")).size() != 1) f.Fail("coef_", "expected a 1-d array");
  e->coef = f.Matrix2D("coef_", 1, e->input.n_features ? std::optional<std::size_t>(e->input.n_features) : std::nullopt);
  e->intercept = {-e->offset};
  if (!e->input.n_features) e->input.n_features = e->coef.cols;
  return e;
}

std::shared_ptr<Estimator> DecodeRansacRegressor(Fields& f) {
  auto e = std::make_shared<Ransac>();
  f.ReadCommon(e.get(), false);
  e->inner = f.Child("estimator_");
  if (!e->input.n_features) e->input.n_features = e->inner->input.n_features;
  if (e->inner->input.n_features && e->input.n_features != e->inner->input.n_features) {
    f.Fail("estimator_", fmt::format("expects {} features, the RANSAC wrapper {}", e->inner->input.n_features, e->input.n_features));
  }
  return e;
}

}  // namespace skbridge::est
