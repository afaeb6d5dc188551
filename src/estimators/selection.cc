// Feature selection: every selector reduces to a boolean support mask over the input columns,
// computed once at decode exactly as the writing scikit-learn's _get_support_mask does it (the
// univariate filters from scores_/pvalues_, VarianceThreshold from variances_, SelectFromModel
// from the fitted estimator's coef_ / feature_importances_, RFE/RFECV/SequentialFeatureSelector
// from support_). transform keeps the selected columns; RFE and RFECV also predict through
// estimator_ on them.
//
// Input checks follow SelectorMixin.transform: check_array(dtype=None, force_all_finite=not
// allow_nan) — NaN and infinity are rejected unless the selector's allow_nan tag is set
// (VarianceThreshold; the meta-selectors take it from their `estimator`), in which case nothing is
// checked. Text columns pass through check_array untouched; skbridge's numeric output cannot carry
// them, so selecting one is refused.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "estimators/estimator.h"
#include "estimators/tree_decode.h"
#include "kernels/selection.h"

namespace skbridge::est {
namespace {

class Selector : public Estimator {
 public:
  std::vector<std::size_t> keep;  // selected input columns, ascending
  std::size_t n_in = 0;
  bool allow_nan = false;  // allow_nan tag: no finiteness check at all
  std::shared_ptr<const Estimator> inner;  // RFE / RFECV: estimator_, fitted on the selected columns
  std::vector<std::string> out_names;      // selected feature_names_in_, when fitted on a DataFrame

  bool Has(Method m) const override {
    switch (m) {
      case Method::kTransform: return true;
      case Method::kPredict:
      case Method::kPredictProba:
      case Method::kPredictLogProba:
      case Method::kDecisionFunction: return inner && inner->Has(m);
      default: return false;
    }
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Table t = Reduce(x);
    if (m == Method::kTransform) {
      Output o = NumericOutput(t.rows, t.cols, std::move(t.dense));
      o.column_names = out_names;
      return o;
    }
    return inner->Run(m, t);
  }

 private:
  [[noreturn]] void NotFinite(std::size_t r, std::size_t c, double v, const Table& x) const {
    std::string col = c < x.names.size() ? fmt::format("'{}' (#{})", x.names[c], c + 1) : fmt::format("#{}", c + 1);
    throw Error::InvalidInput(fmt::format("{} ({}): row {}, column {}: {} is not accepted (scikit-learn: \"Input X contains {}\")",
                                          path, class_path, r + 1, col, std::isnan(v) ? "NaN" : "infinity",
                                          std::isnan(v) ? "NaN" : "infinity or a value too large for dtype('float64')"));
  }

  Table Reduce(const Table& x) const {
    if (n_in && x.cols != n_in) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, n_in, x.cols));
    }
    if (keep.empty()) {
      throw Error::Unsupported(fmt::format("{} ({}) selects no feature: scikit-learn returns an empty (n_samples, 0) array, "
                                           "which skbridge does not represent",
                                           path, class_path));
    }
    if (x.is_dense()) {
      if (!allow_nan) {
        for (std::size_t i = 0, n = x.rows * x.cols; i < n; ++i) {
          if (!std::isfinite(x.dense[i])) NotFinite(i / x.cols, i % x.cols, x.dense[i], x);
        }
      }
      Table t;
      t.rows = x.rows;
      t.cols = keep.size();
      t.dense.resize(t.rows * t.cols);
      for (std::size_t r = 0; r < x.rows; ++r) {
        const double* src = x.dense.data() + r * x.cols;
        double* dst = t.dense.data() + r * t.cols;
        for (std::size_t k = 0; k < keep.size(); ++k) dst[k] = src[keep[k]];
      }
      for (std::size_t i : keep) {
        if (i < x.names.size()) t.names.push_back(x.names[i]);
      }
      return t;
    }
    // Column table: check what check_array would, then select. With a text column numpy holds an
    // object array, for which only NaN (missing cells) is looked for; without, a float array.
    bool object_array = false;
    for (const Column& col : x.columns) object_array |= col.is_string;
    for (std::size_t c = 0; c < x.cols && !allow_nan; ++c) {
      const Column& col = x.columns[c];
      for (std::size_t r = 0; r < x.rows; ++r) {
        if (col.is_string) {
          if (!col.missing.empty() && col.missing[r]) NotFinite(r, c, std::nan(""), x);
        } else if (object_array ? std::isnan(col.numbers[r]) : !std::isfinite(col.numbers[r])) {
          NotFinite(r, c, col.numbers[r], x);
        }
      }
    }
    for (std::size_t i : keep) {
      const Column& col = x.columns[i];
      if (col.is_string) {
        throw Error::Unsupported(fmt::format("{} ({}): selected column '{}' holds text; scikit-learn passes it through as an "
                                             "object array, skbridge's transform output is numeric",
                                             path, class_path, col.name));
      }
    }
    return x.Select(keep).ToDense();
  }
};

// --- shared decoding helpers -----------------------------------------------------------------

std::string ClassName(const Value& v) {
  const Value* c = v.Class();
  return c ? std::string(c->name) : std::string();
}

std::string ModuleOf(const Value& v) {
  const Value* c = v.Class();
  return c ? std::string(c->text) : std::string();
}

