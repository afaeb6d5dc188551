// Unit tests of skbridge port's per-family transforms (src/port/<family>.cc) on real fixtures
// (tests/fixtures/<version>/) and on edited copies of them (refusals).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <vector>

#include "port/port_test_util.h"
#include "skbridge/compat.h"
#include "skbridge/error.h"
#include "skbridge/port.h"
#include "skbridge/writer.h"

namespace skbridge {
namespace {

using testing::Has;
using testing::Read;
using testing::Refusal;

// ---- HistGradientBoosting ----------------------------------------------------------------------

const Value* FirstPredictor(const Value* hgb) {
  const Value* predictors = hgb->State()->Get("_predictors");
  return predictors->items[0]->items[0];
}

double NodeFloat(const NdArray& nodes, std::int64_t i, std::string_view field) {
  double d;
  std::memcpy(&d, nodes.data + i * nodes.dtype.itemsize + nodes.dtype.Field(field)->offset, 8);
  return d;
}

TEST(Port, HistGradientBoostingFrom023) {
  ModelFile f = Read("0.23.2", "HistGradientBoostingClassifier_multiclass_str");
  const NdArray before = *FirstPredictor(f.graph.root)->State()->Get("nodes")->array;
  ASSERT_EQ(before.dtype.itemsize, 47);
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  const Value* st = f.graph.root->State();
  // bin_mapper_ -> _bin_mapper, with one is_categorical_ flag (0) per feature
  EXPECT_EQ(st->Get("bin_mapper_"), nullptr);
  const Value* bm = st->Get("_bin_mapper");
  ASSERT_NE(bm, nullptr);
  const Value* flags = bm->State()->Get("is_categorical_");
  ASSERT_NE(flags, nullptr);
  EXPECT_EQ(flags->array->dtype.Str(), "|u1");
  EXPECT_EQ(flags->array->size(), 6);
  EXPECT_EQ(st->Get("_n_features")->integer, 6);
  EXPECT_EQ(st->Get("_preprocessor")->kind, Kind::kNone);
  EXPECT_EQ(st->Get("is_categorical_")->kind, Kind::kNone);
  EXPECT_EQ(st->Get("loss")->text, "log_loss");  // 'auto' was removed in 1.3
  // 1.9 holds the LabelEncoder of the classes
  const Value* le = st->Get("_label_encoder");
  ASSERT_NE(le, nullptr);
  EXPECT_EQ(le->GlobalPath(), "sklearn.preprocessing._label.LabelEncoder");
  EXPECT_EQ(le->State()->Get("classes_"), st->Get("classes_"));
  // the 1.4+ node record: num_threshold, an intp feature_idx, is_categorical / bitset_idx = 0
  const Value* p = FirstPredictor(f.graph.root);
  const NdArray& nodes = *p->State()->Get("nodes")->array;
  EXPECT_EQ(nodes.dtype.itemsize, 56);
  EXPECT_EQ(nodes.dtype.Field("threshold"), nullptr);
  ASSERT_NE(nodes.dtype.Field("num_threshold"), nullptr);
  EXPECT_EQ(nodes.dtype.Field("feature_idx")->type.Str(), "<i8");
  ASSERT_NE(nodes.dtype.Field("bitset_idx"), nullptr);
  ASSERT_EQ(nodes.size(), before.size());
  for (std::int64_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(NodeFloat(nodes, i, "num_threshold"), NodeFloat(before, i, "threshold"));
    EXPECT_EQ(NodeFloat(nodes, i, "value"), NodeFloat(before, i, "value"));
  }
  EXPECT_EQ(p->State()->Get("raw_left_cat_bitsets")->array->ShapeString(), "(0, 8)");
  // multiclass baseline (K, 1) -> (1, K)
  EXPECT_EQ(st->Get("_baseline_prediction")->array->ShapeString(), "(1, 3)");
  EXPECT_TRUE(Has(r, "bin_mapper_ renamed _bin_mapper"));
  EXPECT_TRUE(Has(r, "TreePredictor nodes"));
  EXPECT_FALSE(WritePickle(f.graph, f.graph.root, r.write).empty());
}

TEST(Port, HistGradientBoostingTo023) {
  ModelFile f = Read("1.2.1", "HistGradientBoostingRegressor");
  PortReport r = Port(f, Target::Parse("sklearn=0.23.2"));
  const Value* st = f.graph.root->State();
  EXPECT_NE(st->Get("bin_mapper_"), nullptr);
  EXPECT_EQ(st->Get("_bin_mapper"), nullptr);
  EXPECT_EQ(st->Get("n_features_")->integer, 6);
  EXPECT_EQ(st->Get("loss_")->GlobalPath(), "sklearn.ensemble._hist_gradient_boosting.loss.LeastSquares");
  const Value* p = FirstPredictor(f.graph.root);
  const NdArray& nodes = *p->State()->Get("nodes")->array;
  EXPECT_EQ(nodes.dtype.itemsize, 47);  // 0.23 common.pxd node_struct, packed
  ASSERT_NE(nodes.dtype.Field("threshold"), nullptr);
  EXPECT_EQ(nodes.dtype.Field("is_categorical"), nullptr);
  EXPECT_EQ(nodes.dtype.Field("feature_idx")->type.Str(), "<u4");
  EXPECT_EQ(p->State()->Get("raw_left_cat_bitsets"), nullptr);
  // and the reverse of the 1.4 intp feature index
  ModelFile g = Read("1.9.0", "HistGradientBoostingRegressor");
  Port(g, Target::Parse("sklearn=1.2.1,numpy=2.2.0"));  // numpy 2: the random state stays readable
  const NdArray& n12 = *FirstPredictor(g.graph.root)->State()->Get("nodes")->array;
  EXPECT_EQ(n12.dtype.itemsize, 52);
  EXPECT_EQ(n12.dtype.Field("feature_idx")->type.Str(), "<u4");
}

TEST(Port, HistGradientBoostingLinkedLosses) {
  {  // Poisson (log link) 0.23 -> 1.4
    ModelFile f = Read("0.23.2", "HistGradientBoostingRegressor_poisson");
    PortReport r = Port(f, Target::Parse("sklearn=1.4.2"));
    const Value* loss = f.graph.root->State()->Get("_loss");
    ASSERT_NE(loss, nullptr);
    EXPECT_EQ(loss->GlobalPath(), "sklearn._loss.loss.HalfPoissonLoss");
    EXPECT_EQ(loss->State()->Get("link")->GlobalPath(), "sklearn._loss.link.LogLink");
    EXPECT_EQ(f.graph.root->State()->Get("loss_"), nullptr);
    EXPECT_TRUE(Has(r, "the same log link"));
  }
  {  // absolute error (identity link) 1.2 -> 0.23, and its parameter's old name
    ModelFile f = Read("1.2.1", "HistGradientBoostingRegressor_absolute_error");
    Port(f, Target::Parse("sklearn=0.23.2"));
    const Value* st = f.graph.root->State();
    EXPECT_EQ(st->Get("loss_")->GlobalPath(), "sklearn.ensemble._hist_gradient_boosting.loss.LeastAbsoluteDeviation");
    EXPECT_EQ(st->Get("loss")->text, "least_absolute_deviation");
  }
}

TEST(Port, HistGradientBoostingCategorical) {
  {  // 1.2 splits on raw categories: 1.9 without a preprocessor predicts on them the same way
    ModelFile f = Read("1.2.1", "HistGradientBoostingClassifier_categorical");
    Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_EQ(f.graph.root->State()->Get("_preprocessor")->kind, Kind::kNone);
  }
  {  // 0.23 has no categorical splits
    ModelFile f = Read("1.2.1", "HistGradientBoostingClassifier_categorical");
    std::string why = Refusal(f, "sklearn=0.23.2");
    EXPECT_NE(why.find("splits on categories"), std::string::npos) << why;
  }
  {  // a 1.4+ preprocessor's codes cannot be given to 1.2
    ModelFile f = Read("1.4.2", "HistGradientBoostingClassifier_categorical");
    std::string why = Refusal(f, "sklearn=1.2.1,numpy=2.2.0");
    EXPECT_NE(why.find("OrdinalEncoder"), std::string::npos) << why;
  }
  // check_array's keyword: force_all_finite (<= 1.5) <-> ensure_all_finite (1.6+), both ways
  for (auto [from, to, key, gone] : {std::tuple{"1.4.2", "sklearn=1.9.0", "ensure_all_finite", "force_all_finite"},
                                     std::tuple{"1.9.0", "sklearn=1.4.2", "force_all_finite", "ensure_all_finite"}}) {
    ModelFile f = Read(from, "HistGradientBoostingRegressor_categorical");
    PortReport r = Port(f, Target::Parse(to));
    const Value* partial = nullptr;
    for (std::size_t i = 0; i < f.graph.node_count(); ++i) {
      const Value* v = f.graph.node(i);
      if (v->kind == Kind::kObject && v->GlobalPath() == "functools.partial") partial = v;
    }
    ASSERT_NE(partial, nullptr);
    const Value* kw = partial->State()->items[2];
    EXPECT_NE(kw->Get(key), nullptr) << from;
    EXPECT_EQ(kw->Get(gone), nullptr) << from;
    EXPECT_TRUE(Has(r, std::string("-> ") + key));
  }
}

// ---- misc families (CalibratedClassifierCV, PLS, NMF, MiniBatchKMeans, NearestCentroid, ...) -------

const Value* Key(const ModelFile& f, std::string_view key) { return f.graph.root->State()->Get(key); }

/// Replaces (or adds) `key` in the root object's state.
void SetKey(ModelFile& f, std::string_view key, Kind kind, double real) {
  Value* st = const_cast<Value*>(f.graph.root->State());
  Value* v = f.graph.New(kind);
  if (kind == Kind::kFloat) v->real = real;
  if (kind == Kind::kBool) v->boolean = real != 0;
  for (auto& [k, x] : st->entries) {
    if (k->is_text() && k->text == key) {
      x = v;
      return;
    }
  }
  Value* k = f.graph.New(Kind::kStr);
  k->text = f.graph.Store(std::string(key));
  st->entries.emplace_back(k, v);
}

TEST(PortMisc, MiniBatchKMeansFitStateBothWays) {
  ModelFile f = Read("1.9.0", "MiniBatchKMeans");
  Port(f, Target::Parse("sklearn=0.23.2"));
  ASSERT_NE(Key(f, "algorithm"), nullptr);
  EXPECT_EQ(Key(f, "algorithm")->text, "auto");  // the 0.23 KMeans default MiniBatchKMeans cannot set
  EXPECT_EQ(Key(f, "precompute_distances")->text, "deprecated");
  EXPECT_EQ(Key(f, "_algorithm"), nullptr);  // KMeans.fit only
  ModelFile g = Read("0.23.2", "MiniBatchKMeans");
  EXPECT_NO_THROW(Port(g, Target::Parse("sklearn=1.9.0")));
  EXPECT_EQ(Key(g, "_n_since_last_reassign"), nullptr);  // partial_fit state only
}

TEST(PortMisc, NmfRegularisationScaledByFeatures) {
  ModelFile f = Read("0.23.2", "NMF");
  const double n = static_cast<double>(Key(f, "components_")->array->shape[1]);
  SetKey(f, "alpha", Kind::kFloat, 0.3);
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  ASSERT_EQ(Key(f, "alpha_W")->kind, Kind::kFloat);
  EXPECT_EQ(n * Key(f, "alpha_W")->real, 0.3);  // exactly the 0.23 penalty
  EXPECT_EQ(Key(f, "alpha_H")->text, "same");
  ModelFile g = Read("1.9.0", "NMF");
  SetKey(g, "alpha_W", Kind::kFloat, 0.1);
  Port(g, Target::Parse("sklearn=0.23.2"));
  EXPECT_EQ(Key(g, "alpha")->real, n * 0.1);
}

TEST(PortMisc, AdditiveChi2SamplerInterval) {
  ModelFile f = Read("1.9.0", "AdditiveChi2Sampler");
  ASSERT_EQ(Key(f, "sample_steps")->integer, 2);
  Port(f, Target::Parse("sklearn=0.23.2"));
  EXPECT_EQ(Key(f, "sample_interval_")->real, 0.5);
  ModelFile g = Read("1.9.0", "AdditiveChi2Sampler");
  Port(g, Target::Parse("sklearn=1.4.2"));
  EXPECT_EQ(Key(g, "_sample_interval")->real, 0.5);
}

TEST(PortMisc, KernelPcaCentererOutputPinned) {
  ModelFile f = Read("0.23.2", "KernelPCA_rbf");
  Port(f, Target::Parse("sklearn=1.4.2"));
  const Value* config = Key(f, "_centerer")->State()->Get("_sklearn_output_config");
  ASSERT_NE(config, nullptr);
  ASSERT_NE(config->Get("transform"), nullptr);
  EXPECT_EQ(config->Get("transform")->text, "default");
}

TEST(PortMisc, CategoricalNbCategoryCounts) {
  ModelFile f = Read("0.23.2", "CategoricalNB");
  Port(f, Target::Parse("sklearn=1.9.0"));
  const Value* n = Key(f, "n_categories_");
  ASSERT_NE(n, nullptr);
  const Value* logp = Key(f, "feature_log_prob_");
  ASSERT_EQ(n->array->size(), static_cast<std::int64_t>(logp->items.size()));
  for (std::size_t i = 0; i < logp->items.size(); ++i) EXPECT_EQ(n->array->view<std::int64_t>()[i], logp->items[i]->array->shape[1]);
}

TEST(PortMisc, NearestCentroidNewMethodsAndPriors) {
  ModelFile f = Read("1.4.2", "NearestCentroid");
  Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_EQ(Key(f, "within_class_std_dev_"), nullptr);  // fit-time statistic of the new methods only
  ASSERT_NE(Key(f, "class_prior_"), nullptr);
  ModelFile g = Read("1.9.0", "NearestCentroid");
  std::string why = Refusal(g, "sklearn=1.4.2");
  EXPECT_NE(why.find("predict_proba"), std::string::npos) << why;
  // metric 'manhattan': no probability methods in 1.9 either; uniform priors -> the plain rule
  // (verified live: a 1.9 manhattan model predicts the same in 0.23, 1.2 and 1.4)
  ModelFile h = Read("1.9.0", "NearestCentroid");
  Value* manhattan = h.graph.New(Kind::kStr);
  manhattan->text = "manhattan";
  Value* st = const_cast<Value*>(h.graph.root->State());
  for (auto& [k, x] : st->entries)
    if (k->text == "metric") x = manhattan;
  EXPECT_NO_THROW(Port(h, Target::Parse("sklearn=1.4.2")));
  ModelFile u = Read("1.9.0", "NearestCentroid");
  st = const_cast<Value*>(u.graph.root->State());
  for (auto& [k, x] : st->entries)
    if (k->text == "metric") x = manhattan;
  SetKey(u, "class_prior_", Kind::kFloat, 0.5);  // not the (n_classes,) uniform array
  why = Refusal(u, "sklearn=1.4.2");
  EXPECT_NE(why.find("class priors are not uniform"), std::string::npos) << why;
}

TEST(PortMisc, BayesStdAcross19) {
  {  // into 1.9: the std of an older model is uncentred -> X_offset_ zeros
    ModelFile f = Read("1.4.2", "BayesianRidge");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_TRUE(Has(r, "X_offset_ -> zeros"));
    for (double x : Key(f, "X_offset_")->array->view<double>()) EXPECT_EQ(x, 0.0);
  }
  {  // 1.9 into 0.23: normalize=True with unit scales centres the std the same way
    ModelFile f = Read("1.9.0", "ARDRegression");
    PortReport r = Port(f, Target::Parse("sklearn=0.23.2"));
    EXPECT_TRUE(Key(f, "normalize")->boolean);
    for (double x : Key(f, "X_scale_")->array->view<double>()) EXPECT_EQ(x, 1.0);
  }
  {  // a 0.23 normalize=True std scales X by X_scale_: nothing does that after 1.0
    ModelFile f = Read("0.23.2", "BayesianRidge");
    SetKey(f, "normalize", Kind::kBool, 1);
    std::string why = Refusal(f, "sklearn=1.9.0");
    EXPECT_NE(why.find("normalize=True"), std::string::npos) << why;
  }
  {  // 1.9 into 1.4: nothing centres X there
    ModelFile f = Read("1.9.0", "BayesianRidge");
    std::string why = Refusal(f, "sklearn=1.4.2");
    EXPECT_NE(why.find("X - X_offset_"), std::string::npos) << why;
  }
}

TEST(PortMisc, PlsCoefLayouts) {
  {  // 0.23 (p, q) -> 1.9: (q, p) with 1/_x_std folded in, statistics renamed
    ModelFile f = Read("0.23.2", "PLSRegression");
    const NdArray a = *Key(f, "coef_")->array;
    const NdArray s = *Key(f, "x_std_")->array;
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_TRUE(Has(r, "PLS layout"));
    const NdArray& c = *Key(f, "coef_")->array;
    ASSERT_EQ(c.shape[0], a.shape[1]);
    ASSERT_EQ(c.shape[1], a.shape[0]);
    ASSERT_TRUE(c.fortran_order);
    for (std::int64_t j = 0; j < a.shape[0]; ++j) {
      for (std::int64_t t = 0; t < a.shape[1]; ++t) {
        double want = a.view<double>()[j * a.shape[1] + t] / s.view<double>()[j];
        EXPECT_EQ(c.view<double>()[j * a.shape[1] + t], want);  // Fortran (q, p): element (t, j)
      }
    }
    EXPECT_EQ(Key(f, "_x_std"), Key(f, "x_std_"));
    EXPECT_EQ(Key(f, "intercept_"), Key(f, "y_mean_"));
    EXPECT_EQ(Key(f, "_norm_y_weights"), Key(f, "norm_y_weights"));
  }
  {  // 1.4 -> 1.2: coef_ becomes _coef_ (1.2's coef_ is a property)
    ModelFile f = Read("1.4.2", "CCA");
    const Value* before = Key(f, "coef_");
    Port(f, Target::Parse("sklearn=1.2.1"));
    EXPECT_EQ(Key(f, "coef_"), nullptr);
    ASSERT_NE(Key(f, "_coef_"), nullptr);
    EXPECT_EQ(Key(f, "_coef_")->array->shape, before->array->shape);
  }
  {  // a 1-d fit predicts (n_samples,) since 1.3; older targets return (n_samples, 1)
    ModelFile f = Read("1.9.0", "PLSRegression_1d");
    std::string why = Refusal(f, "sklearn=1.2.1");
    EXPECT_NE(why.find("_predict_1d"), std::string::npos) << why;
  }
}

TEST(PortMisc, CalibratedClassifierLayouts) {
  {  // 0.23 -> 1.9: the 1.0+ layout of each calibrated classifier
    ModelFile f = Read("0.23.2", "CalibratedClassifierCV_sigmoid");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_TRUE(Has(r, "1.0+ layout"));
    EXPECT_TRUE(Key(f, "ensemble")->boolean);
    for (const Value* c : Key(f, "calibrated_classifiers_")->items) {
      const Value* st = c->State();
      ASSERT_NE(st->Get("estimator"), nullptr);
      ASSERT_NE(st->Get("calibrators"), nullptr);
      EXPECT_EQ(st->Get("classes")->kind, Kind::kArray);
      EXPECT_EQ(st->Get("calibrators_"), nullptr);
      EXPECT_EQ(st->Get("label_encoder_"), nullptr);
    }
  }
  {  // 1.9 -> 0.23: a LabelEncoder fitted on the classes, classes_ per calibrated classifier
    ModelFile f = Read("1.9.0", "CalibratedClassifierCV_multiclass_str");
    Port(f, Target::Parse("sklearn=0.23.2"));
    for (const Value* c : Key(f, "calibrated_classifiers_")->items) {
      const Value* st = c->State();
      ASSERT_NE(st->Get("calibrators_"), nullptr);
      EXPECT_EQ(st->Get("calibrators_")->items.size(), 3u);  // one per class
      const Value* enc = st->Get("label_encoder_");
      ASSERT_NE(enc, nullptr);
      EXPECT_EQ(enc->Class()->name, "LabelEncoder");
      EXPECT_EQ(enc->State()->Get("classes_"), st->Get("classes_"));
      EXPECT_EQ(st->Get("classes"), st->Get("classes_"));
      EXPECT_NE(st->Get("base_estimator"), nullptr);
    }
  }
}

TEST(PortMisc, OneHotEncoderInfrequentCategories) {
  {  // an infrequent category has no column of its own before 1.1
    ModelFile f = Read("1.9.0", "OneHotEncoder_infrequent");
    std::string why = Refusal(f, "sklearn=0.23.2");
    EXPECT_NE(why.find("feature 'city' has its one infrequent category (index 0 of 5)"), std::string::npos) << why;
  }
  {  // the only infrequent category already last: the same column, but unknown categories would join it
    ModelFile f = Read("1.9.0", "OneHotEncoder_infrequent");
    Value* indices = const_cast<Value*>(Key(f, "_infrequent_indices"));
    auto last = std::make_shared<NdArray>(*indices->items[2]->array);
    std::int64_t four = 4;
    auto buf = std::make_shared<std::int64_t>(four);
    last->data = reinterpret_cast<const std::byte*>(buf.get());
    last->owner = buf;
    Value* v = f.graph.New(Kind::kArray);
    v->array = last;
    indices->items[2] = v;
    std::string why = Refusal(f, "sklearn=0.23.2");
    EXPECT_NE(why.find("handle_unknown='infrequent_if_exist'"), std::string::npos) << why;
    ModelFile g = Read("1.9.0", "OneHotEncoder_infrequent");
    Value* gi = const_cast<Value*>(Key(g, "_infrequent_indices"));
    gi->items[2] = v;
    Value* ignore = g.graph.New(Kind::kStr);
    ignore->text = "ignore";
    for (auto& [k, x] : const_cast<Value*>(g.graph.root->State())->entries)
      if (k->text == "handle_unknown") x = ignore;
    EXPECT_NO_THROW(Port(g, Target::Parse("sklearn=0.23.2")));
  }
  {  // infrequent grouping enabled but nothing infrequent: 'infrequent_if_exist' acts as 'ignore'
    ModelFile f = Read("1.9.0", "OneHotEncoder_infrequent");
    Value* indices = const_cast<Value*>(Key(f, "_infrequent_indices"));
    for (auto& item : indices->items) item = f.graph.New(Kind::kNone);
    PortReport r = Port(f, Target::Parse("sklearn=0.23.2"));
    EXPECT_EQ(Key(f, "handle_unknown")->text, "ignore");
    EXPECT_TRUE(Has(r, "'infrequent_if_exist' -> 'ignore'"));
  }
}

TEST(PortMisc, OneHotEncoderOutputWidthsWithDrop) {
  // 0.23 drop_idx_ is an object array: the dropped index per feature, None where nothing is dropped
  ModelFile f = Read("0.23.2", "OneHotEncoder_dense_drop_first");
  Port(f, Target::Parse("sklearn=1.4.2"));
  std::vector<std::int64_t> widths;
  for (const Value* v : Key(f, "_n_features_outs")->items) widths.push_back(v->integer);
  EXPECT_EQ(widths, (std::vector<std::int64_t>{2, 2, 4}));
  ModelFile g = Read("0.23.2", "OneHotEncoder_drop_if_binary");  // no binary feature: nothing dropped
  Port(g, Target::Parse("sklearn=1.9.0"));
  widths.clear();
  for (const Value* v : Key(g, "_n_features_outs")->items) widths.push_back(v->integer);
  EXPECT_EQ(widths, (std::vector<std::int64_t>{3, 3, 5}));
}

// ---- GradientBoosting losses ----------------------------------------------------------------------

double Num(const Value* v) { return v->kind == Kind::kArray ? v->array->view<double>()[0] : v->real; }  // float or numpy scalar

const Value* LossOf(const ModelFile& f) {
  const Value* st = f.graph.root->State();
  return st->Get("_loss") ? st->Get("_loss") : st->Get("loss_");
}

TEST(Port, GradientBoostingHuberAndQuantileKeepTheirParameters) {
  {  // <= 1.3 HuberLossFunction(alpha, gamma) -> 1.4 HuberLoss(quantile=alpha, CyHuberLoss(delta=gamma))
    ModelFile f = Read("1.2.1", "GradientBoostingRegressor_huber");
    double gamma = Num(LossOf(f)->State()->Get("gamma"));
    EXPECT_GT(gamma, 1.0);
    Port(f, Target::Parse("sklearn=1.4.2"));
    const Value* loss = LossOf(f);
    EXPECT_EQ(loss->GlobalPath(), "sklearn._loss.loss.HuberLoss");
    EXPECT_EQ(loss->State()->Get("quantile")->real, 0.9);
    const Value* closs = loss->State()->Get("closs");
    EXPECT_EQ(closs->GlobalPath(), "sklearn._loss._loss.CyHuberLoss");
    ASSERT_EQ(closs->object->args->items.size(), 1u);
    EXPECT_EQ(closs->object->args->items[0]->real, gamma);
    EXPECT_EQ(loss->State()->Get("link")->GlobalPath(), "sklearn._loss.link.IdentityLink");
  }
  {  // and back: 1.9 HuberLoss -> <= 1.3 HuberLossFunction
    ModelFile f = Read("1.9.0", "GradientBoostingRegressor_huber");
    double delta = LossOf(f)->State()->Get("closs")->object->args->items[0]->real;
    Port(f, Target::Parse("sklearn=1.2.1,numpy=2.2.0"));
    const Value* loss = LossOf(f);
    EXPECT_EQ(loss->GlobalPath(), "sklearn.ensemble._gb_losses.HuberLossFunction");
    EXPECT_EQ(loss->State()->Get("alpha")->real, 0.9);
    EXPECT_EQ(Num(loss->State()->Get("gamma")), delta);
  }
  {  // 1.4 pickles CyHuberLoss as __pyx_unpickle_CyHuberLoss(cls, checksum, (delta,)), which 1.9 lacks
    ModelFile f = Read("1.4.2", "GradientBoostingRegressor_huber");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    const Value* closs = LossOf(f)->State()->Get("closs");
    EXPECT_EQ(closs->GlobalPath(), "sklearn._loss._loss.CyHuberLoss");
    ASSERT_EQ(closs->object->args->items.size(), 1u);
    EXPECT_EQ(closs->object->args->items[0]->kind, Kind::kFloat);
  }
  {  // quantile: 1.9 PinballLoss keeps alpha in CyPinballLoss.quantile; <= 1.3 alpha and percentile
    ModelFile f = Read("1.9.0", "GradientBoostingRegressor_quantile");
    Port(f, Target::Parse("sklearn=0.23.2,numpy=2.2.0"));
    const Value* loss = LossOf(f);
    EXPECT_EQ(loss->GlobalPath(), "sklearn.ensemble._gb_losses.QuantileLossFunction");
    EXPECT_EQ(loss->State()->Get("alpha")->real, 0.9);
    EXPECT_EQ(loss->State()->Get("percentile")->real, 90.0);
  }
  {  // absolute error: 'lad' is the name before 1.0
    ModelFile f = Read("1.2.1", "GradientBoostingRegressor_absolute_error");
    Port(f, Target::Parse("sklearn=0.23.2,numpy=2.2.0"));
    EXPECT_EQ(LossOf(f)->GlobalPath(), "sklearn.ensemble._gb_losses.LeastAbsoluteError");
    EXPECT_EQ(f.graph.root->State()->Get("loss")->text, "lad");
  }
}

TEST(Port, GradientBoostingExponentialLossKeepsItsHalfLogit) {
  ModelFile f = Read("0.23.2", "GradientBoostingClassifier_exponential");
  Port(f, Target::Parse("sklearn=1.9.0"));
  const Value* loss = LossOf(f);
  EXPECT_EQ(loss->GlobalPath(), "sklearn._loss.loss.ExponentialLoss");
  EXPECT_EQ(loss->State()->Get("link")->GlobalPath(), "sklearn._loss.link.HalfLogitLink");
  EXPECT_EQ(loss->State()->Get("n_classes")->integer, 2);
  EXPECT_EQ(loss->State()->Get("closs")->GlobalPath(), "sklearn._loss._loss.CyExponentialLoss");
}

// The per-class offset between log p (<= 1.3) and the symmetric logit (>= 1.4) moves into the
// first-stage trees: every node value of estimators_[0, k] shifts by the same amount.
std::vector<double> StageZeroShift(const std::string& version, const std::string& target) {
  ModelFile before = Read(version, "GradientBoostingClassifier_multiclass");
  ModelFile f = Read(version, "GradientBoostingClassifier_multiclass");
  PortReport r = Port(f, Target::Parse(target));
  EXPECT_TRUE(Has(r, "first-stage tree values shifted"));
  auto values = [](const ModelFile& m, std::size_t i) {
    const Value* est = m.graph.root->State()->Get("estimators_");
    return est->array->objects[i]->State()->Get("tree_")->State()->Get("values")->array->view<double>();
  };
  std::vector<double> shifts;
  for (std::size_t c = 0; c < 3; ++c) {
    auto a = values(before, c), b = values(f, c);
    double shift = b[0] - a[0];
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i] - a[i], shift, 1e-12);
    shifts.push_back(shift);
  }
  auto later_a = values(before, 3), later_b = values(f, 3);  // the second stage is untouched
  for (std::size_t i = 0; i < later_a.size(); ++i) EXPECT_EQ(later_a[i], later_b[i]);
  return shifts;
}

