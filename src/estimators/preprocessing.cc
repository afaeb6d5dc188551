// Preprocessing transformers: the scalers, Normalizer, Binarizer, QuantileTransformer,
// PowerTransformer, KBinsDiscretizer, SplineTransformer, PolynomialFeatures and
// FunctionTransformer. Each reads its fitted state as the writing version stored it and
// reproduces that version's transform arithmetic (see the notes at each class for the version
// differences that change numbers).
#include <algorithm>
#include <cmath>
#include <limits>

#include "estimators/compose.h"
#include "estimators/estimator.h"
#include "kernels/preprocessing.h"

namespace skbridge::est {
namespace {

using kernels::Version;

// Base of every transformer here: transform is the only method.
class Transformer : public Estimator {
 public:
  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    return Transform(x);
  }

 protected:
  virtual Output Transform(const Table& x) const = 0;

  // Dense input, validated as scikit-learn's check_array does: infinity is always refused, NaN
  // unless the estimator accepts missing values.
  // Returns `x` itself when it is already dense (no copy), else its dense form in `*storage`.
  const Table& Checked(const Table& x, bool allow_nan, Table* storage) const {
    const Table& d = DenseInput(x, storage);
    std::size_t bad = kernels::FirstRejected(d.dense.data(), d.dense.size(), allow_nan);
    if (bad < d.dense.size()) {
      std::size_t r = bad / d.cols, c = bad % d.cols;
      std::string col = c < d.names.size() ? fmt::format("'{}' (#{})", d.names[c], c + 1) : fmt::format("#{}", c + 1);
      throw Error::InvalidInput(fmt::format("{} ({}): input row {} column {} is {}{}", path, class_path, r + 1, col,
                                            std::isnan(d.dense[bad]) ? "NaN" : "infinite",
                                            std::isnan(d.dense[bad]) ? "; this estimator does not accept missing values" : ""));
    }
    return d;
  }

  // One-to-one transformers keep the input's column names.
  static Output Same(const Table& d, std::vector<double> values) {
    Output o = NumericOutput(d.rows, d.cols, std::move(values));
    o.column_names = d.names;
    return o;
  }
};

bool BoolOr(const Fields& f, std::string_view name, bool fallback) {
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return fallback;
  return f.Bool(name);
}

std::string StrOr(const Fields& f, std::string_view name, std::string fallback) {
  const Value* v = f.Find(name);
  if (!v || v->is_none()) return fallback;
  return f.Str(name);
}

int VersionOf(const Fields& f) { return kernels::VersionNumber(f.version()); }

// n_features from n_features_in_ when stored, else from a per-feature attribute; checks the two agree.
void SetFeatures(Fields& f, Estimator* e, std::size_t n, std::string_view from) {
  if (e->input.n_features == 0) e->input.n_features = n;
  else if (e->input.n_features != n) {
    f.Fail(from, fmt::format("has {} values for {} input features", n, e->input.n_features));
  }
}

// ---------------------------------------------------------------------------------------------
// Scalers: elementwise affine maps. NaN passes through (scikit-learn allows it).

// StandardScaler: X -= mean_ (with_mean), X /= scale_ (with_std; None leaves X unscaled).
class StandardScaler : public Transformer {
 public:
  std::vector<double> mean, scale;  // empty when not applied

  void Apply(double* v, std::size_t rows, std::size_t cols) const {
    kernels::StandardScale(v, rows, cols, mean.empty() ? nullptr : mean.data(), scale.empty() ? nullptr : scale.data(), v);
  }

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    const Table& d = Checked(x, true, &storage);
    std::vector<double> out;
    if (&d == &storage) {
      out = std::move(storage.dense);  // already a fresh dense copy: transform it in place
      Apply(out.data(), d.rows, d.cols);
    } else {
      out.resize(d.dense.size());
      kernels::StandardScale(d.dense.data(), d.rows, d.cols, mean.empty() ? nullptr : mean.data(),
                             scale.empty() ? nullptr : scale.data(), out.data());
    }
    return Same(d, std::move(out));
  }
};

// MinMaxScaler: X *= scale_; X += min_; clip to feature_range when clip=True (0.24+).
class MinMaxScaler : public Transformer {
 public:
  std::vector<double> scale, min;
  bool clip = false;
  double lo = 0, hi = 1;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, true, &storage);  // a copy: the transform writes its output in place
    for (std::size_t r = 0; r < d.rows; ++r) {
      double* v = d.dense.data() + r * d.cols;
      for (std::size_t c = 0; c < d.cols; ++c) {
        double y = v[c] * scale[c];
        y += min[c];
        if (clip) {  // np.clip keeps NaN
          if (y < lo) y = lo;
          if (y > hi) y = hi;
        }
        v[c] = y;
      }
    }
    return Same(d, std::move(d.dense));
  }
};

// MaxAbsScaler: X /= scale_; clip to [-1, 1] when the version has clip and it is set.
class MaxAbsScaler : public Transformer {
 public:
  std::vector<double> scale;
  bool clip = false;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, true, &storage);  // a copy: the transform writes its output in place
    for (std::size_t r = 0; r < d.rows; ++r) {
      double* v = d.dense.data() + r * d.cols;
      for (std::size_t c = 0; c < d.cols; ++c) {
        double y = v[c] / scale[c];
        if (clip) {
          if (y < -1.0) y = -1.0;
          if (y > 1.0) y = 1.0;
        }
        v[c] = y;
      }
    }
    return Same(d, std::move(d.dense));
  }
};

