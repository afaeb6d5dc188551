// Unit tests of skbridge port's transforms on real fixtures (tests/fixtures/<version>/) and on
// edited copies of them (refusals).
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

const Value* TreeOf(const ModelFile& f) { return f.graph.root->State()->Get("tree_"); }

TEST(Port, TreeNodes7To8AndCountsToFractions) {
  ModelFile f = Read("1.2.1", "DecisionTreeClassifier_multiclass");
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_TRUE(Has(r, "7 -> 8 fields"));
  EXPECT_TRUE(Has(r, "counts -> fractions"));
  const auto& nodes = *TreeOf(f)->State()->Get("nodes")->array;
  ASSERT_NE(nodes.dtype.Field("missing_go_to_left"), nullptr);
  EXPECT_EQ(nodes.dtype.itemsize, 64);
  const auto& values = *TreeOf(f)->State()->Get("values")->array;
  auto v = values.view<double>();
  std::int64_t k = values.shape[2];
  for (std::int64_t n = 0; n < values.shape[0]; ++n) {
    double sum = 0;
    for (std::int64_t c = 0; c < k; ++c) sum += v[n * k + c];
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  EXPECT_EQ(r.write.numpy2_paths, true);
  EXPECT_EQ(r.write.joblib_alignment, 16);
  // and it writes
  EXPECT_FALSE(WritePickle(f.graph, f.graph.root, r.write).empty());
}

TEST(Port, TreeNodes8To7) {
  ModelFile f = Read("1.9.0", "DecisionTreeClassifier_multiclass");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_TRUE(Has(r, "8 -> 7 fields"));
  const auto& nodes = *TreeOf(f)->State()->Get("nodes")->array;
  EXPECT_EQ(nodes.dtype.Field("missing_go_to_left"), nullptr);
  EXPECT_EQ(nodes.dtype.itemsize, 56);
  EXPECT_FALSE(r.write.numpy2_paths);
  for (const auto& g : f.globals) EXPECT_FALSE(g.module.starts_with("numpy._core")) << g.Path();
  ASSERT_EQ(r.restrictions.size(), 1u);  // the 8-field trees routed NaN; 1.2 rejects it
  EXPECT_NE(r.restrictions[0].find("NaN"), std::string::npos);
  EXPECT_NE(r.Text().find("restricted"), std::string::npos);
}

TEST(Port, RefusesNaNRoutingTheOldTreeCannotExpress) {
  ModelFile f = Read("1.9.0", "DecisionTreeClassifier_multiclass");
  // Flip the root's missing_go_to_left against the "bigger child" rule: a learned NaN direction.
  Value* state = const_cast<Value*>(TreeOf(f)->State());
  Value* nodes_value = nullptr;
  for (auto& [k, v] : state->entries) {
    if (k->text == "nodes") nodes_value = const_cast<Value*>(v);
  }
  ASSERT_NE(nodes_value, nullptr);
  auto copy = std::make_shared<NdArray>(*nodes_value->array);  // the file's data is mapped read-only
  auto buf = std::make_shared<std::vector<std::uint64_t>>(copy->nbytes / 8 + 1);
  std::memcpy(buf->data(), copy->data, copy->nbytes);
  copy->data = reinterpret_cast<const std::byte*>(buf->data());
  copy->owner = buf;
  copy->memory_mapped = false;
  const auto* m = copy->dtype.Field("missing_go_to_left");
  auto* root = reinterpret_cast<std::byte*>(buf->data());
  root[m->offset] = root[m->offset] == std::byte{0} ? std::byte{1} : std::byte{0};
  nodes_value->array = copy;
  std::string why = Refusal(f, "sklearn=1.2.1");
  EXPECT_NE(why.find("fitted with missing values"), std::string::npos) << why;
}

TEST(Port, NumpyPathsFollowTheTargetNumpy) {
  ModelFile f = Read("1.9.0", "LogisticRegression_binary");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_FALSE(r.write.numpy2_paths);
  for (const auto& g : f.globals) EXPECT_FALSE(g.module.starts_with("numpy._core")) << g.Path();
  EXPECT_EQ(r.write.joblib_alignment, 16);  // joblib 1.2.0
  ModelFile old = Read("1.9.0", "LogisticRegression_binary");
  PortReport r2 = Port(old, Target::Parse("sklearn=0.23.2"));
  EXPECT_EQ(r2.write.joblib_alignment, 0);  // joblib 0.17
}

TEST(Port, ProtocolCappedByTargetPython) {
  ModelFile f = Read("1.9.0", "LogisticRegression_binary");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1,python=3.7"));
  EXPECT_LE(r.write.protocol, 4);
  ModelFile g = Read("1.9.0", "LogisticRegression_binary");
  int source = g.protocol;
  PortReport r2 = Port(g, Target::Parse("sklearn=1.4.2"));
  EXPECT_EQ(r2.write.protocol, std::max(source, 2));
}

TEST(Port, MultiClassAddedForOldTargets) {
  ModelFile f = Read("1.9.0", "LogisticRegression_multinomial");
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  const Value* mc = f.graph.root->State()->Get("multi_class");
  ASSERT_NE(mc, nullptr);
  EXPECT_EQ(mc->text, "multinomial");
}

TEST(Port, RenamesAttributesFromTheTable) {
  ModelFile f = Read("0.23.2", "DecisionTreeClassifier_multiclass");
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_NE(f.graph.root->State()->Get("n_features_in_"), nullptr);
  EXPECT_NE(f.graph.root->State()->Get("monotonic_cst"), nullptr);
}

TEST(Port, DerivesRenamedAndNewAttributes) {
  {  // sigma_ <-> var_ (renamed in 1.0), both ways
    ModelFile f = Read("0.23.2", "GaussianNB");
    Port(f, Target::Parse("sklearn=1.4.2"));
    const Value* var = f.graph.root->State()->Get("var_");
    ASSERT_NE(var, nullptr);
    EXPECT_EQ(var, f.graph.root->State()->Get("sigma_"));
    ModelFile g = Read("1.4.2", "GaussianNB");
    Port(g, Target::Parse("sklearn=0.23.2"));
    EXPECT_EQ(g.graph.root->State()->Get("sigma_"), g.graph.root->State()->Get("var_"));
  }
  {  // 1.9 renamed _fit_dtype to _fill_dtype
    ModelFile f = Read("1.4.2", "SimpleImputer_mean");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_EQ(f.graph.root->State()->Get("_fill_dtype"), f.graph.root->State()->Get("_fit_dtype"));
    EXPECT_TRUE(Has(r, "_fill_dtype"));
  }
  {  // removed hyperparameters an older target holds: normalize=False, min_impurity_split=None
    ModelFile f = Read("1.9.0", "DecisionTreeClassifier_multiclass");
    Port(f, Target::Parse("sklearn=0.23.2"));
    const Value* m = f.graph.root->State()->Get("min_impurity_split");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->kind, Kind::kNone);
  }
  {  // 0.23 OneHotEncoder into 1.4: per-feature output widths from categories_
    ModelFile f = Read("0.23.2", "OneHotEncoder");
    Port(f, Target::Parse("sklearn=1.4.2"));
    const Value* st = f.graph.root->State();
    const Value* outs = st->Get("_n_features_outs");
    ASSERT_NE(outs, nullptr);
    const Value* cats = st->Get("categories_");
    ASSERT_EQ(outs->items.size(), cats->items.size());
    for (std::size_t i = 0; i < cats->items.size(); ++i) EXPECT_EQ(outs->items[i]->integer, cats->items[i]->array->size());
    EXPECT_EQ(st->Get("_missing_indices")->kind, Kind::kDict);
  }
}