TEST(Port, MulticlassGradientBoostingMovesTheInitOffsetIntoTheFirstStage) {
  ModelFile f = Read("1.2.1", "GradientBoostingClassifier_multiclass");
  const auto prior = f.graph.root->State()->Get("init_")->State()->Get("class_prior_")->array->view<double>();
  double lr = f.graph.root->State()->Get("learning_rate")->real;
  double mean_log = (std::log(prior[0]) + std::log(prior[1]) + std::log(prior[2])) / 3;
  // old -> new: the target starts from log p - mean log p, so the trees add mean log p
  for (double s : StageZeroShift("1.2.1", "sklearn=1.9.0")) EXPECT_NEAR(s, mean_log / lr, 1e-12);
  // new -> old: the reverse
  for (double s : StageZeroShift("1.9.0", "sklearn=1.2.1,numpy=2.2.0")) EXPECT_NEAR(s, -mean_log / lr, 1e-12);
  Port(f, Target::Parse("sklearn=1.4.2"));
  EXPECT_EQ(f.graph.root->State()->Get("n_trees_per_iteration_")->integer, 3);
  EXPECT_EQ(LossOf(f)->GlobalPath(), "sklearn._loss.loss.HalfMultinomialLoss");
}

TEST(Port, MulticlassGradientBoostingWithAPerRowInitIsRefused) {
  ModelFile f = Read("1.2.1", "GradientBoostingClassifier_multiclass");
  Value* init_state = const_cast<Value*>(f.graph.root->State()->Get("init_")->State());
  for (auto& [k, v] : init_state->entries) {
    if (k->text == "strategy") const_cast<Value*>(v)->text = "stratified";
  }
  std::string why = Refusal(f, "sklearn=1.4.2");
  EXPECT_NE(why.find("not DummyClassifier(strategy='prior')"), std::string::npos) << why;
}