// RobustScaler: X -= center_ (with_centering), X /= scale_ (with_scaling).
class RobustScaler : public Transformer {
 public:
  std::vector<double> center, scale;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, true, &storage);  // a copy: the transform writes its output in place
    for (std::size_t r = 0; r < d.rows; ++r) {
      double* v = d.dense.data() + r * d.cols;
      if (!center.empty()) {
        for (std::size_t c = 0; c < d.cols; ++c) v[c] -= center[c];
      }
      if (!scale.empty()) {
        for (std::size_t c = 0; c < d.cols; ++c) v[c] /= scale[c];
      }
    }
    return Same(d, std::move(d.dense));
  }
};

// Normalizer: each row divided by its l1 / l2 / max norm. Zero norms are left alone: before 1.0
// exactly zero, from 1.0 anything below 10 * eps (_handle_zeros_in_scale's constant mask).
class Normalizer : public Transformer {
 public:
  enum class Norm { kL1, kL2, kMax } norm = Norm::kL2;
  bool near_zero_is_zero = true;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, false, &storage);  // a copy: the transform writes its output in place
    constexpr double kTiny = 10 * std::numeric_limits<double>::epsilon();
    for (std::size_t r = 0; r < d.rows; ++r) {
      double* v = d.dense.data() + r * d.cols;
      double n = 0;
      switch (norm) {
        case Norm::kL1:
          for (std::size_t c = 0; c < d.cols; ++c) n += std::fabs(v[c]);
          break;
        case Norm::kL2:
          for (std::size_t c = 0; c < d.cols; ++c) n += v[c] * v[c];
          n = std::sqrt(n);
          break;
        case Norm::kMax:
          for (std::size_t c = 0; c < d.cols; ++c) n = std::max(n, std::fabs(v[c]));
          break;
      }
      if (near_zero_is_zero ? n < kTiny : n == 0.0) n = 1.0;
      for (std::size_t c = 0; c < d.cols; ++c) v[c] /= n;
    }
    return Same(d, std::move(d.dense));
  }
};

// Binarizer: 1 where X > threshold, else 0.
class Binarizer : public Transformer {
 public:
  double threshold = 0;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, false, &storage);  // a copy: the transform writes its output in place
    for (double& v : d.dense) v = v > threshold ? 1.0 : 0.0;
    return Same(d, std::move(d.dense));
  }
};

// ---------------------------------------------------------------------------------------------
// QuantileTransformer: per feature, the average of np.interp forwards and backwards through
// (quantiles_, references_), the bound clamps, then for 'normal' norm.ppf (scipy's ndtri) clipped
// so that the inverse stays consistent. The same arithmetic in every version.
class QuantileTransformer : public Transformer {
 public:
  std::size_t n_quantiles = 0;
  std::vector<double> q;       // per feature, ascending: quantiles_[:, j] (n_features x n_quantiles)
  std::vector<double> neg_q;   // per feature: -quantiles_[::-1, j]
  std::vector<double> refs;    // references_
  std::vector<double> neg_refs;  // -references_[::-1]
  bool normal = false;
  double clip_min = 0, clip_max = 0;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, true, &storage);  // a copy: the transform writes its output in place
    constexpr double kBound = 1e-7;  // BOUNDS_THRESHOLD
    const std::size_t n = n_quantiles;
    for (std::size_t c = 0; c < d.cols; ++c) {
      const double* qc = q.data() + c * n;
      const double* nq = neg_q.data() + c * n;
      const double lower_x = qc[0], upper_x = qc[n - 1];
      for (std::size_t r = 0; r < d.rows; ++r) {
        double& v = d.dense[r * d.cols + c];
        const double xv = v;
        if (std::isnan(xv)) continue;  // NaN stays NaN (norm.ppf(NaN) is NaN too)
        bool lower, upper;
        if (normal) {
          lower = xv - kBound < lower_x;
          upper = xv + kBound > upper_x;
        } else {
          lower = xv == lower_x;
          upper = xv == upper_x;
        }
        double y = 0.5 * (kernels::NumpyInterp(xv, qc, refs.data(), n) - kernels::NumpyInterp(-xv, nq, neg_refs.data(), n));
        if (upper) y = 1;
        if (lower) y = 0;
        if (normal) {
          y = kernels::Ndtri(y);
          if (y < clip_min) y = clip_min;
          if (y > clip_max) y = clip_max;
        }
        v = y;
      }
    }
    return Same(d, std::move(d.dense));
  }
};