// {name: [indices]} of a ported ColumnTransformer's _transformer_to_input_indices.
std::map<std::string, std::vector<std::int64_t>> InputIndices(const Value* ct) {
  std::map<std::string, std::vector<std::int64_t>> out;
  const Value* d = ct->State()->Get("_transformer_to_input_indices");
  if (!d) return out;
  for (const auto& [k, v] : d->entries) {
    auto& idx = out[std::string(k->text)];
    for (const Value* i : v->items) idx.push_back(i->integer);
  }
  return out;
}

TEST(Port, ColumnTransformerInputIndicesFromColumnSpecs) {
  using Indices = std::map<std::string, std::vector<std::int64_t>>;
  {  // a boolean mask; the dropped remainder keeps its columns
    ModelFile f = Read("0.23.2", "ColumnTransformer_mask_drop");
    Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_EQ(InputIndices(f.graph.root), (Indices{{"std", {0, 2, 4}}, {"remainder", {1, 3, 5}}}));
  }
  {  // column names against the fitted DataFrame's; no remainder columns (0.23 _remainder holds None)
    ModelFile f = Read("0.23.2", "ColumnTransformer_frame_names");
    Port(f, Target::Parse("sklearn=1.2.1"));
    EXPECT_EQ(InputIndices(f.graph.root), (Indices{{"num", {0, 1, 2}}, {"cat", {3, 4, 5}}, {"remainder", {}}}));
    const Value* names = f.graph.root->State()->Get("feature_names_in_");
    ASSERT_NE(names, nullptr);
    EXPECT_EQ(names, f.graph.root->State()->Get("_feature_names_in"));
  }
}