// ---- GLMs ---------------------------------------------------------------------------------------

TEST(Port, GlmFamilyAndLinkBecomeTheBaseLossAndBack) {
  {  // 0.23 TweedieDistribution(power 1.5) + LogLink -> HalfTweedieLoss(CyHalfTweedieLoss(1.5)) with a LogLink
    ModelFile f = Read("0.23.2", "TweedieRegressor");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    const Value* st = f.graph.root->State();
    EXPECT_EQ(st->Get("_family_instance"), nullptr);
    EXPECT_EQ(st->Get("_link_instance"), nullptr);
    const Value* loss = st->Get("_base_loss");
    ASSERT_NE(loss, nullptr);
    EXPECT_EQ(loss->GlobalPath(), "sklearn._loss.loss.HalfTweedieLoss");
    EXPECT_EQ(loss->State()->Get("link")->GlobalPath(), "sklearn._loss.link.LogLink");
    const Value* closs = loss->State()->Get("closs");
    EXPECT_EQ(closs->GlobalPath(), "sklearn._loss._loss.CyHalfTweedieLoss");
    EXPECT_EQ(closs->object->args->items[0]->real, 1.5);
    EXPECT_EQ(st->Get("n_features_in_")->integer, 6);
  }
  {  // 0.23 Poisson: HalfPoissonLoss, and 1.x PoissonRegressor has no link parameter
    ModelFile f = Read("0.23.2", "PoissonRegressor");
    Port(f, Target::Parse("sklearn=1.2.1"));
    EXPECT_EQ(f.graph.root->State()->Get("_base_loss")->GlobalPath(), "sklearn._loss.loss.HalfPoissonLoss");
    EXPECT_EQ(f.graph.root->State()->Get("link"), nullptr);
  }
  {  // 1.4 HalfGammaLoss -> 0.23 GammaDistribution (power 2, lower bound 0 exclusive) + LogLink, link='log'
    ModelFile f = Read("1.4.2", "GammaRegressor");
    Port(f, Target::Parse("sklearn=0.23.2"));
    const Value* st = f.graph.root->State();
    EXPECT_EQ(st->Get("_base_loss"), nullptr);
    const Value* family = st->Get("_family_instance");
    ASSERT_NE(family, nullptr);
    EXPECT_EQ(family->GlobalPath(), "sklearn._loss.glm_distribution.GammaDistribution");
    EXPECT_EQ(family->State()->Get("_power")->integer, 2);
    const Value* bound = family->State()->Get("_lower_bound");
    EXPECT_EQ(bound->GlobalPath(), "sklearn._loss.glm_distribution.DistributionBoundary");
    EXPECT_EQ(bound->object->args->items[0]->integer, 0);
    EXPECT_FALSE(bound->object->args->items[1]->boolean);
    EXPECT_EQ(st->Get("_link_instance")->GlobalPath(), "sklearn.linear_model._glm.link.LogLink");
    EXPECT_EQ(st->Get("link")->text, "log");
  }
  {  // 1.2 pickles CyHalfTweedieLoss as __pyx_unpickle_CyHalfTweedieLoss(cls, checksum, (power,)), which 1.9 lacks
    ModelFile f = Read("1.2.1", "TweedieRegressor");
    Port(f, Target::Parse("sklearn=1.9.0"));
    const Value* closs = f.graph.root->State()->Get("_base_loss")->State()->Get("closs");
    EXPECT_EQ(closs->GlobalPath(), "sklearn._loss._loss.CyHalfTweedieLoss");
    ASSERT_EQ(closs->object->args->items.size(), 1u);
    EXPECT_EQ(closs->object->args->items[0]->real, 1.5);
  }
}