// ---------------------------------------------------------------------------------------------
// PowerTransformer: per-feature Box-Cox or Yeo-Johnson with lambdas_, then the inner
// StandardScaler (_scaler) when standardize. Yeo-Johnson is scikit-learn's own formula before 1.9
// and scipy.stats.yeojohnson's expm1/log1p form from 1.9.
class PowerTransformer : public Transformer {
 public:
  bool box_cox = false;
  bool yj_expm1 = false;
  std::vector<double> lambdas;
  std::shared_ptr<const StandardScaler> scaler;  // nullptr when not standardizing

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, true, &storage);  // a copy: the transform writes its output in place
    if (box_cox) {
      double mn = std::numeric_limits<double>::infinity();
      for (double v : d.dense) {
        if (!std::isnan(v)) mn = std::min(mn, v);
      }
      if (mn <= 0) {
        throw Error::InvalidInput(fmt::format("{} ({}): the Box-Cox transformation can only be applied to strictly positive data",
                                              path, class_path));
      }
    }
    for (std::size_t r = 0; r < d.rows; ++r) {
      double* v = d.dense.data() + r * d.cols;
      for (std::size_t c = 0; c < d.cols; ++c) {
        v[c] = box_cox ? kernels::BoxCox(v[c], lambdas[c]) : kernels::YeoJohnson(v[c], lambdas[c], yj_expm1);
      }
    }
    if (scaler) scaler->Apply(d.dense.data(), d.rows, d.cols);
    return Same(d, std::move(d.dense));
  }
};

// ---------------------------------------------------------------------------------------------
// KBinsDiscretizer: the bin of each value among bin_edges_, as ordinals or one-hot columns.
// Before 1.1: np.digitize(x + eps, edges[1:]) with eps = 1e-8 + 1e-5 |x|, clipped to the last bin;
// from 1.1: np.searchsorted(edges[1:-1], x, side='right').
class KBinsDiscretizer : public Transformer {
 public:
  std::vector<std::vector<double>> edges;  // per feature
  std::vector<std::size_t> n_bins;
  std::vector<std::size_t> offset;  // one-hot: first output column of each feature
  std::size_t width = 0;            // one-hot output width
  bool onehot = false;
  bool digitize_eps = false;

 protected:
  std::size_t Bin(std::size_t c, double x) const {
    const std::vector<double>& e = edges[c];
    if (digitize_eps) {
      double eps = 1.e-8 + 1.e-5 * std::fabs(x);
      double v = x + eps;
      std::size_t i = static_cast<std::size_t>(std::upper_bound(e.begin() + 1, e.end(), v) - (e.begin() + 1));
      return std::min(i, n_bins[c] - 1);
    }
    if (e.size() < 2) return 0;
    return static_cast<std::size_t>(std::upper_bound(e.begin() + 1, e.end() - 1, x) - (e.begin() + 1));
  }

  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, false, &storage);  // a copy: the transform writes its output in place
    if (!onehot) {
      for (std::size_t r = 0; r < d.rows; ++r) {
        double* v = d.dense.data() + r * d.cols;
        for (std::size_t c = 0; c < d.cols; ++c) v[c] = static_cast<double>(Bin(c, v[c]));
      }
      return Same(d, std::move(d.dense));
    }
    std::vector<double> out(d.rows * width, 0.0);
    for (std::size_t r = 0; r < d.rows; ++r) {
      const double* v = d.dense.data() + r * d.cols;
      for (std::size_t c = 0; c < d.cols; ++c) out[r * width + offset[c] + Bin(c, v[c])] = 1.0;
    }
    return NumericOutput(d.rows, width, std::move(out));
  }
};