// Replaces the column selection of transformers_[i] by slice(start, stop, step).
void SetSliceColumns(ModelFile& f, std::size_t i, const Value* start, const Value* stop, const Value* step) {
  Value* slice = f.graph.New(Kind::kObject);
  Value* callable = f.graph.New(Kind::kGlobal);
  callable->text = f.graph.Store("builtins");
  callable->name = f.graph.Store("slice");
  Value* args = f.graph.New(Kind::kTuple);
  args->items = {start, stop, step};
  slice->object->callable = callable;
  slice->object->args = args;
  const Value* fitted = f.graph.root->State()->Get("transformers_");
  Value* item = const_cast<Value*>(fitted->items[i]);
  item->items[2] = slice;
}

TEST(Port, ColumnTransformerSliceSelections) {
  using Indices = std::map<std::string, std::vector<std::int64_t>>;
  auto none = [](ModelFile& f) { return f.graph.New(Kind::kNone); };
  auto integer = [](ModelFile& f, std::int64_t i) { Value* v = f.graph.New(Kind::kInt); v->integer = i; return v; };
  auto text = [](ModelFile& f, std::string_view s) { Value* v = f.graph.New(Kind::kStr); v->text = f.graph.Store(std::string(s)); return v; };
  {  // integers: np.arange(n)[slice], negative step included
    ModelFile f = Read("0.23.2", "ColumnTransformer_indices_passthrough");
    SetSliceColumns(f, 0, integer(f, -5), integer(f, 3), none(f));
    SetSliceColumns(f, 1, none(f), integer(f, 2), integer(f, -2));
    Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_EQ(InputIndices(f.graph.root), (Indices{{"std", {1, 2}}, {"mm", {5, 3}}, {"remainder", {5}}}));
  }
  {  // labels: the stop label included (pandas .loc), as 1.2 _get_column_indices
    ModelFile f = Read("0.23.2", "ColumnTransformer_frame_names");
    SetSliceColumns(f, 0, text(f, "income"), text(f, "color"), none(f));
    SetSliceColumns(f, 1, text(f, "size"), none(f), none(f));
    Port(f, Target::Parse("sklearn=1.4.2"));
    EXPECT_EQ(InputIndices(f.graph.root), (Indices{{"num", {1, 2, 3}}, {"cat", {4, 5}}, {"remainder", {}}}));
  }
  {  // a label the fitted frame did not have: refused, naming the transformer
    ModelFile f = Read("0.23.2", "ColumnTransformer_frame_names");
    SetSliceColumns(f, 1, text(f, "weight"), none(f), none(f));
    std::string why = Refusal(f, "sklearn=1.2.1");
    EXPECT_NE(why.find("the columns of transformer 'cat'"), std::string::npos) << why;
  }
}

TEST(Port, ColumnTransformerPassthroughBecomesAFittedFunctionTransformer) {
  {  // 1.4+: transformers_ holds the fitted identity FunctionTransformer
    ModelFile f = Read("0.23.2", "ColumnTransformer_indices_passthrough");
    PortReport r = Port(f, Target::Parse("sklearn=1.4.2"));
    EXPECT_TRUE(Has(r, "fitted identity FunctionTransformer"));
    const Value* fitted = f.graph.root->State()->Get("transformers_");
    ASSERT_EQ(fitted->items.size(), 3u);
    const Value* ft = fitted->items[2]->items[1];
    ASSERT_EQ(ft->kind, Kind::kObject);
    EXPECT_EQ(ft->GlobalPath(), "sklearn.preprocessing._function_transformer.FunctionTransformer");
    EXPECT_EQ(ft->State()->Get("n_features_in_")->integer, 1);
    EXPECT_EQ(ft->State()->Get("feature_names_out")->text, "one-to-one");
    EXPECT_EQ(f.graph.root->State()->Get("_name_to_fitted_passthrough"), nullptr);
    EXPECT_EQ(InputIndices(f.graph.root)["remainder"], (std::vector<std::int64_t>{5}));
  }
  {  // 1.2-1.3: the string stays; the fitted transformer sits in _name_to_fitted_passthrough
    ModelFile f = Read("0.23.2", "ColumnTransformer_indices_passthrough");
    Port(f, Target::Parse("sklearn=1.2.1"));
    const Value* fitted = f.graph.root->State()->Get("transformers_");
    EXPECT_EQ(fitted->items[2]->items[1]->text, "passthrough");
    const Value* held = f.graph.root->State()->Get("_name_to_fitted_passthrough");
    ASSERT_NE(held, nullptr);
    ASSERT_NE(held->Get("remainder"), nullptr);
    EXPECT_EQ(held->Get("remainder")->State()->Get("n_features_in_")->integer, 1);
  }
  {  // 1.2 -> 1.4: the held FunctionTransformer moves into transformers_
    ModelFile f = Read("1.2.1", "ColumnTransformer_indices_passthrough");
    const Value* held = f.graph.root->State()->Get("_name_to_fitted_passthrough")->Get("remainder");
    Port(f, Target::Parse("sklearn=1.4.2"));
    EXPECT_EQ(f.graph.root->State()->Get("transformers_")->items[2]->items[1], held);
  }
}