// ---- IsolationForest / RandomTreesEmbedding / extra-trees -----------------------------------------

TEST(Port, IsolationForestGetsItsPerTreePathLengths) {
  ModelFile f = Read("1.2.1", "IsolationForest");
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  const Value* st = f.graph.root->State();
  const Value* avg = st->Get("_average_path_length_per_tree");
  const Value* depth = st->Get("_decision_path_lengths");
  ASSERT_NE(avg, nullptr);
  ASSERT_NE(depth, nullptr);
  const Value* est = st->Get("estimators_");
  ASSERT_EQ(avg->items.size(), est->items.size());
  ASSERT_EQ(depth->items.size(), est->items.size());
  // tree 0, against its nodes: the root at depth 1, children one deeper; c(n) of each node's samples
  const NdArray& nodes = *est->items[0]->State()->Get("tree_")->State()->Get("nodes")->array;
  const NdArray& a = *avg->items[0]->array;
  const NdArray& d = *depth->items[0]->array;
  ASSERT_EQ(a.size(), nodes.size());
  EXPECT_EQ(d.dtype.kind, DTypeKind::kInt);
  auto field = [&](std::int64_t i, const char* name) {
    std::int64_t v;
    std::memcpy(&v, nodes.data + i * nodes.dtype.itemsize + nodes.dtype.Field(name)->offset, 8);
    return v;
  };
  EXPECT_EQ(d.view<std::int64_t>()[0], 1);
  for (std::int64_t i = 0; i < nodes.size(); ++i) {
    std::int64_t l = field(i, "left_child");
    if (l >= 0) {
      EXPECT_EQ(d.view<std::int64_t>()[l], d.view<std::int64_t>()[i] + 1);
    }
    double n = static_cast<double>(field(i, "n_node_samples"));
    double want = n <= 1 ? 0 : n == 2 ? 1 : 2 * (std::log(n - 1) + 0.5772156649015329) - 2 * (n - 1) / n;
    EXPECT_DOUBLE_EQ(a.view<double>()[i], want);
  }
}

