// Tree ensembles: RandomForest*/ExtraTrees* (averaging), RandomTreesEmbedding (one-hot leaves),
// IsolationForest (path lengths) and Bagging* (any base estimator on feature subsets).
//
// From scikit-learn's source, per version:
//  * Forests: predict_proba = sum of each tree's predict_proba, accumulated from zeros in
//    estimators_ order, divided by len(estimators_); predict = classes_[argmax]; regressors sum
//    tree.predict the same way. (With n_jobs > 1 scikit-learn adds trees in thread completion
//    order; skbridge always uses estimators_ order, which is what n_jobs=1 gives.)
//  * IsolationForest.score_samples = -2 ** -(depths / (n_trees * c(max_samples))), depths summed
//    over trees of (path length in nodes + c(n_node_samples of the leaf) - 1); from 1.4 these
//    per-node terms are stored (_decision_path_lengths, _average_path_length_per_tree) and used
//    as stored. Features are subset (estimators_features_) only when _max_features differs from
//    the input's width. decision_function = score_samples - offset_; predict = -1 where < 0.
//    Input: finite float32 before 1.9 (0.23-1.4 verified); 1.9 accepts NaN and +-inf.
//  * RandomTreesEmbedding.transform = one_hot_encoder_.transform(apply(X)); skbridge returns the
//    dense matrix (scikit-learn returns it sparse by default).
//  * Bagging: estimators' outputs on X[:, estimators_features_[i]] summed in chunks of
//    _partition_estimators(n_estimators, n_jobs), chunks summed, divided by n_estimators.
//    predict_proba votes (one per predicted class) for estimators without predict_proba;
//    estimators that saw a subset of classes add into their classes' columns.
//    predict_log_proba combines estimators with logaddexp when the base estimator has
//    predict_log_proba, else logs predict_proba.
#include <algorithm>
#include <cmath>
#include <thread>

#include "estimators/tree_internal.h"