// numpy 2 pickles a RandomState with its bit generator object (__bit_generator_ctor(<class>));
// numpy 1 reads only __randomstate_ctor(name) with the state dict.
TEST(Port, Numpy2RandomStatesRebuiltByNameForNumpy1) {
  ModelFile f = Read("1.4.2", "BisectingKMeans");
  DoctorReport before = Doctor(f, Target::Parse("sklearn=1.2.1,numpy=1.24.2"));
  bool flagged = false;
  for (const auto& finding : before.findings) flagged |= finding.change.find("numpy.random") != std::string::npos;
  EXPECT_TRUE(flagged);
  PortReport r = Port(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_TRUE(Has(r, "numpy.random object(s) rebuilt by bit generator name"));
  int ctors = 0;
  for (std::size_t i = 0; i < f.graph.node_count(); ++i) {
    const Value* v = f.graph.node(i);
    const Value* fn = v->kind == Kind::kObject ? v->object->callable : nullptr;
    if (!fn || fn->kind != Kind::kGlobal || fn->name != "__randomstate_ctor") continue;
    ++ctors;
    ASSERT_EQ(v->object->args->items.size(), 1u);
    EXPECT_EQ(v->object->args->items[0]->text, "MT19937");
    ASSERT_NE(v->object->state, nullptr);
    ASSERT_EQ(v->object->state->kind, Kind::kDict);
    EXPECT_NE(v->object->state->Get("state"), nullptr);
  }
  EXPECT_GT(ctors, 0);
  for (const auto& g : f.globals) EXPECT_NE(g.Path(), "numpy.random._mt19937.MT19937");
}

// Real files from public repositories (../shared/corpus/wild): every one either ports (and the
// doctor then finds nothing that fails in the target) or is refused with a reason; never a crash.
std::filesystem::path WildDir() { return std::filesystem::path(SKBRIDGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "wild"; }

TEST(PortWild, EveryRealFilePortsOrIsRefusedWithAReason) {
  auto dir = WildDir();
  if (!std::filesystem::exists(dir / "index.json")) GTEST_SKIP() << "wild corpus not found at " << dir << " (it lives in ../shared)";
  std::ifstream in(dir / "index.json");
  auto index = nlohmann::json::parse(in);
  for (const char* target : {"sklearn=0.23.2", "sklearn=1.2.1", "sklearn=1.4.2", "sklearn=1.9.0"}) {
    int ported = 0, refused = 0;
    for (const auto& entry : index) {
      if (entry["container"].get<std::string>().find("corrupt") != std::string::npos) continue;
      std::string file = (dir / entry["file"].get<std::string>()).string();
      SCOPED_TRACE(file + " -> " + target);
      try {
        ModelFile f = ReadModelFile(file);
        PortReport r = Port(f, Target::Parse(target));
        EXPECT_FALSE(WritePickle(f.graph, f.graph.root, r.write).empty());
        ++ported;
      } catch (const Error& e) {
        // refused: not expressible in the target, or (kUnsafe) a file naming a global that runs code
        EXPECT_TRUE(e.code() == ErrorCode::kUnsupported || e.code() == ErrorCode::kUnsafe) << e.Describe();
        EXPECT_FALSE(e.message().empty());
        ++refused;
      }
    }
    // measured 2026-11-29: 136-138 of the 141 readable files port to each target; the rest name a
    // class the target lacks, lack their side files, or name dill's type loader (code-running)
    EXPECT_GE(ported, 136) << target;
    EXPECT_EQ(ported + refused, 141) << target;
  }
}

// 1.5-1.6 keep ColumnTransformer's remainder columns in a _RemainderColsList, which 1.7 removed
// (a real 1.6.1 pipeline from the wild corpus).
TEST(PortWild, RemainderColumnListBecomesAPlainList) {
  auto file = WildDir() / "2025aa05808__ml_assignment" / "dt_model.pkl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "wild corpus not found";
  ModelFile f = ReadModelFile(file.string());
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_TRUE(Has(r, "_RemainderColsList) -> plain list"));
  for (const auto& g : f.globals) EXPECT_EQ(g.Path().find("_RemainderColsList"), std::string::npos) << g.Path();
}

// A file written before scikit-learn 0.18 lacks hyperparameters added since (max_iter, tol,
// early_stopping ...) and n_features_in_: the port adds the values the old model behaved as.
// A real 0.19 GradientBoostingRegressor: its MeanEstimator init_ (removed in 0.21) becomes the
// DummyRegressor that predicts the same mean.
TEST(PortWild, LegacyGradientBoostingInitBecomesADummy) {
  auto file = WildDir() / "GunnarGriese__capstone-udacity" / "model" / "model.joblib";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "wild corpus not found";
  ModelFile f = ReadModelFile(file.string());
  const Value* m = f.graph.root->State()->Get("init_")->State()->Get("mean");  // a numpy float64 scalar
  double mean = m->kind == Kind::kArray ? m->array->view<double>()[0] : m->real;
  EXPECT_NEAR(mean, 11.6432, 1e-4);
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_TRUE(Has(r, "init_ MeanEstimator -> DummyRegressor"));
  const Value* init = f.graph.root->State()->Get("init_");
  EXPECT_EQ(init->GlobalPath(), "sklearn.dummy.DummyRegressor");
  const Value* constant = init->State()->Get("constant_");
  ASSERT_EQ(constant->kind, Kind::kArray);
  EXPECT_EQ(constant->array->view<double>()[0], mean);
  EXPECT_EQ(f.graph.root->State()->Get("n_estimators_")->integer, 150);
}

TEST(PortWild, Pre018SgdGetsTheParametersAddedSince) {
  auto file = WildDir() / "davideceolin__WebQ-Analyses" / "clf.pkl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "wild corpus not found";
  ModelFile f = ReadModelFile(file.string());
  Port(f, Target::Parse("sklearn=1.9.0"));
  const Value* st = f.graph.root->State();
  ASSERT_NE(st->Get("n_features_in_"), nullptr);
  EXPECT_EQ(st->Get("n_features_in_")->integer, 770);
  EXPECT_TRUE(st->Get("tol")->is_none());
  EXPECT_FALSE(st->Get("early_stopping")->boolean);
  EXPECT_EQ(st->Get("max_iter")->integer, 1000);
}

TEST(Port, TfidfIdfDiagonalBothWays) {
  {  // 1.9 idf_ -> <= 1.4 _idf_diag: a diagonal csr_matrix under the target scipy's module path
    ModelFile f = Read("1.9.0", "TfidfTransformer");
    const Value* idf = f.graph.root->State()->Get("idf_");
    Port(f, Target::Parse("sklearn=0.23.2"));
    const Value* diag = f.graph.root->State()->Get("_idf_diag");
    ASSERT_NE(diag, nullptr);
    EXPECT_EQ(diag->GlobalPath(), "scipy.sparse.csr.csr_matrix");  // scipy 1.6 has no scipy.sparse._csr
    const Value* st = diag->State();
    EXPECT_EQ(st->Get("data"), idf);
    const std::int64_t n = idf->array->size();
    EXPECT_EQ(st->Get("_shape")->items[0]->integer, n);
    const auto& indptr = *st->Get("indptr")->array;
    ASSERT_EQ(indptr.size(), n + 1);
    EXPECT_EQ(indptr.dtype.itemsize, 4);
    EXPECT_EQ(indptr.view<std::int32_t>()[static_cast<std::size_t>(n)], n);
    ModelFile g = Read("1.9.0", "TfidfTransformer");
    Port(g, Target::Parse("sklearn=1.4.2"));
    EXPECT_EQ(g.graph.root->State()->Get("_idf_diag")->GlobalPath(), "scipy.sparse._csr.csr_matrix");
  }
  {  // a 0.23 transformer holds only _idf_diag: still fitted, so idf_ and n_features_in_ are derived
    ModelFile f = Read("0.23.2", "TfidfTransformer");
    Port(f, Target::Parse("sklearn=1.9.0"));
    const Value* idf = f.graph.root->State()->Get("idf_");
    ASSERT_NE(idf, nullptr);
    EXPECT_EQ(f.graph.root->State()->Get("n_features_in_")->integer, idf->array->size());
  }
}

TEST(Port, SimpleImputerConstantStatisticsCastToTheFitDtype) {
  {  // 1.9 object statistics_ -> float64, as <= 1.4 fit stored them
    ModelFile f = Read("1.9.0", "SimpleImputer_constant_indicator");
    ASSERT_EQ(f.graph.root->State()->Get("statistics_")->array->dtype.kind, DTypeKind::kObject);
    PortReport r = Port(f, Target::Parse("sklearn=1.4.2"));
    EXPECT_TRUE(Has(r, "object array -> float64"));
    const NdArray& stats = *f.graph.root->State()->Get("statistics_")->array;
    ASSERT_EQ(stats.dtype.kind, DTypeKind::kFloat);
    ASSERT_EQ(stats.size(), 6);
    for (double d : stats.view<double>()) EXPECT_EQ(d, 0.0);
  }
  {  // an all-missing column (NaN statistic): 1.9 drops it, <= 1.4 keeps it -> refused
    ModelFile f = Read("1.9.0", "SimpleImputer_constant_indicator");
    Value* stats = nullptr;
    for (auto& [k, v] : const_cast<Value*>(f.graph.root->State())->entries) {
      if (k->text == "statistics_") stats = const_cast<Value*>(v);
    }
    ASSERT_NE(stats, nullptr);
    auto copy = std::make_shared<NdArray>(*stats->array);
    Value* nan = f.graph.New(Kind::kFloat);
    nan->real = std::nan("");
    copy->objects[2] = nan;
    stats->array = copy;
    std::string why = Refusal(f, "sklearn=1.2.1");
    EXPECT_NE(why.find("column 2 was all-missing"), std::string::npos) << why;
  }
}

TEST(Port, RidgeClassifierBinaryCoefAsOneRow) {
  ModelFile f = Read("1.9.0", "RidgeClassifier_binary");
  const NdArray before = *f.graph.root->State()->Get("coef_")->array;
  ASSERT_EQ(before.ndim(), 1u);
  Port(f, Target::Parse("sklearn=1.4.2"));
  const NdArray& coef = *f.graph.root->State()->Get("coef_")->array;
  EXPECT_EQ(coef.shape, (std::vector<std::int64_t>{1, before.shape[0]}));
  EXPECT_EQ(coef.data, before.data);  // the same numbers
}

TEST(Port, FunctionTransformerGainsFeatureNamesOut) {
  ModelFile f = Read("0.23.2", "FunctionTransformer_log1p");
  Port(f, Target::Parse("sklearn=1.4.2"));
  const Value* out = f.graph.root->State()->Get("feature_names_out");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->kind, Kind::kNone);
}

TEST(Port, KnnValidMaskFrom023) {
  {  // KNNImputer: _valid_mask = ~all(_mask_fit_X, axis=0), as the 1.2.1 fixture (same data) holds
    ModelFile f = Read("0.23.2", "KNNImputer");
    Port(f, Target::Parse("sklearn=1.2.1"));
    const Value* mask = f.graph.root->State()->Get("_valid_mask");
    ASSERT_NE(mask, nullptr);
    ModelFile want = Read("1.2.1", "KNNImputer");
    const NdArray& w = *want.graph.root->State()->Get("_valid_mask")->array;
    ASSERT_EQ(mask->array->shape, w.shape);
    EXPECT_EQ(mask->array->dtype.kind, DTypeKind::kBool);
    EXPECT_EQ(std::memcmp(mask->array->data, w.data, w.nbytes), 0);
  }
  {  // a column missing in every fitted row is invalid
    ModelFile f = Read("0.23.2", "KNNImputer");
    Value* fit_mask = nullptr;
    for (auto& [k, v] : const_cast<Value*>(f.graph.root->State())->entries) {
      if (k->text == "_mask_fit_X") fit_mask = const_cast<Value*>(v);
    }
    ASSERT_NE(fit_mask, nullptr);
    auto copy = std::make_shared<NdArray>(*fit_mask->array);
    auto buf = std::make_shared<std::vector<std::byte>>(copy->data, copy->data + copy->nbytes);
    const std::int64_t rows = copy->shape[0], cols = copy->shape[1];
    for (std::int64_t r = 0; r < rows; ++r) (*buf)[static_cast<std::size_t>(copy->fortran_order ? rows + r : r * cols + 1)] = std::byte{1};
    copy->data = buf->data();
    copy->owner = buf;
    fit_mask->array = copy;
    Port(f, Target::Parse("sklearn=1.4.2"));
    const NdArray& valid = *f.graph.root->State()->Get("_valid_mask")->array;
    ASSERT_EQ(valid.size(), cols);
    for (std::int64_t c = 0; c < cols; ++c) EXPECT_EQ(valid.data[c] != std::byte{0}, c != 1) << c;
  }
}

TEST(Port, SplineTransformerBSplineLayoutAcrossScipy) {
  auto first_spline = [](const ModelFile& f) { return f.graph.root->State()->Get("bsplines_")->items[0]->State(); };
  {  // scipy 1.10 layout (t, c) -> scipy 1.17 (_t, _c, _asarray)
    ModelFile f = Read("1.2.1", "SplineTransformer");
    const Value* t = first_spline(f)->Get("t");
    PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
    EXPECT_TRUE(Has(r, "t, c -> _t, _c"));
    const Value* st = first_spline(f);
    EXPECT_EQ(st->Get("t"), nullptr);
    EXPECT_EQ(st->Get("_t"), t);
    ASSERT_NE(st->Get("_asarray"), nullptr);
    EXPECT_EQ(st->Get("_asarray")->GlobalPath(), "scipy._lib.array_api_compat.numpy._aliases.asarray");
  }
  {  // and back: no global of scipy 1.17 left for the older scipy
    ModelFile f = Read("1.9.0", "SplineTransformer");
    Port(f, Target::Parse("sklearn=1.2.1"));
    const Value* st = first_spline(f);
    EXPECT_NE(st->Get("t"), nullptr);
    EXPECT_NE(st->Get("c"), nullptr);
    EXPECT_EQ(st->Get("_asarray"), nullptr);
    for (const auto& g : f.globals) EXPECT_EQ(g.Path().find("array_api_compat"), std::string::npos) << g.Path();
  }
  {  // handle_missing='zeros' (1.8+) has no older counterpart
    ModelFile f = Read("1.9.0", "SplineTransformer");
    for (auto& [k, v] : const_cast<Value*>(f.graph.root->State())->entries) {
      if (k->text == "handle_missing") const_cast<Value*>(v)->text = f.graph.Store("zeros");
    }
    std::string why = Refusal(f, "sklearn=1.4.2");
    EXPECT_NE(why.find("handle_missing='zeros'"), std::string::npos) << why;
  }
}

// A 0.23 TfidfTransformer as fitted with use_idf=False: no _idf_diag.
void WithoutIdf(Value* tfidf_state) {
  std::erase_if(tfidf_state->entries, [](const auto& e) { return e.first->text == "_idf_diag"; });
  for (auto& [k, v] : tfidf_state->entries) {
    if (k->text == "use_idf") const_cast<Value*>(v)->boolean = false;
  }
}

TEST(Port, TfidfWithoutIdfFrom023) {
  {  // inside a vectorizer: n_features_in_ = the vocabulary size, and no idf_ is wanted
    ModelFile f = Read("0.23.2", "TfidfVectorizer");
    Value* tfidf = const_cast<Value*>(f.graph.root->State()->Get("_tfidf")->State());
    WithoutIdf(tfidf);
    Port(f, Target::Parse("sklearn=1.9.0"));
    ASSERT_NE(tfidf->Get("n_features_in_"), nullptr);
    EXPECT_EQ(tfidf->Get("n_features_in_")->integer, static_cast<std::int64_t>(f.graph.root->State()->Get("vocabulary_")->entries.size()));
    EXPECT_EQ(tfidf->Get("idf_"), nullptr);
  }
  {  // standalone: the feature count is nowhere in the file
    ModelFile f = Read("0.23.2", "TfidfTransformer");
    WithoutIdf(const_cast<Value*>(f.graph.root->State()));
    std::string why = Refusal(f, "sklearn=1.9.0");
    EXPECT_NE(why.find("fitted with use_idf=False"), std::string::npos) << why;
    ModelFile g = Read("0.23.2", "TfidfTransformer");
    WithoutIdf(const_cast<Value*>(g.graph.root->State()));
    Port(g, Target::Parse("sklearn=1.4.2"));  // 1.4 transform never asks whether it is fitted
  }
}

TEST(Port, NumpyAliasesRemovedInNumpy2) {
  // a FunctionTransformer whose func numpy 1 pickled as numpy.round_ (an alias numpy 2.0 removed)
  auto with_round_ = [](ModelFile& f) {
    Value* round_ = f.graph.New(Kind::kGlobal);
    round_->text = f.graph.Store("numpy");
    round_->name = f.graph.Store("round_");
    for (auto& [k, v] : const_cast<Value*>(f.graph.root->State())->entries) {
      if (k->text == "func") v = round_;
    }
  };
  auto paths = [](const ModelFile& f) {
    std::set<std::string> out;
    for (const auto& g : f.globals) out.insert(g.Path());
    return out;
  };
  ModelFile f = Read("0.23.2", "FunctionTransformer_log1p");
  with_round_(f);
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_TRUE(Has(r, "numpy.round_ -> numpy.round"));
  EXPECT_TRUE(paths(f).count("numpy.round"));
  EXPECT_FALSE(paths(f).count("numpy.round_"));
  ModelFile g = Read("0.23.2", "FunctionTransformer_log1p");
  with_round_(g);
  Port(g, Target::Parse("sklearn=1.2.1"));  // numpy 1.24 still has the alias
  EXPECT_TRUE(paths(g).count("numpy.round_"));
}

// scoring=None: the function _passthrough_scorer up to 1.3, a _PassthroughScorer(estimator) from 1.4.
TEST(Port, PassthroughScorerBothWays) {
  ModelFile f = Read("1.2.1", "GridSearchCV_ridge");
  PortReport r = Port(f, Target::Parse("sklearn=1.9.0"));
  EXPECT_TRUE(Has(r, "_PassthroughScorer(estimator)"));
  const Value* scorer = f.graph.root->State()->Get("scorer_");
  ASSERT_EQ(scorer->kind, Kind::kObject);
  EXPECT_EQ(scorer->Class()->name, "_PassthroughScorer");
  EXPECT_EQ(scorer->State()->Get("_estimator"), f.graph.root->State()->Get("estimator"));

  ModelFile g = Read("1.9.0", "GridSearchCV_ridge");
  Port(g, Target::Parse("sklearn=1.2.1"));
  const Value* fn = g.graph.root->State()->Get("scorer_");
  ASSERT_EQ(fn->kind, Kind::kGlobal);
  EXPECT_EQ(fn->name, "_passthrough_scorer");
  for (const auto& gl : g.globals) EXPECT_NE(gl.name, "_PassthroughScorer");
}

// A file that would run code when loaded is never written back (exit 3 in the CLI): every hand-made
// malicious file of tests/data/malicious, whatever the target.
TEST(Port, RefusesEveryFileThatWouldRunCode) {
  int refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SKBRIDGE_SOURCE_DIR) + "/tests/data/malicious")) {
    SCOPED_TRACE(entry.path().string());
    try {
      ModelFile f = ReadModelFile(entry.path().string());
      Port(f, Target::Parse("sklearn=1.9.0"));
      ADD_FAILURE() << "ported";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnsafe) << e.Describe();
      ++refused;
    }
  }
  EXPECT_GE(refused, 25);
}

