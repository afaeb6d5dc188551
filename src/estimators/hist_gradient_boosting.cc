// HistGradientBoostingClassifier / HistGradientBoostingRegressor, every version since 0.21.
//
// State read (names as scikit-learn stored them over the versions):
//   _predictors                 list (iterations) of lists (n_trees_per_iteration_) of TreePredictor;
//                               TreePredictor.nodes is a structured array whose layout changed:
//                               0.21 (threshold, no missing_go_to_left), 0.22-0.23 (+ missing_go_to_left),
//                               0.24 (threshold -> num_threshold, + is_categorical, bitset_idx, and
//                               raw_left_cat_bitsets on the predictor), later feature_idx as intp.
//                               Fields are read by name, whatever their order, width or offsets.
//   _baseline_prediction        (K, 1) before 1.1 (raw predictions were (K, n)), (1, K) after; a scalar
//                               for single-tree losses in old versions.
//   bin_mapper_ / _bin_mapper   is_categorical_ and bin_thresholds_ (the known categories of each
//                               categorical feature) -> the known-category bitsets of predict.
//   loss_ / _loss               the link (see boosting_util.h).
//   _preprocessor               (1.4+, categorical features) ColumnTransformer: OrdinalEncoder on the
//                               categorical columns (placed first), check_array on the others.
// predict uses the raw thresholds (num_threshold / threshold); bin thresholds only serve binned data
// during fit.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "estimators/boosting_util.h"
#include "estimators/estimator.h"
#include "estimators/tree_decode.h"
#include "kernels/hgb.h"
#include "kernels/linear.h"