TEST(Port, RandomTreesEmbeddingOutputWidthFromItsEncoder) {
  ModelFile f = Read("0.23.2", "RandomTreesEmbedding");
  Port(f, Target::Parse("sklearn=1.4.2"));
  const Value* st = f.graph.root->State();
  std::int64_t want = 0;
  for (const Value* c : st->Get("one_hot_encoder_")->State()->Get("categories_")->items) want += c->array->size();
  ASSERT_NE(st->Get("_n_features_out"), nullptr);
  EXPECT_EQ(st->Get("_n_features_out")->integer, want);
}

TEST(Port, ExtraTreesFromBefore16DropTheirUnsetNanFlags) {
  // 1.3-1.5's RandomSplitter leaves missing_go_to_left 0 everywhere (no NaN support for extra-trees):
  // not a learned direction, so 8 -> 7 fields is not refused
  ModelFile f = Read("1.4.2", "IsolationForest");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_TRUE(Has(r, "8 -> 7 fields"));
  // a best-splitter tree with the same flags is still refused (DecisionTreeRegressor_nan_edge learned them)
  ModelFile g = Read("1.4.2", "DecisionTreeRegressor_nan_edge");
  EXPECT_NE(Refusal(g, "sklearn=1.2.1").find("fitted with missing values"), std::string::npos);
}