bool IsSklearn(const Value& v) { return ModuleOf(v).rfind("sklearn.", 0) == 0; }

std::string StrParam(const Value& obj, std::string_view name, const std::string& fallback) {
  const Value* st = obj.State();
  const Value* v = st && st->kind == Kind::kDict ? st->Get(name) : nullptr;
  return v && v->is_text() ? std::string(v->text) : fallback;
}

std::string VersionOf(const Value& obj, const std::string& fallback) {
  const Value* st = obj.State();
  const Value* v = st && st->kind == Kind::kDict ? st->Get("_sklearn_version") : nullptr;
  return v && v->is_text() ? std::string(v->text) : fallback;
}

// The allow_nan tag of a (possibly unfitted) estimator object, as the version that wrote it
// computes it. Estimators not listed do not accept NaN (the default tag).
bool AllowsNan(const Value& est, const std::string& selector_version) {
  if (est.kind != Kind::kObject || !IsSklearn(est)) return false;
  const std::string name = ClassName(est);
  const std::string version = VersionOf(est, selector_version);
  if (name == "HistGradientBoostingClassifier" || name == "HistGradientBoostingRegressor") return true;
  auto tree_rule = [&](bool extra_tree, const std::string& criterion, const std::string& splitter) {
    if (!VersionAtLeast(version, 1, 3)) return false;
    if (!VersionAtLeast(version, 1, 6)) {
      // 1.3 - 1.5: splitter='best' with the classic criteria only.
      return splitter == "best" && (criterion == "gini" || criterion == "log_loss" || criterion == "entropy" ||
                                    criterion == "squared_error" || criterion == "friedman_mse" || criterion == "poisson");
    }
    return extra_tree ? splitter == "random" : true;
  };
  if (name == "DecisionTreeClassifier" || name == "DecisionTreeRegressor") {
    return tree_rule(false, StrParam(est, "criterion", name == "DecisionTreeClassifier" ? "gini" : "squared_error"),
                     StrParam(est, "splitter", "best"));
  }
  if (name == "ExtraTreeClassifier" || name == "ExtraTreeRegressor") {
    return tree_rule(true, StrParam(est, "criterion", "gini"), StrParam(est, "splitter", "random"));
  }
  // Forests ask a default tree of their kind built with the forest's criterion (1.4+).
  if (name == "RandomForestClassifier" || name == "RandomForestRegressor") {
    if (!VersionAtLeast(version, 1, 4)) return false;
    return tree_rule(false, StrParam(est, "criterion", name == "RandomForestClassifier" ? "gini" : "squared_error"), "best");
  }
  if (name == "ExtraTreesClassifier" || name == "ExtraTreesRegressor") {
    if (!VersionAtLeast(version, 1, 4)) return false;
    return tree_rule(true, StrParam(est, "criterion", "gini"), "random");
  }
  return false;
}

std::vector<std::size_t> MaskToIndices(const std::vector<bool>& mask) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (mask[i]) out.push_back(i);
  }
  return out;
}

// The common tail of every selector decoder: input spec, mask size, output names.
std::shared_ptr<Selector> Finish(Fields& f, std::shared_ptr<Selector> e, const std::vector<bool>& mask,
                                 std::string_view mask_attr) {
  if (e->input.n_features && e->input.n_features != mask.size()) {
    f.Fail(mask_attr, fmt::format("covers {} features, the selector was fitted on {}", mask.size(), e->input.n_features));
  }
  e->input.n_features = mask.size();
  e->n_in = mask.size();
  e->keep = MaskToIndices(mask);
  if (!e->input.feature_names.empty()) {
    for (std::size_t i : e->keep) e->out_names.push_back(e->input.feature_names[i]);
  }
  return e;
}

// A numeric 1-d attribute; `is_float32` tells whether numpy holds it as float32 (_clean_nans then
// replaces NaN by float32's lowest value).
std::vector<double> Vector1D(Fields& f, std::string_view name, bool* is_float32 = nullptr) {
  const Value& v = f.Get(name);
  auto shape = ShapeOf(v, f.At(name));
  if (shape.size() != 1) f.Fail(name, fmt::format("expected a 1-d array, got {} dimensions", shape.size()));
  if (is_float32) *is_float32 = v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kFloat && v.array->dtype.itemsize == 4;
  return ToDoubles(v, f.At(name));
}

std::vector<double> CleanNans(std::vector<double> scores, bool is_float32) {
  const double lowest = is_float32 ? -static_cast<double>(std::numeric_limits<float>::max()) : std::numeric_limits<double>::lowest();
  for (double& s : scores) {
    if (std::isnan(s)) s = lowest;
  }
  return scores;
}

// Which numpy interpolation np.percentile uses: scikit-learn < 1.1 ran on numpy < 1.22 (weighted
// sum); later versions on numpy >= 1.22 (lerp). Only ties at the threshold can tell them apart.
bool PercentileLerp(const std::string& version) { return VersionAtLeast(version, 1, 1); }