namespace skbridge::est {
namespace {

using boosting::Link;

// One field of a structured array, converted to T (integers / floats of any width).
template <class T>
std::vector<T> StructField(const NdArray& a, std::string_view name, bool required, const std::string& path) {
  const DTypeField* f = a.dtype.Field(name);
  if (!f) {
    if (required) throw Error::InvalidModel(fmt::format("{}: node dtype {} has no field '{}'", path, a.dtype.Str(), name));
    return {};
  }
  const std::int64_t n = a.size();
  std::vector<T> out(static_cast<std::size_t>(n));
  const DType& t = f->type;
  if (f->offset < 0 || f->offset + t.itemsize > a.dtype.itemsize) {
    throw Error::InvalidModel(fmt::format("{}: field '{}' lies outside the record", path, name));
  }
  for (std::int64_t i = 0; i < n; ++i) {
    const std::byte* p = a.data + i * a.dtype.itemsize + f->offset;
    auto load = [&](auto tag) {
      decltype(tag) v;
      std::memcpy(&v, p, sizeof v);
      return v;
    };
    T v{};
    if (t.kind == DTypeKind::kFloat && t.itemsize == 8) v = static_cast<T>(load(double{}));
    else if (t.kind == DTypeKind::kFloat && t.itemsize == 4) v = static_cast<T>(load(float{}));
    else if (t.kind == DTypeKind::kInt && t.itemsize == 8) v = static_cast<T>(load(std::int64_t{}));
    else if (t.kind == DTypeKind::kInt && t.itemsize == 4) v = static_cast<T>(load(std::int32_t{}));
    else if (t.kind == DTypeKind::kUInt && t.itemsize == 4) v = static_cast<T>(load(std::uint32_t{}));
    else if (t.kind == DTypeKind::kUInt && t.itemsize == 8) v = static_cast<T>(load(std::uint64_t{}));
    else if ((t.kind == DTypeKind::kUInt || t.kind == DTypeKind::kBool) && t.itemsize == 1) v = static_cast<T>(load(std::uint8_t{}));
    else if (t.kind == DTypeKind::kInt && t.itemsize == 1) v = static_cast<T>(load(std::int8_t{}));
    else if (t.kind == DTypeKind::kUInt && t.itemsize == 2) v = static_cast<T>(load(std::uint16_t{}));
    else if (t.kind == DTypeKind::kInt && t.itemsize == 2) v = static_cast<T>(load(std::int16_t{}));
    else throw Error::InvalidModel(fmt::format("{}: field '{}' has unsupported dtype {}", path, name, t.Str()));
    out[static_cast<std::size_t>(i)] = v;
  }
  return out;
}

// Values of a list / tuple / object array.
std::vector<const Value*> Items(const Value& v, const std::string& path) {
  if (v.kind == Kind::kList || v.kind == Kind::kTuple) return v.items;
  if (v.kind == Kind::kArray && v.array->dtype.kind == DTypeKind::kObject) return v.array->objects;
  throw Error::InvalidModel(fmt::format("{}: expected a list, found {}", path, v.Repr(40)));
}

kernels::HgbTreeSpec ReadPredictor(const Value& pred, const std::string& path) {
  if (pred.kind != Kind::kObject || boosting::ClassName(pred) != "TreePredictor") {
    throw Error::InvalidModel(fmt::format("{}: expected a TreePredictor, found {}", path, pred.Repr(40)));
  }
  const Value* state = pred.State();
  if (!state || state->kind != Kind::kDict) throw Error::InvalidModel(fmt::format("{}: TreePredictor has no state", path));
  const Value* nodes = state->Get("nodes");
  if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured() || nodes->array->ndim() != 1) {
    throw Error::InvalidModel(fmt::format("{}.nodes: expected a 1-d structured array, found {}", path, nodes ? nodes->Repr(40) : "nothing"));
  }
  const NdArray& a = *nodes->array;
  const std::string np = path + ".nodes";
  kernels::HgbTreeSpec t;
  t.value = StructField<double>(a, "value", true, np);
  t.feature = StructField<std::int64_t>(a, "feature_idx", true, np);
  t.threshold = StructField<double>(a, a.dtype.Field("num_threshold") ? "num_threshold" : "threshold", true, np);
  t.missing_left = StructField<std::uint8_t>(a, "missing_go_to_left", false, np);
  t.left = StructField<std::int64_t>(a, "left", true, np);
  t.right = StructField<std::int64_t>(a, "right", true, np);
  t.is_leaf = StructField<std::uint8_t>(a, "is_leaf", true, np);
  t.is_categorical = StructField<std::uint8_t>(a, "is_categorical", false, np);
  t.bitset_idx = StructField<std::int64_t>(a, "bitset_idx", false, np);
  if (const Value* b = state->Get("raw_left_cat_bitsets"); b && !b->is_none()) {
    auto shape = ShapeOf(*b, path + ".raw_left_cat_bitsets");
    if (!(shape.size() == 2 && shape[1] == 8) && !(shape.size() == 1 && shape[0] == 0)) {
      throw Error::InvalidModel(fmt::format("{}.raw_left_cat_bitsets: expected shape (n, 8), got {}", path, b->Repr(40)));
    }
    for (double d : ToDoubles(*b, path + ".raw_left_cat_bitsets")) t.raw_left_cat_bitsets.push_back(static_cast<std::uint32_t>(d));
  }
  return t;
}

class HistGradientBoosting : public Estimator {
 public:
  bool classifier = false;
  Link link = Link::kIdentity;
  bool legacy_loss = false;        // multiclass proba by logsumexp (loss_ classes before 1.1)
  bool predict_from_raw = false;   // scikit-learn >= 1.5: predict from raw predictions, not from proba
  std::shared_ptr<const kernels::HgbForest> forest;
  // 1.4+ preprocessor: encoder on `cat_cols` (output first), numeric passthrough of `num_cols`.
  std::shared_ptr<const Estimator> encoder;
  std::vector<std::size_t> cat_cols, num_cols;

  bool Has(Method m) const override {
    if (!classifier) return m == Method::kPredict;
    return m == Method::kPredict || m == Method::kPredictProba || m == Method::kDecisionFunction;
  }