TEST(Port, SevenFieldTreesGetTheFlagOfANodeWithoutMissingValues) {
  ModelFile f = Read("1.2.1", "RandomTreesEmbedding");
  PortReport r = Port(f, Target::Parse("sklearn=1.4.2"));  // refused before: the doctor took 0 flags for learned ones
  const NdArray& nodes = *f.graph.root->State()->Get("estimators_")->items[0]->State()->Get("tree_")->State()->Get("nodes")->array;
  auto field = [&](std::int64_t i, const char* name) {
    std::int64_t v;
    std::memcpy(&v, nodes.data + i * nodes.dtype.itemsize + nodes.dtype.Field(name)->offset, 8);
    return v;
  };
  const std::int64_t flag = nodes.dtype.Field("missing_go_to_left")->offset;
  for (std::int64_t i = 0; i < nodes.size(); ++i) {
    std::int64_t l = field(i, "left_child"), rc = field(i, "right_child");
    bool go_left = std::to_integer<int>(nodes.data[i * nodes.dtype.itemsize + flag]) != 0;
    if (l < 0) EXPECT_FALSE(go_left);
    else EXPECT_EQ(go_left, field(l, "n_node_samples") > field(rc, "n_node_samples"));
  }
}


// ---- AdaBoostClassifier -------------------------------------------------------------------------