// A Python number (int, float, bool, numpy scalar).
std::optional<double> Number(const Value& v) {
  if (v.kind == Kind::kInt && !v.is_big_int()) return static_cast<double>(v.integer);
  if (v.kind == Kind::kFloat) return v.real;
  if (v.kind == Kind::kBool) return v.boolean ? 1.0 : 0.0;
  if (v.kind == Kind::kArray && v.array->is_scalar && v.array->dtype.kind != DTypeKind::kObject) {
    return ToDoubles(v, "")[0];
  }
  return std::nullopt;
}

bool IsIntegral(const Value& v) {
  return (v.kind == Kind::kInt && !v.is_big_int()) || v.kind == Kind::kBool ||
         (v.kind == Kind::kArray && v.array->is_scalar && (v.array->dtype.kind == DTypeKind::kInt || v.array->dtype.kind == DTypeKind::kUInt));
}

// --- univariate filters -------------------------------------------------------------------------

std::vector<bool> KBestMask(Fields& f, const Value& k, std::string_view k_name) {
  bool f32 = false;
  std::vector<double> scores = Vector1D(f, "scores_", &f32);
  const std::size_t n = scores.size();
  if (k.is_text()) {
    if (k.text != "all") f.Fail(k_name, fmt::format("expected an integer or 'all', found {}", k.Repr(30)));
    return std::vector<bool>(n, true);
  }
  if (!IsIntegral(k)) f.Fail(k_name, fmt::format("expected an integer or 'all', found {} (numpy cannot slice with it)", k.Repr(30)));
  const double kd = *Number(k);
  if (kd < 0) f.Fail(k_name, fmt::format("is negative ({})", kd));
  std::vector<bool> mask(n, false);
  if (kd == 0) return mask;
  // argsort(scores, kind='mergesort')[-k:]: the k last of a stable ascending order (all when k > n).
  std::vector<std::size_t> order = kernels::StableArgsort(CleanNans(std::move(scores), f32));
  const std::size_t k_eff = std::min<std::size_t>(static_cast<std::size_t>(kd), n);
  for (std::size_t i = n - k_eff; i < n; ++i) mask[order[i]] = true;
  return mask;
}

std::vector<bool> PercentileMask(Fields& f, const Value& percentile, std::string_view p_name) {
  bool f32 = false;
  std::vector<double> scores = Vector1D(f, "scores_", &f32);
  const std::size_t n = scores.size();
  std::optional<double> p = Number(percentile);
  if (!p || !(*p >= 0 && *p <= 100)) f.Fail(p_name, fmt::format("expected a number in [0, 100], found {}", percentile.Repr(30)));
  if (*p == 100) return std::vector<bool>(n, true);
  if (*p == 0) return std::vector<bool>(n, false);
  if (n == 0) return {};
  if (f32) {
    throw Error::Unsupported(fmt::format("{}: float32 scores: numpy's percentile mixes float32 and float64 arithmetic there, "
                                         "which skbridge does not reproduce",
                                         f.At("scores_")));
  }
  scores = CleanNans(std::move(scores), f32);
  // 100 - percentile in Python (int stays int), then numpy divides by 100.
  const double threshold = kernels::NpPercentile(scores, 100.0 - *p, PercentileLerp(f.version()));
  std::vector<bool> mask(n, false);
  std::size_t n_mask = 0;
  std::vector<std::size_t> ties;
  for (std::size_t i = 0; i < n; ++i) {
    if (scores[i] > threshold) mask[i] = true, ++n_mask;
    else if (scores[i] == threshold) ties.push_back(i);
  }
  if (!ties.empty()) {
    // int(len(scores) * percentile / 100), then ties[:max_feats - mask.sum()] with Python's slice rules.
    const double prod = IsIntegral(percentile) ? static_cast<double>(static_cast<std::int64_t>(n) * static_cast<std::int64_t>(*p))
                                               : static_cast<double>(n) * *p;
    const auto max_feats = static_cast<std::int64_t>(prod / 100.0);
    std::int64_t stop = max_feats - static_cast<std::int64_t>(n_mask);
    const auto len = static_cast<std::int64_t>(ties.size());
    if (stop < 0) stop = std::max<std::int64_t>(0, stop + len);
    stop = std::min(stop, len);
    for (std::int64_t i = 0; i < stop; ++i) mask[ties[static_cast<std::size_t>(i)]] = true;
  }
  return mask;
}

double Alpha(Fields& f, const Value& alpha, std::string_view name) {
  std::optional<double> a = Number(alpha);
  if (!a) f.Fail(name, fmt::format("expected a number, found {}", alpha.Repr(30)));
  return *a;
}

std::vector<bool> FprMask(Fields& f, double alpha) {
  std::vector<double> p = Vector1D(f, "pvalues_");
  std::vector<bool> mask(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) mask[i] = p[i] < alpha;
  return mask;
}

std::vector<bool> FweMask(Fields& f, double alpha) {
  std::vector<double> p = Vector1D(f, "pvalues_");
  const double bound = alpha / static_cast<double>(p.size());
  std::vector<bool> mask(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) mask[i] = p[i] < bound;
  return mask;
}