  // The matrix the predictors see, rows x n_features (x itself when it already is that matrix).
  const Table& Prepare(const Table& x, Table& storage) const {
    if (!encoder) {
      if (!x.is_dense()) storage = x.ToDense();
      const Table& d = x.is_dense() ? x : storage;
      if (input.n_features && d.cols != input.n_features) {
        throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, d.cols));
      }
      return d;
    }
    if (input.n_features && x.cols != input.n_features) {
      throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", path, class_path, input.n_features, x.cols));
    }
    Output enc = encoder->Run(Method::kTransform, x.Select(cat_cols));
    std::size_t enc_cols = enc.cols == 0 ? 1 : enc.cols;
    if (enc.rows != x.rows || enc.cols != cat_cols.size() || enc.values.size() != x.rows * enc_cols) {
      throw Error::InvalidModel(fmt::format("{}._preprocessor: the encoder gave {} columns for {} categorical features", path, enc_cols, cat_cols.size()));
    }
    Table num = x.Select(num_cols).ToDense();
    const std::size_t F = cat_cols.size() + num_cols.size();
    std::vector<double> out(x.rows * F);
    for (std::size_t r = 0; r < x.rows; ++r) {
      std::copy_n(enc.values.data() + r * enc_cols, enc_cols, out.data() + r * F);
      std::copy_n(num.dense.data() + r * num_cols.size(), num_cols.size(), out.data() + r * F + enc_cols);
    }
    storage = Table::Dense(x.rows, F, std::move(out));
    return storage;
  }

  Output Run(Method m, const Table& x) const override {
    if (!Has(m)) Unsupported(m);
    Table storage;
    const Table& d = Prepare(x, storage);
    const std::size_t n = d.rows, K = forest->k();
    std::vector<double> raw(n * K);
    forest->RawPredict(d.dense.data(), n, raw.data());
    if (!classifier) {
      if (link == Link::kLog) {
        for (double& v : raw) v = std::exp(v);
      }
      return NumericOutput(n, 0, std::move(raw));
    }
    if (m == Method::kDecisionFunction) return NumericOutput(n, K == 1 ? 0 : K, std::move(raw));
    const std::size_t C = classes->size();
    if (m == Method::kPredictProba) return boosting::ProbaOutput(*classes, n, Proba(raw, n));
    std::vector<double> proba = predict_from_raw ? std::vector<double>{} : Proba(raw, n);
    std::vector<std::size_t> idx(n);
    for (std::size_t r = 0; r < n; ++r) {
      if (predict_from_raw && K == 1) {
        idx[r] = raw[r] > 0 ? 1 : 0;
      } else {
        const double* s = predict_from_raw ? raw.data() + r * K : proba.data() + r * C;
        std::size_t w = predict_from_raw ? K : C, best = 0;
        for (std::size_t j = 1; j < w; ++j) {
          if (s[j] > s[best] || (std::isnan(s[j]) && !std::isnan(s[best]))) best = j;  // numpy.argmax: first max, NaN wins
        }
        idx[r] = best;
      }
    }
    return boosting::LabelsOutput(*classes, std::move(idx));
  }

  std::vector<double> Proba(const std::vector<double>& raw, std::size_t n) const {
    const std::size_t K = forest->k();
    if (K == 1) {
      std::vector<double> p(2 * n);
      for (std::size_t r = 0; r < n; ++r) {
        p[2 * r + 1] = kernels::Expit(raw[r]);
        p[2 * r] = 1 - p[2 * r + 1];
      }
      return p;
    }
    std::vector<double> p(n * K);
    // Both layouts reduce over classes across a non-contiguous axis: (K, n) C-ordered before 1.1,
    // (n, K) Fortran-ordered after, so the class sums are sequential.
    if (legacy_loss) kernels::LogSumExpProbaRows(raw.data(), n, K, false, false, p.data());
    else kernels::SoftmaxRows(raw.data(), n, K, false, p.data());
    return p;
  }
};

}  // namespace