TEST(Port, AdaBoostSammeBecomesSammeRWithTheSameVotes) {
  ModelFile before = Read("1.9.0", "AdaBoostClassifier_multiclass_str");
  ModelFile f = Read("1.9.0", "AdaBoostClassifier_multiclass_str");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_TRUE(Has(r, "SAMME.R"));
  const Value* st = f.graph.root->State();
  EXPECT_EQ(st->Get("algorithm")->text, "SAMME.R");
  const std::int64_t k = st->Get("n_classes_")->integer;
  ASSERT_EQ(k, 3);
  auto w = st->Get("estimator_weights_")->array->view<double>();
  const Value* est = st->Get("estimators_");
  for (std::size_t m = 0; m < est->items.size(); ++m) {
    auto values = [&](const ModelFile& g) {
      return g.graph.root->State()->Get("estimators_")->items[m]->State()->Get("tree_")->State()->Get("values")->array->view<double>();
    };
    auto old_v = values(before), new_v = values(f);
    for (std::size_t row = 0; row * k < old_v.size(); ++row) {
      const double* o = &old_v[row * k];
      const double* n = &new_v[row * k];
      std::int64_t c = std::max_element(o, o + k) - o;
      EXPECT_EQ(std::max_element(n, n + k) - n, c);  // the tree still predicts its class
      double mean_log = 0;
      for (std::int64_t j = 0; j < k; ++j) mean_log += std::log(n[j]) / k;
      for (std::int64_t j = 0; j < k; ++j) {  // SAMME.R's term = the >= 1.4 SAMME vote
        double vote = j == c ? w[m] : -w[m] / (k - 1);
        EXPECT_NEAR((k - 1) * (std::log(n[j]) - mean_log), vote, 1e-12);
      }
    }
  }
}

TEST(Port, AdaBoostSammeFromBefore14IsRefusedAcross14) {
  ModelFile f = Read("1.2.1", "AdaBoostClassifier_binary");
  for (auto& [key, v] : const_cast<Value*>(f.graph.root->State())->entries) {
    if (key->text == "algorithm") const_cast<Value*>(v)->text = "SAMME";
  }
  std::string why = Refusal(f, "sklearn=1.4.2");
  EXPECT_NE(why.find("a SAMME model written by 1.2.1"), std::string::npos) << why;
  EXPECT_NE(why.find("scikit-learn 1.4: SAMME votes against the other classes too"), std::string::npos) << why;
}

}  // namespace
}  // namespace skbridge