std::vector<bool> FdrMask(Fields& f, double alpha) {
  // Benjamini-Hochberg: sv <= alpha / n * arange(1, n + 1); keep p <= max of the selected.
  std::vector<double> p = Vector1D(f, "pvalues_");
  const std::size_t n = p.size();
  std::vector<double> sv = p;
  std::stable_sort(sv.begin(), sv.end(), [](double a, double b) { return a < b || (!std::isnan(a) && std::isnan(b)); });
  const double step = alpha / static_cast<double>(n);
  bool any = false;
  double best = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (sv[i] <= step * static_cast<double>(i + 1)) {
      if (!any || sv[i] > best) best = sv[i];
      any = true;
    }
  }
  std::vector<bool> mask(n, false);
  if (!any) return mask;
  for (std::size_t i = 0; i < n; ++i) mask[i] = p[i] <= best;
  return mask;
}

std::shared_ptr<Estimator> DecodeFilter(Fields& f, const std::string& mode, const Value& param, std::string_view param_name) {
  auto e = std::make_shared<Selector>();
  f.ReadCommon(e.get(), false);
  std::vector<bool> mask;
  if (mode == "k_best") mask = KBestMask(f, param, param_name);
  else if (mode == "percentile") mask = PercentileMask(f, param, param_name);
  else if (mode == "fpr") mask = FprMask(f, Alpha(f, param, param_name));
  else if (mode == "fdr") mask = FdrMask(f, Alpha(f, param, param_name));
  else if (mode == "fwe") mask = FweMask(f, Alpha(f, param, param_name));
  else f.Fail("mode", fmt::format("unknown mode '{}'", mode));
  return Finish(f, e, mask, mode == "k_best" || mode == "percentile" ? "scores_" : "pvalues_");
}

// --- SelectFromModel ----------------------------------------------------------------------------

// What a fitted estimator exposes as coef_ or feature_importances_, read from its stored state or
// computed from its trees (feature_importances_ is a property of trees and tree ensembles).
struct Importance {
  std::size_t rows = 0, cols = 0;  // rows == 0: 1-d
  std::vector<double> v;
};

std::vector<double> TreeImportances(const Value& tree_est, const std::string& path, bool normalize) {
  Fields tf(tree_est, nullptr, path);
  kernels::TreeModel t = DecodeTreeOf(tf);
  std::vector<double> imp(t.n_features, 0.0);
  if (t.node_count == 0) return imp;
  for (std::size_t i = 0; i < t.node_count; ++i) {
    if (t.is_leaf(i)) continue;
    const auto l = static_cast<std::size_t>(t.left[i]), r = static_cast<std::size_t>(t.right[i]);
    imp[static_cast<std::size_t>(t.feature[i])] += t.weighted_n_node_samples[i] * t.impurity[i] -
                                                   t.weighted_n_node_samples[l] * t.impurity[l] -
                                                   t.weighted_n_node_samples[r] * t.impurity[r];
  }
  const double root = t.weighted_n_node_samples[0];
  for (double& x : imp) x /= root;
  if (normalize) {
    const double s = kernels::NpSum(imp.data(), imp.size());
    if (s > 0.0) {
      for (double& x : imp) x /= s;
    }
  }
  return imp;
}

std::int64_t NodeCount(const Value& tree_est, const std::string& path) {
  Fields tf(tree_est, nullptr, path);
  Fields tree(tf.Get("tree_"), nullptr, tf.At("tree_"));
  return tree.Int("node_count");
}

// np.mean(list of importance vectors, axis=0) then divided by its np.sum: the forest and gradient
// boosting feature_importances_.
std::vector<double> AverageImportances(const std::vector<std::vector<double>>& all, std::size_t n_features,
                                       const std::string& path) {
  if (all.empty()) return std::vector<double>(n_features, 0.0);
  std::vector<double> mean(all[0].size(), 0.0);
  for (const auto& v : all) {
    if (v.size() != mean.size()) {
      throw Error::InvalidModel(fmt::format("{}: trees disagree on the number of features ({} vs {})", path, v.size(), mean.size()));
    }
    for (std::size_t j = 0; j < v.size(); ++j) mean[j] += v[j];
  }
  for (double& x : mean) x /= static_cast<double>(all.size());
  const double s = kernels::NpSum(mean.data(), mean.size());
  for (double& x : mean) x /= s;
  return mean;
}