namespace skbridge::est {
namespace {

const Value& ListAttr(const Fields& f, std::string_view name) {
  const Value& v = f.Get(name);
  if (v.kind != Kind::kList && v.kind != Kind::kTuple) f.Fail(name, fmt::format("expected a list, found {}", v.Repr(40)));
  return v;
}

std::vector<DecodedTree> DecodeTrees(Fields& f, std::size_t expected = 0) {
  const Value& list = ListAttr(f, "estimators_");
  if (list.items.empty()) f.Fail("estimators_", "is empty");
  if (expected && list.items.size() != expected) f.Fail("estimators_", fmt::format("has {} estimators, expected {}", list.items.size(), expected));
  std::vector<DecodedTree> trees;
  trees.reserve(list.items.size());
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    trees.push_back(DecodeTreeEstimator(*list.items[i], f.ctx(), fmt::format("{}[{}]", f.At("estimators_"), i)));
  }
  return trees;
}

// estimators_features_ as int32 column indices, each < n_features.
std::vector<std::vector<std::int32_t>> ReadFeatureSubsets(const Fields& f, std::size_t n_estimators, std::size_t n_features) {
  const Value& list = ListAttr(f, "estimators_features_");
  if (list.items.size() != n_estimators) {
    f.Fail("estimators_features_", fmt::format("has {} entries for {} estimators", list.items.size(), n_estimators));
  }
  std::vector<std::vector<std::int32_t>> out;
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    std::string where = fmt::format("{}[{}]", f.At("estimators_features_"), i);
    std::vector<std::int32_t> cols;
    for (std::int64_t c : ToInts(*list.items[i], where)) {
      if (c < 0 || (n_features && static_cast<std::size_t>(c) >= n_features)) {
        throw Error::InvalidModel(fmt::format("{}: feature {} out of range for {} features", where, c, n_features));
      }
      cols.push_back(static_cast<std::int32_t>(c));
    }
    if (cols.empty()) throw Error::InvalidModel(fmt::format("{}: no features", where));
    out.push_back(std::move(cols));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// RandomForest / ExtraTrees

std::shared_ptr<Estimator> DecodeForest(Fields& f, bool classifier) {
  auto e = std::make_shared<TreeForest>();
  f.ReadCommon(e.get(), false);
  e->classifier = classifier;
  if (classifier) {
    ReadTreeClasses(f, e.get());
  } else {
    e->n_outputs = f.Has("n_outputs_") ? static_cast<std::size_t>(f.Int("n_outputs_")) : 1;
    if (e->n_outputs < 1) f.Fail("n_outputs_", "is below 1");
  }
  std::vector<DecodedTree> trees = DecodeTrees(f);
  if (!e->input.n_features) e->input.n_features = trees[0].tree.n_features;
  BuildTreeForest(e.get(), trees, f);
  return e;
}

// ------------------------------------------------------------------------------------------------
// RandomTreesEmbedding

class TreesEmbedding : public Estimator {
 public:
  kernels::TreeEnsemble trees;
  std::vector<std::vector<std::int32_t>> column_of_leaf;  // per tree, per node: output column or -1
  std::size_t n_columns = 0;
  bool allow_nan = false;
  bool ignore_unknown = false;

  bool Has(Method m) const override { return m == Method::kTransform; }
  Output Run(Method m, const Table& x) const override {
    if (m != Method::kTransform) Unsupported(m);
    Float32Input in = TreeInput(*this, x, allow_nan);
    const std::size_t n_trees = trees.size();
    std::vector<std::int32_t> leaves(in.rows * n_trees);
    trees.Apply(in.x.data(), in.rows, in.cols, leaves.data(), in.has_nan);
    std::vector<double> out(in.rows * n_columns, 0.0);
    for (std::size_t r = 0; r < in.rows; ++r) {
      for (std::size_t t = 0; t < n_trees; ++t) {
        std::int32_t leaf = leaves[r * n_trees + t];
        std::int32_t c = column_of_leaf[t][static_cast<std::size_t>(leaf)];
        if (c < 0) {
          if (ignore_unknown) continue;
          throw Error::InvalidInput(fmt::format("{} ({}): row {} reaches leaf {} of tree {}, unknown to one_hot_encoder_ (scikit-learn raises)",
                                                path, class_path, r, leaf, t));
        }
        out[r * n_columns + static_cast<std::size_t>(c)] = 1.0;
      }
    }
    return NumericOutput(in.rows, n_columns, std::move(out));
  }
};

// ------------------------------------------------------------------------------------------------
// IsolationForest

class IsolationForestModel : public Estimator {
 public:
  kernels::TreeEnsemble trees;  // leaf value: path length + c(leaf samples) - 1
  double denominator = 0;
  bool guard_zero_denominator = true;  // 1.0+: np.divide(..., where=denominator != 0)
  double offset = 0;
  bool allow_nan = false, allow_inf = false;

  bool Has(Method m) const override {
    return m == Method::kPredict || m == Method::kDecisionFunction || m == Method::kScoreSamples;
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Float32Input in = TreeInput(*this, x, allow_nan, allow_inf);
    std::vector<double> depths(in.rows, 0.0);
    trees.Accumulate(in.x.data(), in.rows, in.cols, depths.data(), 1, in.has_nan);
    std::vector<double> s(in.rows);
    for (std::size_t r = 0; r < in.rows; ++r) {
      double q = guard_zero_denominator && denominator == 0 ? 1.0 : depths[r] / denominator;
      s[r] = -std::pow(2.0, -q);  // score_samples = -scores
    }
    if (m == Method::kScoreSamples) return NumericOutput(in.rows, 0, std::move(s));
    for (double& v : s) v -= offset;
    if (m == Method::kDecisionFunction) return NumericOutput(in.rows, 0, std::move(s));
    Output o;
    o.rows = in.rows;
    o.labels = Labels{};
    o.labels->type = Labels::Type::kInt;
    for (double v : s) o.labels->ints.push_back(v < 0 ? -1 : 1);
    return o;
  }
};

// ------------------------------------------------------------------------------------------------
// Bagging

// joblib's effective_n_jobs + scikit-learn's _partition_estimators: chunk boundaries.
std::vector<std::size_t> PartitionEstimators(std::size_t n_estimators, const Fields& f) {
  std::int64_t jobs = 1;
  if (const Value* v = f.Find("n_jobs"); v && v->kind == Kind::kInt) {
    jobs = v->integer;
    if (jobs < 0) {
      // Depends on the machine scikit-learn runs on: cpu_count() + 1 + n_jobs.
      std::int64_t cpus = std::max<std::int64_t>(1, std::thread::hardware_concurrency());
      jobs = std::max<std::int64_t>(cpus + 1 + jobs, 1);
    } else if (jobs == 0) {
      jobs = 1;
    }
  }
  std::size_t n_jobs = std::min<std::size_t>(static_cast<std::size_t>(jobs), n_estimators);
  std::vector<std::size_t> starts{0};
  for (std::size_t j = 0; j < n_jobs; ++j) {
    std::size_t count = n_estimators / n_jobs + (j < n_estimators % n_jobs ? 1 : 0);
    starts.push_back(starts.back() + count);
  }
  return starts;
}

// numpy.logaddexp
double LogAddExp(double x, double y) {
  constexpr double kLogE2 = 0.693147180559945309417232121458176568;
  if (x == y) return x + kLogE2;
  double tmp = x - y;
  if (tmp > 0) return x + std::log1p(std::exp(-tmp));
  if (tmp <= 0) return y + std::log1p(std::exp(tmp));
  return tmp;
}

class Bagging : public Estimator {
 public:
  bool classifier = false;
  std::vector<std::shared_ptr<const Estimator>> estimators;
  std::vector<std::vector<std::size_t>> features;
  std::vector<std::vector<std::size_t>> class_columns;  // per estimator: its classes_ as columns
  std::vector<std::size_t> starts;                      // chunk boundaries (n_jobs)
  std::size_t n_classes = 0;
  double n_estimators = 1;  // the n_estimators parameter
  bool log_proba_combine = false;  // base estimator has predict_log_proba

  bool Has(Method m) const override {
    switch (m) {
      case Method::kPredict: return true;
      case Method::kPredictProba:
      case Method::kPredictLogProba: return classifier;
      case Method::kDecisionFunction: return classifier && estimators[0]->Has(Method::kDecisionFunction);
      default: return false;
    }
  }

  Table Subset(const Table& x, std::size_t i) const { return x.Select(features[i]); }

  // predict_proba: (sum over chunks of per-chunk sums) / n_estimators.
  std::vector<double> Proba(const Table& x) const {
    const std::size_t rows = x.rows, k = n_classes;
    std::vector<double> total(rows * k, 0.0);
    for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
      std::vector<double> chunk(rows * k, 0.0);
      for (std::size_t i = starts[c]; i < starts[c + 1]; ++i) {
        const Estimator& est = *estimators[i];
        Table sub = Subset(x, i);
        const auto& cols = class_columns[i];
        if (est.Has(Method::kPredictProba)) {
          Output p = est.Run(Method::kPredictProba, sub);
          const std::size_t pk = cols.size();
          if (p.values.size() != rows * pk) {
            throw Error::InvalidModel(fmt::format("{}: estimators_[{}] returned {} probabilities for {} rows x {} classes", path, i, p.values.size(), rows, pk));
          }
          for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t j = 0; j < pk; ++j) chunk[r * k + cols[j]] += p.values[r * pk + j];
          }
        } else {
          Output p = est.Run(Method::kPredict, sub);
          if (!p.labels || p.labels->size() != rows) {
            throw Error::InvalidModel(fmt::format("{}: estimators_[{}] predict did not return one label per row", path, i));
          }
          for (std::size_t r = 0; r < rows; ++r) {
            std::size_t col = LabelColumn(*p.labels, r, i);
            chunk[r * k + col] += 1;
          }
        }
      }
      for (std::size_t j = 0; j < total.size(); ++j) total[j] += chunk[j];
    }
    for (double& v : total) v /= n_estimators;
    return total;
  }

  // Estimators are fitted on encoded targets: their predicted labels are class indices.
  std::size_t LabelColumn(const Labels& l, std::size_t r, std::size_t i) const {
    double v = l.type == Labels::Type::kFloat ? l.floats[r] : l.type == Labels::Type::kString ? -1.0 : static_cast<double>(l.ints[r]);
    if (!(v >= 0 && v < static_cast<double>(n_classes) && v == std::floor(v))) {
      throw Error::InvalidModel(fmt::format("{}: estimators_[{}] predicted {}, not a class index", path, i, l.Text(r)));
    }
    return static_cast<std::size_t>(v);
  }

  std::vector<double> LogProba(const Table& x) const {
    const std::size_t rows = x.rows, k = n_classes;
    std::vector<std::vector<double>> chunks;
    for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
      std::vector<double> lp(rows * k, -std::numeric_limits<double>::infinity());
      for (std::size_t i = starts[c]; i < starts[c + 1]; ++i) {
        Output p = estimators[i]->Run(Method::kPredictLogProba, Subset(x, i));
        const auto& cols = class_columns[i];
        const std::size_t pk = cols.size();
        if (p.values.size() != rows * pk) {
          throw Error::InvalidModel(fmt::format("{}: estimators_[{}] returned {} log-probabilities for {} rows x {} classes", path, i, p.values.size(), rows, pk));
        }
        std::vector<std::uint8_t> present(k, 0);
        for (std::size_t j = 0; j < pk; ++j) present[cols[j]] = 1;
        for (std::size_t r = 0; r < rows; ++r) {
          for (std::size_t j = 0; j < pk; ++j) {
            double& d = lp[r * k + cols[j]];
            d = LogAddExp(d, p.values[r * pk + j]);
          }
          if (pk != k) {
            for (std::size_t j = 0; j < k; ++j) {
              if (!present[j]) lp[r * k + j] = LogAddExp(lp[r * k + j], -std::numeric_limits<double>::infinity());
            }
          }
        }
      }
      chunks.push_back(std::move(lp));
    }
    std::vector<double> out = chunks[0];
    for (std::size_t c = 1; c < chunks.size(); ++c) {
      for (std::size_t j = 0; j < out.size(); ++j) out[j] = LogAddExp(out[j], chunks[c][j]);
    }
    const double logn = std::log(n_estimators);
    for (double& v : out) v -= logn;
    return out;
  }

  // decision_function / regression predict: sum(chunk sums) / n_estimators.
  Output SumOf(Method m, const Table& x) const {
    std::vector<double> total;
    std::size_t cols = 0;
    for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
      std::vector<double> chunk;
      for (std::size_t i = starts[c]; i < starts[c + 1]; ++i) {
        Output p = estimators[i]->Run(m, Subset(x, i));
        if (p.labels) throw Error::InvalidModel(fmt::format("{}: estimators_[{}] returned labels from {}", path, i, MethodName(m)));
        if (chunk.empty()) {
          chunk = std::move(p.values);
          cols = p.cols;
        } else {
          if (p.values.size() != chunk.size()) throw Error::InvalidModel(fmt::format("{}: estimators_[{}] output shape differs", path, i));
          for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] += p.values[j];
        }
      }
      if (total.empty()) total = std::move(chunk);
      else for (std::size_t j = 0; j < total.size(); ++j) total[j] += chunk[j];
    }
    for (double& v : total) v /= n_estimators;
    return NumericOutput(x.rows, cols, std::move(total));
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    if (input.n_features && x.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, x.cols));
    }
    if (!classifier) return SumOf(Method::kPredict, x);
    switch (m) {
      case Method::kDecisionFunction: return SumOf(m, x);
      case Method::kPredict: return ArgmaxLabels(*classes, x.rows, n_classes, Proba(x));
      case Method::kPredictProba:
      case Method::kPredictLogProba: {
        std::vector<double> p;
        if (m == Method::kPredictLogProba && log_proba_combine) {
          p = LogProba(x);
        } else {
          p = Proba(x);
          if (m == Method::kPredictLogProba) {
            for (double& v : p) v = std::log(v);
          }
        }
        Output o = NumericOutput(x.rows, n_classes, std::move(p));
        for (std::size_t c = 0; c < n_classes; ++c) o.column_names.push_back(classes->Text(c));
        return o;
      }
      default: Unsupported(m);
    }
  }
};