// ---------------------------------------------------------------------------------------------
// SplineTransformer: each feature through its B-spline basis (bsplines_[j], scipy BSpline objects
// with identity-like coefficients), with scikit-learn's extrapolation modes around scipy's
// evaluation. Dense output, also for sparse_output=True.
class SplineTransformer : public Transformer {
 public:
  struct Spline {
    std::vector<double> t;
    std::vector<double> c;  // n x m
    std::size_t n = 0;
    bool extrapolate = false;
  };
  std::vector<Spline> splines;
  int degree = 3;
  std::size_t n_splines = 0;
  enum class Extrapolation { kError, kConstant, kLinear, kContinue, kPeriodic } extrapolation = Extrapolation::kConstant;
  bool include_bias = true;
  bool nan_to_zeros = false;    // handle_missing='zeros' (1.9)
  bool zero_period_to_zero = false;  // 1.9: a periodic spline with no period maps x to 0

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, nan_to_zeros, &storage);  // a copy: the transform writes its output in place
    const std::size_t nf = d.cols, ns = n_splines, full = nf * ns;
    std::vector<double> xbs(d.rows * full, 0.0);
    const int k = degree;
    int deg = degree;
    std::vector<double> work(2 * static_cast<std::size_t>(k + 1) + 2), fmin(ns), fmax(ns), fpmin(ns), fpmax(ns);
    for (std::size_t f = 0; f < nf; ++f) {
      const Spline& s = splines[f];
      const std::size_t lt = s.t.size();
      auto eval = [&](double v, int nu, bool extrapolate, double* out) {
        kernels::BSplineEval(s.t.data(), lt, k, s.c.data(), s.n, ns, v, nu, extrapolate, work.data(), out);
      };
      if (extrapolation == Extrapolation::kContinue || extrapolation == Extrapolation::kError ||
          extrapolation == Extrapolation::kPeriodic) {
        const std::size_t n = lt - static_cast<std::size_t>(k) - 1;
        const double tk = s.t[static_cast<std::size_t>(k)], period = s.t[n] - tk;
        for (std::size_t r = 0; r < d.rows; ++r) {
          double v = d.dense[r * nf + f];
          double* out = xbs.data() + r * full + f * ns;
          if (extrapolation == Extrapolation::kPeriodic) {
            if (period > 0 || !zero_period_to_zero) v = tk + kernels::NumpyRemainder(v - tk, period);
            else v = 0.0;
          }
          if (nan_to_zeros && std::isnan(d.dense[r * nf + f])) continue;  // stays 0
          eval(v, 0, s.extrapolate, out);
          if (extrapolation == Extrapolation::kError) {
            for (std::size_t j = 0; j < ns; ++j) {
              if (std::isnan(out[j])) {
                throw Error::InvalidInput(fmt::format("{} ({}): input row {} column #{} is beyond the limits of the knots "
                                                      "(extrapolation='error')",
                                                      path, class_path, r + 1, f + 1));
              }
            }
          }
        }
        continue;
      }
      // 'constant' and 'linear': the spline inside [t[deg], t[-deg-1]], its boundary values (and
      // slopes) outside. `deg` is scikit-learn's loop variable `degree`: for 'linear' with degree
      // <= 1 it is raised by one while handling the first feature and stays raised for the next
      // ones, which then take their bounds from the shifted knots (bug-compatible).
      if (static_cast<std::size_t>(2 * deg + 1) > lt) {
        throw Error::InvalidModel(fmt::format("{}: bsplines_[{}] has too few knots", path, f));
      }
      const double xmin = s.t[static_cast<std::size_t>(deg)], xmax = s.t[lt - static_cast<std::size_t>(deg) - 1];
      eval(xmin, 0, s.extrapolate, fmin.data());
      eval(xmax, 0, s.extrapolate, fmax.data());
      const bool linear = extrapolation == Extrapolation::kLinear;
      if (linear) {
        eval(xmin, 1, s.extrapolate, fpmin.data());
        eval(xmax, 1, s.extrapolate, fpmax.data());
      }
      if (linear && deg <= 1) ++deg;
      const std::size_t dcount = static_cast<std::size_t>(deg);
      for (std::size_t r = 0; r < d.rows; ++r) {
        const double v = d.dense[r * nf + f];
        double* out = xbs.data() + r * full + f * ns;
        if (xmin <= v && v <= xmax) {
          eval(v, 0, s.extrapolate, out);
        } else if (v < xmin) {
          for (std::size_t j = 0; j < dcount && j < ns; ++j) out[j] = linear ? fmin[j] + (v - xmin) * fpmin[j] : fmin[j];
        } else if (v > xmax) {
          for (std::size_t j = 0; j < dcount && j < ns; ++j) {
            std::size_t kk = ns - 1 - j;
            out[kk] = linear ? fmax[kk] + (v - xmax) * fpmax[kk] : fmax[kk];
          }
        }
      }
    }
    if (include_bias) return NumericOutput(d.rows, full, std::move(xbs));
    // Drop the last basis function of every feature.
    const std::size_t w = nf * (ns - 1);
    std::vector<double> out(d.rows * w);
    for (std::size_t r = 0; r < d.rows; ++r) {
      std::size_t o = 0;
      for (std::size_t j = 0; j < full; ++j) {
        if ((j + 1) % ns != 0) out[r * w + o++] = xbs[r * full + j];
      }
    }
    return NumericOutput(d.rows, w, std::move(out));
  }
};

// ---------------------------------------------------------------------------------------------
// PolynomialFeatures: the monomials of itertools' combinations (with replacement unless
// interaction_only) in scikit-learn's column order. From 0.21 each degree-d column is the
// degree-(d-1) column of the later features times the first feature, so a monomial
// x_{i1} ... x_{id} (i1 <= ... <= id) is ((x_{id} * x_{id-1}) * ...) * x_{i1}; 0.20 multiplied
// left to right (X[:, comb].prod(1)).
class PolynomialFeatures : public Transformer {
 public:
  std::vector<std::vector<std::size_t>> combos;
  bool left_to_right = false;

 protected:
  Output Transform(const Table& x) const override {
    Table storage;
    Table d = Checked(x, false, &storage);  // a copy: the transform writes its output in place
    const std::size_t w = combos.size();
    std::vector<double> out(d.rows * w);
    for (std::size_t r = 0; r < d.rows; ++r) {
      const double* v = d.dense.data() + r * d.cols;
      double* o = out.data() + r * w;
      for (std::size_t j = 0; j < w; ++j) {
        const auto& cb = combos[j];
        if (cb.empty()) {
          o[j] = 1.0;
          continue;
        }
        double p;
        if (left_to_right) {
          p = v[cb[0]];
          for (std::size_t i = 1; i < cb.size(); ++i) p *= v[cb[i]];
        } else {
          p = v[cb.back()];
          for (std::size_t i = cb.size() - 1; i-- > 0;) p *= v[cb[i]];
        }
        o[j] = p;
      }
    }
    return NumericOutput(d.rows, w, std::move(out));
  }
};