std::optional<std::vector<double>> ComputedFeatureImportances(Fields& ef) {
  const Value& obj = ef.object();
  if (!IsSklearn(obj)) return std::nullopt;
  const std::string name = ClassName(obj);
  if (name == "DecisionTreeClassifier" || name == "DecisionTreeRegressor" || name == "ExtraTreeClassifier" ||
      name == "ExtraTreeRegressor") {
    return TreeImportances(obj, ef.path(), true);
  }
  std::size_t n_features = 0;
  if (const Value* n = ef.FindAny({"n_features_in_", "n_features_"}); n && n->kind == Kind::kInt) n_features = static_cast<std::size_t>(n->integer);
  if (name == "RandomForestClassifier" || name == "RandomForestRegressor" || name == "ExtraTreesClassifier" ||
      name == "ExtraTreesRegressor" || name == "RandomTreesEmbedding") {
    const Value& trees = ef.Get("estimators_");
    if (trees.kind != Kind::kList) ef.Fail("estimators_", "expected a list of trees");
    std::vector<std::vector<double>> all;
    for (std::size_t i = 0; i < trees.items.size(); ++i) {
      std::string p = fmt::format("{}.estimators_[{}]", ef.path(), i);
      if (NodeCount(*trees.items[i], p) > 1) all.push_back(TreeImportances(*trees.items[i], p, true));
    }
    return AverageImportances(all, n_features, ef.At("estimators_"));
  }
  if (name == "GradientBoostingClassifier" || name == "GradientBoostingRegressor") {
    if (!VersionAtLeast(ef.version(), 0, 22)) {
      throw Error::Unsupported(fmt::format("{}: feature_importances_ of {} written by scikit-learn {} (per-stage averaging "
                                           "before 0.22) is not implemented",
                                           ef.path(), name, ef.version()));
    }
    const Value& stages = ef.Get("estimators_");
    if (stages.kind != Kind::kArray || stages.array->dtype.kind != DTypeKind::kObject || stages.array->ndim() != 2) {
      ef.Fail("estimators_", "expected a 2-d object array of trees");
    }
    const NdArray& a = *stages.array;
    const auto n_stages = static_cast<std::size_t>(a.shape[0]), k = static_cast<std::size_t>(a.shape[1]);
    std::vector<std::vector<double>> all;
    for (std::size_t s = 0; s < n_stages; ++s) {
      for (std::size_t j = 0; j < k; ++j) {
        const Value* tree = a.objects[a.fortran_order ? j * n_stages + s : s * k + j];
        std::string p = fmt::format("{}.estimators_[{}, {}]", ef.path(), s, j);
        if (NodeCount(*tree, p) > 1) all.push_back(TreeImportances(*tree, p, false));
      }
    }
    return AverageImportances(all, n_features, ef.At("estimators_"));
  }
  return std::nullopt;
}

Importance ArrayImportance(const Value& v, const std::string& path) {
  if (v.kind == Kind::kObject) {
    throw Error::Unsupported(fmt::format("{}: is a {} (a sparse matrix?), not a dense array", path, v.GlobalPath()));
  }
  auto shape = ShapeOf(v, path);
  Importance imp;
  if (shape.size() == 2) {
    imp.rows = static_cast<std::size_t>(shape[0]);
    imp.cols = static_cast<std::size_t>(shape[1]);
  } else if (shape.size() == 1) {
    imp.cols = static_cast<std::size_t>(shape[0]);
  } else {
    throw Error::InvalidModel(fmt::format("{}: expected a 1-d or 2-d array, got {} dimensions", path, shape.size()));
  }
  imp.v = ToDoubles(v, path);
  return imp;
}

// hasattr(estimator, name) and its value, for the two importance attributes.
std::optional<Importance> Attribute(Fields& ef, std::string_view name) {
  if (const Value* v = ef.Find(name)) return ArrayImportance(*v, ef.At(name));
  if (name == "feature_importances_") {
    if (auto computed = ComputedFeatureImportances(ef)) {
      Importance imp;
      imp.cols = computed->size();
      imp.v = std::move(*computed);
      return imp;
    }
  }
  return std::nullopt;
}

// Estimators whose coef_ / feature_importances_ is a property skbridge does not compute: refuse
// rather than fall through to the other attribute.
void RefuseComputedAttribute(Fields& ef, std::string_view name) {
  const std::string cls = ClassName(ef.object());
  const bool svm = cls == "SVC" || cls == "NuSVC" || cls == "SVR" || cls == "NuSVR" || cls == "OneClassSVM";
  if (name == "coef_" && svm && StrParam(ef.object(), "kernel", "rbf") == "linear") {
    throw Error::Unsupported(fmt::format("{}: coef_ of a linear-kernel {} is computed from dual_coef_ and support_vectors_; "
                                         "skbridge does not compute it",
                                         ef.path(), cls));
  }
  if (name == "feature_importances_" && (cls == "AdaBoostClassifier" || cls == "AdaBoostRegressor")) {
    throw Error::Unsupported(fmt::format("{}: feature_importances_ of {} is computed from its estimators; skbridge does not "
                                         "compute it",
                                         ef.path(), cls));
  }
}

std::optional<Importance> HasAttr(Fields& ef, std::string_view name) {
  if (auto imp = Attribute(ef, name)) return imp;
  RefuseComputedAttribute(ef, name);
  return std::nullopt;
}