std::shared_ptr<Estimator> DecodeBagging(Fields& f, bool classifier) {
  auto e = std::make_shared<Bagging>();
  f.ReadCommon(e.get(), classifier);
  e->classifier = classifier;
  const Value& list = ListAttr(f, "estimators_");
  if (list.items.empty()) f.Fail("estimators_", "is empty");
  const std::size_t n = list.items.size();
  auto subsets = ReadFeatureSubsets(f, n, e->input.n_features);
  for (std::size_t i = 0; i < n; ++i) {
    e->estimators.push_back(f.ctx().Decode(*list.items[i], fmt::format("{}[{}]", f.At("estimators_"), i)));
    e->features.emplace_back(subsets[i].begin(), subsets[i].end());
    const Estimator& est = *e->estimators.back();
    if (est.input.n_features && est.input.n_features != subsets[i].size()) {
      f.Fail("estimators_features_", fmt::format("[{}] selects {} features, estimators_[{}] expects {}", i, subsets[i].size(), i, est.input.n_features));
    }
  }
  e->n_estimators = f.Has("n_estimators") ? static_cast<double>(f.Int("n_estimators")) : static_cast<double>(n);
  if (e->n_estimators <= 0) f.Fail("n_estimators", "is not positive");
  e->starts = PartitionEstimators(n, f);
  if (classifier) {
    if (!e->classes) f.Fail("classes_", "missing");
    e->n_classes = e->classes->size();
    for (std::size_t i = 0; i < n; ++i) {
      const Estimator& est = *e->estimators[i];
      std::vector<std::size_t> cols;
      if (!est.classes) f.Fail("estimators_", fmt::format("[{}] has no classes_", i));
      const Labels& l = *est.classes;
      if (l.size() == e->n_classes) {
        for (std::size_t j = 0; j < l.size(); ++j) cols.push_back(j);
      } else {
        for (std::size_t j = 0; j < l.size(); ++j) {
          double v = l.type == Labels::Type::kFloat ? l.floats[j] : l.type == Labels::Type::kString ? -1.0 : static_cast<double>(l.ints[j]);
          if (!(v >= 0 && v < static_cast<double>(e->n_classes) && v == std::floor(v))) {
            f.Fail("estimators_", fmt::format("[{}].classes_ holds {}, not an encoded class index", i, l.Text(j)));
          }
          cols.push_back(static_cast<std::size_t>(v));
        }
      }
      e->class_columns.push_back(std::move(cols));
    }
    // hasattr(base_estimator_, "predict_log_proba"): the fitted estimators are of the same class.
    e->log_proba_combine = e->estimators[0]->Has(Method::kPredictLogProba);
  }
  return e;
}

}  // namespace