std::shared_ptr<Estimator> DecodeHistGradientBoosting(Fields& f) {
  auto e = std::make_shared<HistGradientBoosting>();
  const std::string cls = boosting::ClassName(f.object());
  e->classifier = cls == "HistGradientBoostingClassifier";
  f.ReadCommon(e.get(), e->classifier);
  if (!e->input.n_features) {
    if (const Value* v = f.Find("_n_features"); v && v->kind == Kind::kInt) e->input.n_features = static_cast<std::size_t>(v->integer);
  }
  std::size_t n_classes = e->classifier ? (e->classes ? e->classes->size() : 0) : 0;
  if (e->classifier && n_classes < 2) f.Fail("classes_", fmt::format("expected at least 2 classes, got {}", n_classes));

  // Trees per iteration and the loss.
  std::size_t K = 1;
  if (f.Has("n_trees_per_iteration_")) {
    std::int64_t k = f.Int("n_trees_per_iteration_");
    if (k < 1) f.Fail("n_trees_per_iteration_", fmt::format("must be >= 1, got {}", k));
    K = static_cast<std::size_t>(k);
  }
  if (e->classifier && K != (n_classes <= 2 ? 1u : n_classes)) {
    f.Fail("n_trees_per_iteration_", fmt::format("is {} for {} classes", K, n_classes));
  }
  boosting::LossInfo loss = boosting::ReadLoss(f, n_classes);
  e->link = loss.link;
  e->legacy_loss = loss.legacy;
  if (e->classifier && loss.link != (K == 1 ? Link::kLogit : Link::kSoftmax)) {
    f.Fail(loss.attr, fmt::format("loss {} does not fit a classifier with {} classes", loss.class_name, n_classes));
  }
  if (!e->classifier && loss.link != Link::kIdentity && loss.link != Link::kLog) {
    f.Fail(loss.attr, fmt::format("loss {} is not a regression loss", loss.class_name));
  }
  e->predict_from_raw = VersionAtLeast(f.version(), 1, 5);

  std::vector<double> baseline = f.Doubles("_baseline_prediction");
  if (baseline.size() == 1 && K > 1) baseline.assign(K, baseline[0]);
  if (baseline.size() != K) f.Fail("_baseline_prediction", fmt::format("has {} values for {} trees per iteration", baseline.size(), K));

  // The 1.4+ preprocessor (categorical features): encoder columns first, then the others.
  if (const Value* pre = f.Find("_preprocessor"); pre && !pre->is_none()) {
    const std::string pp = f.At("_preprocessor");
    Fields pf(*pre, &f.ctx(), pp);
    const Value& trs = pf.Get("transformers_");
    auto items = Items(trs, pf.At("transformers_"));
    const Value* enc = nullptr;
    for (const Value* t : items) {
      if ((t->kind == Kind::kTuple || t->kind == Kind::kList) && t->items.size() >= 2 && t->items[0]->is_text() &&
          t->items[0]->text == "encoder") {
        enc = t->items[1];
      }
    }
    if (!enc) pf.Fail("transformers_", "has no 'encoder' transformer");
    std::vector<double> is_cat = f.Doubles("is_categorical_");
    if (e->input.n_features && is_cat.size() != e->input.n_features) {
      f.Fail("is_categorical_", fmt::format("has {} entries for {} features", is_cat.size(), e->input.n_features));
    }
    for (std::size_t i = 0; i < is_cat.size(); ++i) (is_cat[i] != 0 ? e->cat_cols : e->num_cols).push_back(i);
    e->encoder = f.ctx().Decode(*enc, pp + ".transformers_[0].encoder");
    if (!e->encoder->Has(Method::kTransform)) pf.Fail("transformers_", "the encoder has no transform");
    if (!e->input.n_features) e->input.n_features = is_cat.size();
  }

  // Known categories of each categorical feature (in the predictors' column order).
  const Value* bm = f.FindAny({"_bin_mapper", "bin_mapper_"});
  std::vector<std::vector<std::uint32_t>> known;
  if (bm && !bm->is_none()) {
    const std::string bp = f.At(f.Has("_bin_mapper") ? "_bin_mapper" : "bin_mapper_");
    Fields bf(*bm, &f.ctx(), bp);
    if (!bf.IsNone("is_categorical_")) {
      std::vector<double> is_cat = bf.Doubles("is_categorical_");
      const Value& thr = bf.Get("bin_thresholds_");
      auto lists = Items(thr, bf.At("bin_thresholds_"));
      if (lists.size() != is_cat.size()) bf.Fail("bin_thresholds_", fmt::format("has {} entries for {} features", lists.size(), is_cat.size()));
      known.resize(is_cat.size());
      for (std::size_t j = 0; j < is_cat.size(); ++j) {
        if (is_cat[j] == 0) continue;
        known[j].assign(8, 0);
        for (double c : ToDoubles(*lists[j], fmt::format("{}.bin_thresholds_[{}]", bp, j))) {
          if (std::isnan(c)) continue;
          std::uint8_t b = kernels::CategoryByte(c);
          known[j][b >> 5] |= 1u << (b & 31);
        }
      }
    }
  }

  // Predictors.
  const Value& preds = f.Get("_predictors");
  auto iterations = Items(preds, f.At("_predictors"));
  std::size_t n_features = e->input.n_features;
  if (!n_features) f.Fail("n_features_in_", "missing: the number of input features is unknown");
  if (!known.empty() && known.size() != n_features) {
    f.Fail("_bin_mapper", fmt::format("describes {} features, the model has {}", known.size(), n_features));
  }
  auto forest = std::make_shared<kernels::HgbForest>(n_features, K, baseline, known, VersionAtLeast(f.version(), 1, 2));
  for (std::size_t i = 0; i < iterations.size(); ++i) {
    std::string ip = fmt::format("{}[{}]", f.At("_predictors"), i);
    auto trees = Items(*iterations[i], ip);
    if (trees.size() != K) throw Error::InvalidModel(fmt::format("{}: has {} predictors, expected {}", ip, trees.size(), K));
    for (std::size_t k = 0; k < K; ++k) {
      std::string tp = fmt::format("{}[{}]", ip, k);
      std::string err = forest->Add(ReadPredictor(*trees[k], tp));
      if (!err.empty()) throw Error::InvalidModel(fmt::format("{}.nodes: {}", tp, err));
    }
  }
  e->forest = std::move(forest);
  return e;
}

}  // namespace skbridge::est