// importance_getter given as a dotted attribute path (operator.attrgetter), e.g.
// "regressor_.coef_" or "named_steps.clf.feature_importances_".
Importance GetterPath(Fields& sel, const Value& est, const std::string& est_path, const std::string& getter) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    std::size_t dot = getter.find('.', start);
    parts.push_back(getter.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const Value* cur = &est;
  std::string path = est_path;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (cur->kind != Kind::kObject) sel.Fail("importance_getter", fmt::format("'{}' does not name an estimator attribute", getter));
    Fields cf(*cur, &sel.ctx(), path);
    if (parts[i] == "named_steps" && cf.Has("steps")) {
      // Pipeline.named_steps is a property: parts[i + 1] names a step, and an attribute must follow.
      if (i + 2 >= parts.size()) sel.Fail("importance_getter", fmt::format("'{}' names a step, not an array", getter));
      const Value& steps = cf.Get("steps");
      const Value* found = nullptr;
      for (const Value* s : steps.items) {
        if ((s->kind == Kind::kTuple || s->kind == Kind::kList) && s->items.size() == 2 && s->items[0]->is_text() &&
            s->items[0]->text == parts[i + 1]) {
          found = s->items[1];
        }
      }
      if (!found) sel.Fail("importance_getter", fmt::format("'{}': the pipeline has no step '{}'", getter, parts[i + 1]));
      path = fmt::format("{}.named_steps.{}", path, parts[i + 1]);
      cur = found;
      ++i;
      continue;
    }
    const Value* next = cf.Find(parts[i]);
    if (!next) {
      throw Error::Unsupported(fmt::format("{}: importance_getter '{}' needs attribute {} of {}, which is not stored (a computed "
                                           "property skbridge does not evaluate)",
                                           sel.path(), getter, parts[i], cf.class_path()));
    }
    cur = next;
    path += "." + parts[i];
  }
  if (cur->kind != Kind::kObject) sel.Fail("importance_getter", fmt::format("'{}' does not name an estimator attribute", getter));
  Fields last(*cur, &sel.ctx(), path);
  if (auto imp = Attribute(last, parts.back())) return *imp;
  RefuseComputedAttribute(last, parts.back());
  throw Error::Unsupported(fmt::format("{}: importance_getter '{}': {} has no stored attribute {}", sel.path(), getter,
                                       last.class_path(), parts.back()));
}

// numpy.linalg.norm(x, axis=0, ord=order) of a (rows, cols) C-order matrix: reductions along axis 0
// accumulate row after row.
std::vector<double> ColumnNorms(const Importance& m, double order) {
  std::vector<double> out(m.cols, 0.0);
  for (std::size_t j = 0; j < m.cols; ++j) {
    double acc = 0;
    if (std::isinf(order)) {
      // abs(x).max(axis=0) / .min(axis=0): NaN propagates.
      acc = std::fabs(m.v[j]);
      for (std::size_t i = 1; i < m.rows; ++i) {
        const double ax = std::fabs(m.v[i * m.cols + j]);
        if (std::isnan(acc)) break;
        if (std::isnan(ax) || (order > 0 ? ax > acc : ax < acc)) acc = ax;
      }
      out[j] = acc;
      continue;
    }
    for (std::size_t i = 0; i < m.rows; ++i) {
      const double x = m.v[i * m.cols + j];
      if (order == 0) acc += x != 0 ? 1.0 : 0.0;
      else if (order == 1) acc += std::fabs(x);
      else if (order == 2) acc += x * x;
      else if (order == -1) acc += 1.0 / std::fabs(x);  // numpy's power fast path: reciprocal
      else acc += std::pow(std::fabs(x), order);
    }
    if (order == 2) acc = std::sqrt(acc);
    else if (order == -1) acc = 1.0 / acc;
    else if (order != 0 && order != 1) acc = std::pow(acc, 1.0 / order);
    out[j] = acc;
  }
  return out;
}

// np.isclose(x, 1.0) on a Python/numpy number; nullopt when x is not a single number.
std::optional<bool> IsCloseToOne(const Value* v) {
  if (!v) return std::nullopt;
  std::optional<double> x = Number(*v);
  if (!x && v->kind == Kind::kArray && v->array->size() == 1) x = ToDoubles(*v, "")[0];
  if (!x) return std::nullopt;
  return std::fabs(*x - 1.0) <= 1e-8 + 1e-5 * 1.0;
}

// _calculate_threshold(estimator, ..., threshold=None): 1e-5 for L1-penalised estimators, else
// "mean". The rule grew over versions.
std::string DefaultThreshold(Fields& sel, Fields& ef) {
  const std::string name = ClassName(ef.object());
  const std::string& v = sel.version();
  const Value* penalty = ef.Find("penalty");
  bool l1 = (penalty && penalty->is_text() && penalty->text == "l1") || name.find("Lasso") != std::string::npos;
  auto close = [&](std::string_view attr, bool all_elements) -> bool {
    const Value* a = ef.Find(attr);
    if (!a) return false;
    if (all_elements) {
      std::vector<double> xs = ToDoubles(*a, ef.At(attr));
      for (double x : xs) {
        if (!(std::fabs(x - 1.0) <= 1e-8 + 1e-5)) return false;
      }
      return true;
    }
    std::optional<bool> c = IsCloseToOne(a);
    if (!c) {
      throw Error::Unsupported(fmt::format("{}: threshold=None: scikit-learn {} cannot decide whether {}.{} = {} is 1 (it raises)",
                                           sel.path(), v, ef.path(), attr, a->Repr(30)));
    }
    return *c;
  };
  if (VersionAtLeast(v, 1, 7)) {
    l1 = l1 || (name == "ElasticNet" && close("l1_ratio", false)) || (name == "ElasticNetCV" && close("l1_ratio_", false));
    if (VersionAtLeast(v, 1, 8)) {
      l1 = l1 || (name == "LogisticRegression" && close("l1_ratio", false)) ||
           (name == "LogisticRegressionCV" && close("l1_ratio_", true));
    }
  } else if (VersionAtLeast(v, 1, 1)) {
    l1 = l1 || (name.find("ElasticNet") != std::string::npos && (close("l1_ratio_", false) || close("l1_ratio", false)));
  }
  return l1 ? "1e-5" : "mean";
}