std::shared_ptr<Estimator> DecodeForestClassifier(Fields& f) { return DecodeForest(f, true); }
std::shared_ptr<Estimator> DecodeForestRegressor(Fields& f) { return DecodeForest(f, false); }
std::shared_ptr<Estimator> DecodeBaggingClassifier(Fields& f) { return DecodeBagging(f, true); }
std::shared_ptr<Estimator> DecodeBaggingRegressor(Fields& f) { return DecodeBagging(f, false); }

std::shared_ptr<Estimator> DecodeRandomTreesEmbedding(Fields& f) {
  auto e = std::make_shared<TreesEmbedding>();
  f.ReadCommon(e.get(), false);
  std::vector<DecodedTree> trees = DecodeTrees(f);
  if (!e->input.n_features) e->input.n_features = trees[0].tree.n_features;
  const Value& enc = f.Get("one_hot_encoder_");
  if (enc.kind != Kind::kObject) f.Fail("one_hot_encoder_", "is not an encoder object");
  Fields ef(enc, &f.ctx(), f.At("one_hot_encoder_"));
  if (!ef.IsNone("drop_idx_")) ef.Fail("drop_idx_", "dropped categories are not supported (RandomTreesEmbedding never sets them)");
  e->ignore_unknown = ef.Has("handle_unknown") && ef.Get("handle_unknown").is_text() && ef.Str("handle_unknown") != "error";
  const Value& cats = ef.Get("categories_");
  if ((cats.kind != Kind::kList && cats.kind != Kind::kTuple) || cats.items.size() != trees.size()) {
    ef.Fail("categories_", fmt::format("expected {} category arrays (one per tree)", trees.size()));
  }
  e->allow_nan = true;
  for (std::size_t t = 0; t < trees.size(); ++t) {
    const kernels::TreeModel& tree = trees[t].tree;
    if (tree.n_features != e->input.n_features) {
      throw Error::InvalidModel(fmt::format("{}[{}].tree_: has {} features, the estimator {}", f.At("estimators_"), t, tree.n_features, e->input.n_features));
    }
    e->allow_nan &= tree.has_missing_go_to_left;
    std::vector<std::int32_t> col(tree.node_count, -1);
    std::string where = fmt::format("{}[{}]", ef.At("categories_"), t);
    for (std::int64_t leaf : ToInts(*cats.items[t], where)) {
      if (leaf < 0 || static_cast<std::size_t>(leaf) >= tree.node_count || !tree.is_leaf(static_cast<std::size_t>(leaf))) {
        throw Error::InvalidModel(fmt::format("{}: {} is not a leaf of tree {}", where, leaf, t));
      }
      col[static_cast<std::size_t>(leaf)] = static_cast<std::int32_t>(e->n_columns++);
    }
    e->column_of_leaf.push_back(std::move(col));
    std::vector<double> none(tree.node_count, 0.0);
    e->trees.Add(tree, none, 1, 0);
  }
  return e;
}