// itertools.combinations / combinations_with_replacement of range(n) of length d, in order.
void AppendCombinations(std::size_t n, std::size_t d, bool replacement, std::vector<std::vector<std::size_t>>* out,
                        std::size_t limit) {
  if (d == 0) {
    out->emplace_back();
    return;
  }
  if (n == 0 || (!replacement && d > n)) return;
  std::vector<std::size_t> idx(d);
  for (std::size_t i = 0; i < d; ++i) idx[i] = replacement ? 0 : i;
  for (;;) {
    out->push_back(idx);
    if (out->size() > limit) return;
    // Rightmost index that can still grow.
    std::size_t i = d;
    while (i-- > 0) {
      std::size_t max = replacement ? n - 1 : n - d + i;
      if (idx[i] < max) break;
      if (i == 0) return;
    }
    ++idx[i];
    for (std::size_t j = i + 1; j < d; ++j) idx[j] = replacement ? idx[i] : idx[j - 1] + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// FunctionTransformer: identity when func is None, else an allowlisted elementwise numpy function.
class FunctionTransformer : public Transformer, public TableTransformer {
 public:
  kernels::UnaryFunction fn = nullptr;  // nullptr: identity
  bool validate = false;

  // The identity (func=None, validate=False) passes any table through, text columns included.
  Table TransformTable(const Table& x) const override {
    if (!fn && !validate) return x;
    Output o = Transform(x);
    return Table::Dense(o.rows, o.cols, std::move(o.values), std::move(o.column_names));
  }

 protected:
  Output Transform(const Table& x) const override {
    if (!fn && !validate && !x.is_dense()) return TableAsOutput(x);
    Table d;
    if (validate) {
      Table storage;
      d = Checked(x, false, &storage);
    } else {
      d = x.is_dense() ? x : x.ToDense();  // validate=False: scikit-learn checks nothing
    }
    if (fn) {
      for (double& v : d.dense) v = fn(v);
    }
    return Same(d, std::move(d.dense));
  }
};

// The numpy function a FunctionTransformer's func / inverse_func refers to: a Global
// (numpy.log1p, numpy.core._multiarray_umath.log1p, numpy._core.umath.log1p ...) or numpy 1.x's
// numpy.core._ufunc_reconstruct('numpy', 'log1p'). Returns the module-qualified path and sets
// *name to the function name when it is a numpy function.
std::string FunctionPath(const Value& v, std::string* numpy_name) {
  std::string module, name;
  if (v.kind == Kind::kGlobal) {
    module = std::string(v.text);
    name = std::string(v.name);
  } else if (v.kind == Kind::kObject && v.Class()) {
    std::string callable = v.GlobalPath();
    const Value* args = v.object->args;
    bool reconstruct = callable.ends_with("._ufunc_reconstruct") && callable.starts_with("numpy");
    if (reconstruct && args && args->kind == Kind::kTuple && args->items.size() == 2 && args->items[0]->is_text() &&
        args->items[1]->is_text()) {
      module = std::string(args->items[0]->text);
      name = std::string(args->items[1]->text);
    } else {
      return "<" + callable + " object>";
    }
  } else {
    return v.Repr(60);
  }
  bool numpy = module == "numpy" || module.starts_with("numpy.core") || module.starts_with("numpy._core");
  if (numpy) *numpy_name = name;
  return module + "." + name;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Decoders.

std::shared_ptr<Estimator> DecodeStandardScaler(Fields& f) {
  auto e = std::make_shared<StandardScaler>();
  f.ReadCommon(e.get(), false);
  if (BoolOr(f, "with_mean", true) && !f.IsNone("mean_")) {
    e->mean = f.Doubles("mean_");
    SetFeatures(f, e.get(), e->mean.size(), "mean_");
  }
  if (BoolOr(f, "with_std", true) && !f.IsNone("scale_")) {
    e->scale = f.Doubles("scale_");
    SetFeatures(f, e.get(), e->scale.size(), "scale_");
  }
  return e;
}

std::shared_ptr<Estimator> DecodeMinMaxScaler(Fields& f) {
  auto e = std::make_shared<MinMaxScaler>();
  f.ReadCommon(e.get(), false);
  e->scale = f.Doubles("scale_");
  SetFeatures(f, e.get(), e->scale.size(), "scale_");
  e->min = f.Doubles("min_", e->scale.size());
  e->clip = BoolOr(f, "clip", false);
  if (e->clip) {
    std::vector<double> range = ToDoubles(f.Get("feature_range"), f.At("feature_range"));
    if (range.size() != 2) f.Fail("feature_range", "expected (min, max)");
    e->lo = range[0];
    e->hi = range[1];
  }
  return e;
}

std::shared_ptr<Estimator> DecodeMaxAbsScaler(Fields& f) {
  auto e = std::make_shared<MaxAbsScaler>();
  f.ReadCommon(e.get(), false);
  e->scale = f.Doubles("scale_");
  SetFeatures(f, e.get(), e->scale.size(), "scale_");
  e->clip = BoolOr(f, "clip", false);
  return e;
}

std::shared_ptr<Estimator> DecodeRobustScaler(Fields& f) {
  auto e = std::make_shared<RobustScaler>();
  f.ReadCommon(e.get(), false);
  if (BoolOr(f, "with_centering", true) && !f.IsNone("center_")) {
    e->center = f.Doubles("center_");
    SetFeatures(f, e.get(), e->center.size(), "center_");
  }
  if (BoolOr(f, "with_scaling", true) && !f.IsNone("scale_")) {
    e->scale = f.Doubles("scale_");
    SetFeatures(f, e.get(), e->scale.size(), "scale_");
  }
  return e;
}

std::shared_ptr<Estimator> DecodeNormalizer(Fields& f) {
  auto e = std::make_shared<Normalizer>();
  f.ReadCommon(e.get(), false);
  std::string norm = StrOr(f, "norm", "l2");
  if (norm == "l1") e->norm = Normalizer::Norm::kL1;
  else if (norm == "l2") e->norm = Normalizer::Norm::kL2;
  else if (norm == "max") e->norm = Normalizer::Norm::kMax;
  else f.Fail("norm", fmt::format("unknown norm '{}'", norm));
  e->near_zero_is_zero = VersionOf(f) >= Version(1, 0);
  return e;
}

std::shared_ptr<Estimator> DecodeBinarizer(Fields& f) {
  auto e = std::make_shared<Binarizer>();
  f.ReadCommon(e.get(), false);
  e->threshold = f.Has("threshold") ? f.Float("threshold") : 0.0;
  return e;
}

std::shared_ptr<Estimator> DecodeQuantileTransformer(Fields& f) {
  auto e = std::make_shared<QuantileTransformer>();
  f.ReadCommon(e.get(), false);
  Matrix quantiles = f.Matrix2D("quantiles_");
  if (ShapeOf(f.Get("quantiles_"), f.At("quantiles_")).size() != 2) f.Fail("quantiles_", "expected a 2-d array");
  const std::size_t n = quantiles.rows;
  if (n == 0) f.Fail("quantiles_", "is empty");
  SetFeatures(f, e.get(), quantiles.cols, "quantiles_");
  e->n_quantiles = n;
  e->refs = f.Doubles("references_", n);
  e->neg_refs.resize(n);
  for (std::size_t i = 0; i < n; ++i) e->neg_refs[i] = -e->refs[n - 1 - i];
  const std::size_t nf = quantiles.cols;
  e->q.resize(n * nf);
  e->neg_q.resize(n * nf);
  for (std::size_t c = 0; c < nf; ++c) {
    for (std::size_t i = 0; i < n; ++i) {
      e->q[c * n + i] = quantiles.at(i, c);
      e->neg_q[c * n + i] = -quantiles.at(n - 1 - i, c);
    }
  }
  std::string dist = StrOr(f, "output_distribution", "uniform");
  if (dist == "normal") {
    e->normal = true;
    constexpr double kBound = 1e-7, kSpacing1 = std::numeric_limits<double>::epsilon();  // np.spacing(1)
    e->clip_min = kernels::Ndtri(kBound - kSpacing1);
    e->clip_max = kernels::Ndtri(1 - (kBound - kSpacing1));
  } else if (dist != "uniform") {
    f.Fail("output_distribution", fmt::format("unknown output distribution '{}'", dist));
  }
  return e;
}

std::shared_ptr<Estimator> DecodePowerTransformer(Fields& f) {
  auto e = std::make_shared<PowerTransformer>();
  f.ReadCommon(e.get(), false);
  std::string method = StrOr(f, "method", "yeo-johnson");
  if (method == "box-cox") e->box_cox = true;
  else if (method != "yeo-johnson") f.Fail("method", fmt::format("unknown method '{}'", method));
  e->yj_expm1 = VersionOf(f) >= Version(1, 9);
  e->lambdas = f.Doubles("lambdas_");
  SetFeatures(f, e.get(), e->lambdas.size(), "lambdas_");
  if (BoolOr(f, "standardize", true)) {
    auto child = f.Child("_scaler");
    e->scaler = std::dynamic_pointer_cast<const StandardScaler>(child);
    if (!e->scaler) f.Fail("_scaler", fmt::format("expected a StandardScaler, found {}", child->class_path));
    if ((!e->scaler->mean.empty() && e->scaler->mean.size() != e->lambdas.size()) ||
        (!e->scaler->scale.empty() && e->scaler->scale.size() != e->lambdas.size())) {
      f.Fail("_scaler", fmt::format("does not have {} features like lambdas_", e->lambdas.size()));
    }
  }
  return e;
}

std::shared_ptr<Estimator> DecodeKBinsDiscretizer(Fields& f) {
  auto e = std::make_shared<KBinsDiscretizer>();
  f.ReadCommon(e.get(), false);
  std::vector<std::int64_t> n_bins = f.Ints("n_bins_");
  SetFeatures(f, e.get(), n_bins.size(), "n_bins_");
  const Value& edges = f.Get("bin_edges_");
  std::string at = f.At("bin_edges_");
  if (edges.kind == Kind::kArray && edges.array->dtype.kind == DTypeKind::kObject) {
    for (std::size_t i = 0; i < edges.array->objects.size(); ++i) {
      e->edges.push_back(ToDoubles(*edges.array->objects[i], fmt::format("{}[{}]", at, i)));
    }
  } else if (edges.kind == Kind::kList || edges.kind == Kind::kTuple) {
    for (std::size_t i = 0; i < edges.items.size(); ++i) e->edges.push_back(ToDoubles(*edges.items[i], fmt::format("{}[{}]", at, i)));
  } else {
    Matrix m = f.Matrix2D("bin_edges_");
    for (std::size_t r = 0; r < m.rows; ++r) e->edges.emplace_back(m.v.begin() + r * m.cols, m.v.begin() + (r + 1) * m.cols);
  }
  if (e->edges.size() != n_bins.size()) {
    f.Fail("bin_edges_", fmt::format("has {} features, n_bins_ has {}", e->edges.size(), n_bins.size()));
  }
  for (std::size_t j = 0; j < n_bins.size(); ++j) {
    if (n_bins[j] < 1 || e->edges[j].size() != static_cast<std::size_t>(n_bins[j]) + 1) {
      f.Fail("bin_edges_", fmt::format("feature {} has {} edges for {} bins", j, e->edges[j].size(), n_bins[j]));
    }
    if (!std::is_sorted(e->edges[j].begin(), e->edges[j].end())) f.Fail("bin_edges_", fmt::format("feature {} is not sorted", j));
    e->n_bins.push_back(static_cast<std::size_t>(n_bins[j]));
    e->offset.push_back(e->width);
    e->width += static_cast<std::size_t>(n_bins[j]);
  }
  std::string encode = StrOr(f, "encode", "onehot");
  if (encode == "onehot" || encode == "onehot-dense") e->onehot = true;
  else if (encode != "ordinal") f.Fail("encode", fmt::format("unknown encoding '{}'", encode));
  e->digitize_eps = VersionOf(f) < Version(1, 1);
  return e;
}

std::shared_ptr<Estimator> DecodeSplineTransformer(Fields& f) {
  auto e = std::make_shared<SplineTransformer>();
  f.ReadCommon(e.get(), false);
  e->degree = static_cast<int>(f.Int("degree"));
  if (e->degree < 0 || e->degree > 64) f.Fail("degree", fmt::format("unsupported degree {}", e->degree));
  std::string ex = StrOr(f, "extrapolation", "constant");
  using X = SplineTransformer::Extrapolation;
  if (ex == "error") e->extrapolation = X::kError;
  else if (ex == "constant") e->extrapolation = X::kConstant;
  else if (ex == "linear") e->extrapolation = X::kLinear;
  else if (ex == "continue") e->extrapolation = X::kContinue;
  else if (ex == "periodic") e->extrapolation = X::kPeriodic;
  else f.Fail("extrapolation", fmt::format("unknown extrapolation '{}'", ex));
  e->include_bias = BoolOr(f, "include_bias", true);
  std::string missing = StrOr(f, "handle_missing", "error");
  if (missing == "zeros") e->nan_to_zeros = true;
  else if (missing != "error") f.Fail("handle_missing", fmt::format("unknown value '{}'", missing));
  e->zero_period_to_zero = VersionOf(f) >= Version(1, 9);
  const Value& list = f.Get("bsplines_");
  if (list.kind != Kind::kList && list.kind != Kind::kTuple) f.Fail("bsplines_", "expected a list of BSpline objects");
  if (list.items.empty()) f.Fail("bsplines_", "is empty");
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const Value& b = *list.items[i];
    std::string at = fmt::format("{}[{}]", f.At("bsplines_"), i);
    const Value* st = b.State();
    if (b.kind != Kind::kObject || !b.GlobalPath().ends_with(".BSpline") || !st || st->kind != Kind::kDict) {
      throw Error::InvalidModel(fmt::format("{}: expected a scipy BSpline, found {}", at, b.Repr(40)));
    }
    // scipy >= 1.15 keeps t and c as _t and _c.
    auto need = [&](std::string_view name) -> const Value& {
      const Value* v = st->Get(name);
      if (!v && (name == "t" || name == "c")) v = st->Get(std::string("_") + std::string(name));
      if (!v) throw Error::InvalidModel(fmt::format("{}.{}: missing", at, name));
      return *v;
    };
    SplineTransformer::Spline s;
    s.t = ToDoubles(need("t"), at + ".t");
    const Value& c = need("c");
    auto shape = ShapeOf(c, at + ".c");
    if (shape.size() != 2) throw Error::InvalidModel(fmt::format("{}.c: expected a 2-d array", at));
    s.c = ToDoubles(c, at + ".c");
    s.n = static_cast<std::size_t>(shape[0]);
    const Value& k = need("k");
    if (k.kind != Kind::kInt || k.integer != e->degree) {
      throw Error::InvalidModel(fmt::format("{}.k: expected the degree {}, found {}", at, e->degree, k.Repr(20)));
    }
    const Value& ext = need("extrapolate");
    s.extrapolate = ext.kind == Kind::kBool ? ext.boolean : ext.is_text();  // 'periodic' extrapolates too
    const std::size_t m = static_cast<std::size_t>(shape[1]);
    if (i == 0) e->n_splines = m;
    if (m != e->n_splines || m == 0) {
      throw Error::InvalidModel(fmt::format("{}.c: has {} columns, bsplines_[0] has {}", at, m, e->n_splines));
    }
    if (s.t.size() != s.n + static_cast<std::size_t>(e->degree) + 1) {
      throw Error::InvalidModel(fmt::format("{}.t: has {} knots for {} coefficients of degree {}", at, s.t.size(), s.n, e->degree));
    }
    if (!std::is_sorted(s.t.begin(), s.t.end())) throw Error::InvalidModel(fmt::format("{}.t: knots are not sorted", at));
    e->splines.push_back(std::move(s));
  }
  SetFeatures(f, e.get(), e->splines.size(), "bsplines_");
  if (!e->include_bias && e->n_splines < 2) f.Fail("bsplines_", "include_bias=False needs at least 2 splines");
  if (f.Has("n_features_out_") && f.Get("n_features_out_").kind == Kind::kInt) {
    std::size_t expect = e->splines.size() * (e->n_splines - (e->include_bias ? 0 : 1));
    if (static_cast<std::size_t>(f.Int("n_features_out_")) != expect) {
      f.Fail("n_features_out_", fmt::format("is {}, the splines give {}", f.Int("n_features_out_"), expect));
    }
  }
  return e;
}

std::shared_ptr<Estimator> DecodePolynomialFeatures(Fields& f) {
  auto e = std::make_shared<PolynomialFeatures>();
  f.ReadCommon(e.get(), false);
  if (!e->input.n_features) {
    const Value* n = f.FindAny({"n_input_features_", "n_features_in_"});
    if (!n || n->kind != Kind::kInt) f.Fail("n_input_features_", "missing");
    e->input.n_features = static_cast<std::size_t>(n->integer);
  }
  std::int64_t min_degree = 0, max_degree = 0;
  if (f.Has("_max_degree")) {
    min_degree = f.Int("_min_degree");
    max_degree = f.Int("_max_degree");
  } else {
    const Value& d = f.Get("degree");
    if (d.kind == Kind::kTuple || d.kind == Kind::kList) {
      auto v = ToInts(d, f.At("degree"));
      if (v.size() != 2) f.Fail("degree", "expected (min_degree, max_degree)");
      min_degree = v[0];
      max_degree = v[1];
    } else {
      max_degree = f.Int("degree");
    }
  }
  if (min_degree < 0 || max_degree < min_degree || max_degree > 64) {
    f.Fail("degree", fmt::format("unsupported degrees ({}, {})", min_degree, max_degree));
  }
  const bool interaction_only = BoolOr(f, "interaction_only", false);
  const bool include_bias = BoolOr(f, "include_bias", true);
  const std::size_t limit = 50'000'000 / std::max<std::size_t>(1, static_cast<std::size_t>(max_degree));
  if (include_bias) e->combos.emplace_back();
  for (std::int64_t d = std::max<std::int64_t>(1, min_degree); d <= max_degree; ++d) {
    AppendCombinations(e->input.n_features, static_cast<std::size_t>(d), !interaction_only, &e->combos, limit);
    if (e->combos.size() > limit) f.Fail("degree", "gives too many output features");
  }
  if (f.Has("n_output_features_")) {
    auto want = static_cast<std::size_t>(f.Int("n_output_features_"));
    if (want != e->combos.size()) {
      f.Fail("n_output_features_", fmt::format("is {}, the degrees give {}", want, e->combos.size()));
    }
  }
  e->left_to_right = VersionOf(f) < Version(0, 21);
  return e;
}

std::shared_ptr<Estimator> DecodeFunctionTransformer(Fields& f) {
  auto e = std::make_shared<FunctionTransformer>();
  f.ReadCommon(e.get(), false);
  // validate=None (0.20 and 0.21) meant True, with a FutureWarning.
  e->validate = BoolOr(f, "validate", f.Has("validate"));
  if (BoolOr(f, "pass_y", false)) {
    throw Error::Unsupported(fmt::format("{}: FunctionTransformer(pass_y=True) passes y to its function; not supported", f.path()));
  }
  // validate=False checks nothing, not even the number of columns.
  if (!e->validate && e->input.feature_names.empty()) e->input.n_features = 0;
  const Value* kw = f.Find("kw_args");
  if (kw && !kw->is_none() && !(kw->kind == Kind::kDict && kw->entries.empty())) {
    std::string keys;
    for (const auto& [k, v] : kw->entries) keys += (keys.empty() ? "" : ", ") + (k->is_text() ? std::string(k->text) : k->Repr(20));
    f.Fail("kw_args", fmt::format("holds {}; FunctionTransformer keyword arguments are not supported",
                                  kw->kind == Kind::kDict ? "keyword arguments " + keys : kw->Repr(60)));
  }
  const Value* func = f.Find("func");
  if (func && !func->is_none()) {
    std::string numpy_name;
    std::string where = FunctionPath(*func, &numpy_name);
    if (numpy_name.empty()) {
      throw Error::Unsafe(fmt::format("{}.func: {} is not a numpy function; skbridge will not run arbitrary code", f.path(), where));
    }
    e->fn = kernels::NumpyUnaryFunction(numpy_name);
    if (!e->fn) {
      throw Error::Unsupported(fmt::format("{}.func: numpy function {} is not supported by FunctionTransformer in skbridge",
                                           f.path(), where));
    }
  }
  return e;
}

}  // namespace skbridge::est