double Threshold(Fields& sel, Fields& ef, const std::vector<double>& scores) {
  const Value* t = sel.Find("threshold");
  std::string spec;
  if (!t || t->is_none()) {
    spec = DefaultThreshold(sel, ef);
    if (spec == "1e-5") return 1e-5;
  } else if (t->is_text()) {
    spec = std::string(t->text);
  } else if (std::optional<double> x = Number(*t)) {
    return *x;
  } else {
    sel.Fail("threshold", fmt::format("expected a number or a string, found {}", t->Repr(30)));
  }
  auto reference = [&](std::string ref) -> double {
    auto trim = [](std::string s) {
      const char* ws = " \t\n\r\f\v";
      s.erase(0, s.find_first_not_of(ws));
      s.erase(s.find_last_not_of(ws) + 1);
      return s;
    };
    ref = trim(ref);
    if (ref == "median") return kernels::NpMedian(scores);
    if (ref == "mean") return kernels::NpMean(scores.data(), scores.size());
    sel.Fail("threshold", fmt::format("unknown reference '{}' (scikit-learn raises)", ref));
  };
  if (std::size_t star = spec.find('*'); star != std::string::npos) {
    if (spec.find('*', star + 1) != std::string::npos) sel.Fail("threshold", fmt::format("'{}' is not 'scale*reference'", spec));
    std::string scale_text = spec.substr(0, star);
    const char* ws = " \t\n\r\f\v";
    scale_text.erase(0, scale_text.find_first_not_of(ws));
    scale_text.erase(scale_text.find_last_not_of(ws) + 1);
    // Python's float(): decimal text, inf/nan, underscores between digits; no hexadecimal.
    std::string digits;
    bool bad_underscore = false;
    for (std::size_t i = 0; i < scale_text.size(); ++i) {
      if (scale_text[i] != '_') {
        digits.push_back(scale_text[i]);
        continue;
      }
      bad_underscore |= i == 0 || i + 1 == scale_text.size() || !std::isdigit(static_cast<unsigned char>(scale_text[i - 1])) ||
                        !std::isdigit(static_cast<unsigned char>(scale_text[i + 1]));
    }
    char* end = nullptr;
    const double scale = std::strtod(digits.c_str(), &end);
    if (digits.empty() || bad_underscore || end != digits.c_str() + digits.size() || digits.find_first_of("xX") != std::string::npos) {
      sel.Fail("threshold", fmt::format("'{}': cannot read the scale '{}' as a float", spec, scale_text));
    }
    return scale * reference(spec.substr(star + 1));
  }
  if (spec == "median" || spec == "mean") return reference(spec);
  sel.Fail("threshold", fmt::format("expected 'mean', 'median', 'scale*mean', 'scale*median' or a number, found '{}'", spec));
}

}  // namespace

// feature_importances_ of a fitted tree / forest / gradient-boosting object, computed as scikit-learn's
// property does; nullopt for other estimators. (Used by SelectFromModel; exposed for tests.)
std::optional<std::vector<double>> ComputedFeatureImportances(const Value& estimator, const std::string& path) {
  Fields ef(estimator, nullptr, path);
  return ComputedFeatureImportances(ef);
}

// --- decoders -------------------------------------------------------------------------------------

std::shared_ptr<Estimator> DecodeVarianceThreshold(Fields& f) {
  auto e = std::make_shared<Selector>();
  f.ReadCommon(e.get(), false);
  e->allow_nan = true;
  std::vector<double> variances = Vector1D(f, "variances_");
  const double threshold = f.Float("threshold");
  std::vector<bool> mask(variances.size());
  for (std::size_t i = 0; i < variances.size(); ++i) mask[i] = variances[i] > threshold;
  return Finish(f, e, mask, "variances_");
}

std::shared_ptr<Estimator> DecodeSelectKBest(Fields& f) { return DecodeFilter(f, "k_best", f.Get("k"), "k"); }
std::shared_ptr<Estimator> DecodeSelectPercentile(Fields& f) {
  return DecodeFilter(f, "percentile", f.Get("percentile"), "percentile");
}
std::shared_ptr<Estimator> DecodeSelectFpr(Fields& f) { return DecodeFilter(f, "fpr", f.Get("alpha"), "alpha"); }
std::shared_ptr<Estimator> DecodeSelectFdr(Fields& f) { return DecodeFilter(f, "fdr", f.Get("alpha"), "alpha"); }
std::shared_ptr<Estimator> DecodeSelectFwe(Fields& f) { return DecodeFilter(f, "fwe", f.Get("alpha"), "alpha"); }

std::shared_ptr<Estimator> DecodeGenericUnivariateSelect(Fields& f) {
  // _make_selector: the mode's selector with its first parameter (k, percentile or alpha) = param.
  return DecodeFilter(f, f.Str("mode"), f.Get("param"), "param");
}