std::shared_ptr<Estimator> DecodeIsolationForest(Fields& f) {
  auto e = std::make_shared<IsolationForestModel>();
  f.ReadCommon(e.get(), false);
  if (f.Has("behaviour") && f.Get("behaviour").is_text() && f.Str("behaviour") == "old") {
    throw Error::Unsupported(fmt::format("{}: IsolationForest(behaviour='old') (scikit-learn {}) is not supported", f.path(), f.version()));
  }
  std::vector<DecodedTree> trees = DecodeTrees(f);
  const std::size_t n_trees = trees.size();
  if (!e->input.n_features) f.Fail("n_features_in_", "missing");
  const std::size_t n_features = e->input.n_features;
  std::int64_t max_features = f.Has("_max_features") ? f.Int("_max_features") : static_cast<std::int64_t>(n_features);
  bool subsample = max_features != static_cast<std::int64_t>(n_features);
  std::vector<std::vector<std::int32_t>> subsets;
  if (subsample) subsets = ReadFeatureSubsets(f, n_trees, n_features);
  double max_samples = f.Has("_max_samples") && VersionAtLeast(f.version(), 1, 4) ? f.Float("_max_samples") : f.Float("max_samples_");
  e->denominator = static_cast<double>(n_trees) * kernels::AveragePathLength(max_samples);
  e->guard_zero_denominator = VersionAtLeast(f.version(), 1, 0);
  e->offset = f.Float("offset_");
  e->allow_nan = e->allow_inf = VersionAtLeast(f.version(), 1, 9);
  const Value* stored_dpl = f.Find("_decision_path_lengths");
  const Value* stored_apl = f.Find("_average_path_length_per_tree");
  bool stored = stored_dpl && stored_apl && !stored_dpl->is_none() && !stored_apl->is_none();
  if (stored && ((stored_dpl->kind != Kind::kList && stored_dpl->kind != Kind::kTuple) || stored_dpl->items.size() != n_trees ||
                 (stored_apl->kind != Kind::kList && stored_apl->kind != Kind::kTuple) || stored_apl->items.size() != n_trees)) {
    f.Fail("_decision_path_lengths", fmt::format("expected {} per-tree arrays here and in _average_path_length_per_tree", n_trees));
  }
  for (std::size_t t = 0; t < n_trees; ++t) {
    const kernels::TreeModel& tree = trees[t].tree;
    std::size_t want = subsample ? subsets[t].size() : n_features;
    if (tree.n_features != want) {
      throw Error::InvalidModel(fmt::format("{}[{}].tree_: has {} features, expected {}", f.At("estimators_"), t, tree.n_features, want));
    }
    std::vector<double> dpl, apl;
    if (stored) {
      dpl = ToDoubles(*stored_dpl->items[t], fmt::format("{}[{}]", f.At("_decision_path_lengths"), t));
      apl = ToDoubles(*stored_apl->items[t], fmt::format("{}[{}]", f.At("_average_path_length_per_tree"), t));
      if (dpl.size() != tree.node_count || apl.size() != tree.node_count) {
        f.Fail("_decision_path_lengths", fmt::format("[{}] has {} / {} entries for {} nodes", t, dpl.size(), apl.size(), tree.node_count));
      }
    } else {
      auto depth = tree.Depths();
      dpl.resize(tree.node_count);
      apl.resize(tree.node_count);
      for (std::size_t n = 0; n < tree.node_count; ++n) {
        dpl[n] = static_cast<double>(depth[n] + 1);  // nodes on the decision path
        apl[n] = kernels::AveragePathLength(static_cast<double>(tree.n_node_samples[n]));
      }
    }
    std::vector<double> leaf(tree.node_count, 0.0);
    for (std::size_t n = 0; n < tree.node_count; ++n) leaf[n] = dpl[n] + apl[n] - 1.0;
    if (subsample) e->trees.Add(tree, leaf, 1, 0, subsets[t]);
    else e->trees.Add(tree, leaf, 1, 0);
  }
  return e;
}

}  // namespace skbridge::est