// functools.partial(check_array, ...) in HistGradientBoosting's categorical preprocessor is data.
TEST(Port, PartialOfALibraryFunctionIsPorted) {
  ModelFile f = Read("1.4.2", "HistGradientBoostingClassifier_categorical");
  bool partial = false;
  for (const auto& g : f.globals) partial |= g.Path() == "functools.partial";
  ASSERT_TRUE(partial);
  EXPECT_NO_THROW(Port(f, Target::Parse("sklearn=1.9.0")));
}

TEST(Port, UnknownTargetIsRefused) {
  ModelFile f = Read("1.9.0", "LogisticRegression_binary");
  std::string why = Refusal(f, "sklearn=1.1.0");
  EXPECT_NE(why.find("no measured knowledge"), std::string::npos) << why;
}

TEST(Port, ClassMissingInTargetIsRefusedByName) {
  // a global with a name no module of the target has
  ModelFile f = Read("1.9.0", "LogisticRegression_binary");
  for (std::size_t i = 0; i < f.graph.node_count(); ++i) {
    Value* g = f.graph.node(i);
    if (g->kind == Kind::kGlobal && g->name == "LogisticRegression") g->name = f.graph.Store("FutureRegression");
  }
  std::string why = Refusal(f, "sklearn=1.2.1");
  EXPECT_NE(why.find("FutureRegression"), std::string::npos) << why;
}

}  // namespace
}  // namespace skbridge