std::shared_ptr<Estimator> DecodeSelectFromModel(Fields& f) {
  auto e = std::make_shared<Selector>();
  f.ReadCommon(e.get(), false);
  const bool prefit = f.Has("prefit") && f.Bool("prefit");
  // Which estimator: before 1.1 the `estimator` parameter when prefit, else estimator_; from 1.1
  // estimator_ when fitted, else the parameter.
  const bool new_rule = VersionAtLeast(f.version(), 1, 1);
  std::string est_attr;
  if (new_rule) est_attr = f.Has("estimator_") ? "estimator_" : "estimator";
  else est_attr = prefit ? "estimator" : "estimator_";
  if (!f.Has(est_attr)) {
    f.Fail(est_attr, "missing: fit the SelectFromModel or set prefit=True with a fitted estimator (scikit-learn raises)");
  }
  Fields ef(f.Get(est_attr), &f.ctx(), f.At(est_attr));
  e->allow_nan = AllowsNan(f.Has("estimator") ? f.Get("estimator") : f.Get(est_attr), f.version());

  // _get_feature_importances
  std::vector<double> scores;
  const double norm_order = f.Has("norm_order") ? f.Float("norm_order") : 1.0;
  auto normed = [&](const Importance& imp) {
    if (imp.rows == 0) {
      std::vector<double> out(imp.v.size());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::fabs(imp.v[i]);
      return out;
    }
    return ColumnNorms(imp, norm_order);
  };
  if (f.Has("importance_getter")) {
    const Value& getter = f.Get("importance_getter");
    if (!getter.is_text()) {
      throw Error::Unsupported(fmt::format("{}.importance_getter is a Python callable ({}); skbridge does not run Python code",
                                           f.path(), getter.Repr(40)));
    }
    const std::string g(getter.text);
    if (g == "auto") {
      std::optional<Importance> imp = HasAttr(ef, "coef_");
      if (!imp) imp = HasAttr(ef, "feature_importances_");
      if (!imp) {
        throw Error::InvalidModel(fmt::format("{}: the underlying estimator {} has neither coef_ nor feature_importances_ "
                                              "(scikit-learn raises at transform)",
                                              ef.path(), ClassName(ef.object())));
      }
      scores = normed(*imp);
    } else {
      scores = normed(GetterPath(f, ef.object(), ef.path(), g));
    }
  } else {
    // Before 0.24: feature_importances_ as they are, else |coef_| (1-d) or its column norms.
    if (std::optional<Importance> fi = HasAttr(ef, "feature_importances_")) {
      scores = fi->v;
    } else if (std::optional<Importance> coef = HasAttr(ef, "coef_")) {
      scores = normed(*coef);
    } else {
      throw Error::InvalidModel(fmt::format("{}: the underlying estimator {} has no coef_ or feature_importances_ "
                                            "(scikit-learn raises at transform)",
                                            ef.path(), ClassName(ef.object())));
    }
  }

  const double threshold = Threshold(f, ef, scores);
  const std::size_t n = scores.size();
  std::vector<bool> mask(n, true);
  const Value* max_features = f.Find("max_features_");
  if (!max_features || max_features->is_none()) max_features = f.Find("max_features");
  if (max_features && !max_features->is_none()) {
    if (!IsIntegral(*max_features)) {
      f.Fail("max_features", fmt::format("expected an integer (a callable needs fit to have set max_features_), found {}",
                                         max_features->Repr(30)));
    }
    const double mf = *Number(*max_features);
    if (mf < 0) f.Fail("max_features", fmt::format("is negative ({})", mf));
    // argsort(-scores, kind='mergesort')[:max_features]
    std::vector<double> neg(n);
    for (std::size_t i = 0; i < n; ++i) neg[i] = -scores[i];
    std::vector<std::size_t> order = kernels::StableArgsort(neg);
    std::fill(mask.begin(), mask.end(), false);
    for (std::size_t i = 0; i < std::min<std::size_t>(n, static_cast<std::size_t>(mf)); ++i) mask[order[i]] = true;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (scores[i] < threshold) mask[i] = false;
  }
  return Finish(f, e, mask, est_attr);
}

// RFE and RFECV: support_, and estimator_ (fitted on the selected columns) for prediction.
std::shared_ptr<Estimator> DecodeRFE(Fields& f) {
  auto e = std::make_shared<Selector>();
  f.ReadCommon(e.get(), false);
  std::vector<std::int64_t> support = f.Ints("support_");
  std::vector<bool> mask(support.begin(), support.end());
  if (f.Has("estimator")) e->allow_nan = AllowsNan(f.Get("estimator"), f.version());
  e->inner = f.Child("estimator_");
  Finish(f, e, mask, "support_");
  if (e->inner->input.n_features && e->inner->input.n_features != e->keep.size()) {
    f.Fail("support_", fmt::format("selects {} features, estimator_ was fitted on {}", e->keep.size(), e->inner->input.n_features));
  }
  e->classes = e->inner->classes;
  return e;
}

std::shared_ptr<Estimator> DecodeSequentialFeatureSelector(Fields& f) {
  auto e = std::make_shared<Selector>();
  f.ReadCommon(e.get(), false);
  std::vector<std::int64_t> support = f.Ints("support_");
  std::vector<bool> mask(support.begin(), support.end());
  if (f.Has("estimator")) e->allow_nan = AllowsNan(f.Get("estimator"), f.version());
  return Finish(f, e, mask, "support_");
}

}  // namespace skbridge::est
