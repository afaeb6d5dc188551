// Preprocessing and imputation: every corpus case of the family in every version and file format
// against the outputs real scikit-learn recorded, the numerical kernels against scipy / numpy
// values, and the messages of broken states (built by editing a decoded value graph).
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "estimators/fixture_harness_test.h"
#include "kernels/preprocessing.h"

namespace skbridge {
namespace {

using testing::Fixture;
using testing::FixtureInput;
using testing::kFixtureVersions;
using testing::NewFloats;
using testing::NewStr;
using testing::RootState;
using testing::SetAttr;
using testing::ValuesMatch;

const std::set<std::string> kFamily = {
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "Normalizer", "Binarizer", "QuantileTransformer",
    "PowerTransformer", "KBinsDiscretizer", "SplineTransformer", "PolynomialFeatures", "FunctionTransformer", "SimpleImputer",
    "MissingIndicator", "KNNImputer"};

// Exact zeros must be exact: no absolute floor.
constexpr testing::Tolerance kTolerance{.relative = 1e-9, .absolute = 0};

// Every file of every family case in the corpus: all formats must decode and match.
TEST(Preprocessing, CorpusCasesMatchInEveryVersionAndFormat) {
  testing::WorstError worst;
  int cases = 0, files = 0;
  auto in_family = [](const nlohmann::json& c) { return kFamily.count(c["estimator"].get<std::string>()) > 0; };
  testing::ForEachManifestCase(in_family, [&](const std::string& v, const nlohmann::json& c) {
    ++cases;
    Table x = FixtureInput(v, c["dataset"]);
    for (const auto& file : c["files"]) {
      ++files;
      std::string where = v + "/" + file["path"].get<std::string>();
      SCOPED_TRACE(where);
      auto m = testing::LoadFixtureModel(v, file["path"]);
      if (!m) continue;
      for (const auto& [method, out] : c["outputs"].items()) {
        auto meth = ParseMethod(method);
        ASSERT_TRUE(meth);
        Output got = m->Run(*meth, x);
        Table want = TableFromNpy(Fixture(v, out["path"]));
        ASSERT_EQ(got.values.size(), want.dense.size());
        ASSERT_EQ(got.rows, want.rows);
        ASSERT_TRUE(ValuesMatch(got.values, want.dense, kTolerance, &worst, where + " " + method));
      }
    }
  });
  EXPECT_GE(cases, 80);
  std::printf("preprocessing: %d cases, %d files, worst relative error %.3g (%s)\n", cases, files, worst.value, worst.where.c_str());
}

// Inside pipelines: the scaler / imputer / polynomial steps of the corpus' pipelines.
TEST(Preprocessing, PipelinesWithFamilySteps) {
  for (const char* v : kFixtureVersions) {
    for (std::string name : {"Pipeline_scaler_logreg", "Pipeline_impute_scale_ridge", "Pipeline_poly_ridge"}) {
      SCOPED_TRACE(std::string(v) + " " + name);
      std::shared_ptr<const Model> m;
      try {
        m = Model::Load(Fixture(v, name + ".p5.pkl"));
      } catch (const Error& e) {
        GTEST_SKIP() << "another family's step is not decodable yet: " << e.message();
      }
      std::string dataset = name == "Pipeline_scaler_logreg" ? "binary" : name == "Pipeline_impute_scale_ridge" ? "nan" : "regression";
      Output got = m->Run(Method::kPredict, FixtureInput(v, dataset));
      Table want = TableFromNpy(Fixture(v, name + ".predict.npy"));
      ASSERT_EQ(got.rows, want.rows);
      if (got.labels) continue;
      EXPECT_TRUE(ValuesMatch(got.values, want.dense, kTolerance));
    }
  }
}

// --- kernels ----------------------------------------------------------------------------------

TEST(PreprocessingKernels, NdtriMatchesScipy) {
  // scipy.special.ndtri at these points (identical in scipy 1.6 and 1.17).
  const std::pair<double, double> cases[] = {
      {1e-300, -37.0470962993612},        {1e-20, -9.262340089798409},   {1e-10, -6.361340902404056},
      {9.999999977795539e-08, -5.199337582605575}, {0.01, -2.3263478740408408}, {0.1, -1.2815515655446004},
      {0.135, -1.1030625561995975},       {0.2, -0.8416212335729142},    {0.5, 0.0},
      {0.7, 0.5244005127080407},          {0.86, 1.0803193408149558},    {0.9, 1.2815515655446004},
      {0.975, 1.959963984540054},         {0.999, 3.090232306167813},    {0.9999999999, 6.361340889697422},
      {0.9999999000000003, 5.19933758270342}};
  for (auto [y, x] : cases) EXPECT_EQ(kernels::Ndtri(y), x) << y;
  EXPECT_EQ(kernels::Ndtri(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(kernels::Ndtri(1.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(kernels::Ndtri(1.5)));
  EXPECT_TRUE(std::isnan(kernels::Ndtri(std::nan(""))));
}

TEST(PreprocessingKernels, InterpLikeNumpy) {
  const double xp[] = {0, 1, 1, 2, 4}, fp[] = {0, 10, 20, 30, 50};
  EXPECT_EQ(kernels::NumpyInterp(-1, xp, fp, 5), 0);   // left
  EXPECT_EQ(kernels::NumpyInterp(5, xp, fp, 5), 50);   // right
  EXPECT_EQ(kernels::NumpyInterp(1, xp, fp, 5), 20);   // the last of repeated xp wins
  EXPECT_EQ(kernels::NumpyInterp(0.5, xp, fp, 5), 5);
  EXPECT_EQ(kernels::NumpyInterp(3, xp, fp, 5), 40);
  EXPECT_EQ(kernels::NumpyInterp(4, xp, fp, 5), 50);
  EXPECT_TRUE(std::isnan(kernels::NumpyInterp(std::nan(""), xp, fp, 5)));
  const double one_x[] = {2}, one_f[] = {7};
  EXPECT_EQ(kernels::NumpyInterp(-3, one_x, one_f, 1), 7);
}

TEST(PreprocessingKernels, RemainderAndVersions) {
  EXPECT_EQ(kernels::NumpyRemainder(-1, 3), 2);
  EXPECT_EQ(kernels::NumpyRemainder(5.5, 2), 1.5);
  EXPECT_EQ(kernels::NumpyRemainder(1, -3), -2);
  EXPECT_TRUE(std::signbit(kernels::NumpyRemainder(-6, 3)) == false);
  EXPECT_EQ(kernels::VersionNumber("1.2.1"), kernels::Version(1, 2, 1));
  EXPECT_EQ(kernels::VersionNumber("0.23.2"), kernels::Version(0, 23, 2));
  EXPECT_EQ(kernels::VersionNumber("1.4.dev0"), kernels::Version(1, 4));
  EXPECT_EQ(kernels::VersionNumber("1.6.0rc1"), kernels::Version(1, 6));
  EXPECT_EQ(kernels::VersionNumber("pre-0.18"), 0);
}

TEST(PreprocessingKernels, BSplineBasisSumsToOne) {
  // Uniform cubic knots: inside [t[k], t[n]] the k + 1 basis values sum to 1.
  std::vector<double> t = {-3, -2, -1, 0, 1, 2, 3, 4, 5, 6};
  double work[16];
  for (double x : {0.0, 0.3, 1.0, 2.7, 3.0}) {
    ASSERT_GE(kernels::BSplineBasis(t.data(), t.size(), 3, x, 0, false, work), 3);
    EXPECT_NEAR(work[0] + work[1] + work[2] + work[3], 1.0, 1e-15) << x;
  }
  EXPECT_EQ(kernels::BSplineBasis(t.data(), t.size(), 3, 3.5, 0, false, work), -1);
  EXPECT_EQ(kernels::BSplineBasis(t.data(), t.size(), 3, 3.5, 0, true, work), 5);
}

// np.argpartition(v, k)[:k + 1] as numpy 1.24 (scalar introselect) and numpy 2.4 on an AVX-512
// machine (x86-simd-sort) returned it, ties included, for v[i] = (7919 i) % 13 (NaN at every 11th
// index where marked).
TEST(PreprocessingKernels, ArgPartitionBreaksTiesLikeNumpy) {
  struct Case {
    std::size_t n, k;
    bool nan;
    std::vector<std::size_t> numpy1, numpy2;
  };
  const Case cases[] = {
      {20, 4, false, {0, 13, 7, 1, 14}, {0, 13, 7, 1, 14}},
      {300, 5, false, {104, 78, 130, 117, 156, 91}, {0, 299, 39, 52, 234, 65}},
      {700, 9, false, {273, 494, 403, 507, 260, 156, 169, 39, 78, 286}, {0, 676, 663, 637, 91, 104, 650, 312, 364, 299}},
      {40, 3, true, {39, 26, 13, 20}, {39, 13, 26, 20}},
      {300, 6, true, {195, 26, 299, 130, 52, 78, 273}, {182, 26, 130, 156, 117, 195, 208}},
  };
  for (const Case& c : cases) {
    std::vector<double> v(c.n);
    for (std::size_t i = 0; i < c.n; ++i) v[i] = c.nan && i % 11 == 0 ? std::nan("") : static_cast<double>((i * 7919) % 13);
    std::vector<std::size_t> idx(c.n);
    kernels::NumpyArgPartition(v.data(), c.n, c.k, idx.data());
    EXPECT_EQ(std::vector<std::size_t>(idx.begin(), idx.begin() + c.k + 1), c.numpy1) << c.n;
    kernels::X86SimdArgSelect(v.data(), c.n, c.k, idx.data());
    EXPECT_EQ(std::vector<std::size_t>(idx.begin(), idx.begin() + c.k + 1), c.numpy2) << c.n;
  }
}

// --- broken states and bad input --------------------------------------------------------------

const Value* NewGlobal(Graph& g, std::string_view module, std::string_view name) {
  Value* v = g.New(Kind::kGlobal);
  v->text = g.Store(std::string(module));
  v->name = g.Store(std::string(name));
  return v;
}

Error LoadError(ModelFile f) {
  try {
    Model::FromFile(std::move(f));
  } catch (const Error& e) {
    return e;
  }
  return Error::Io("(no error)");
}

TEST(PreprocessingErrors, ScalerAttributeMustMatchFeatures) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "StandardScaler.p5.pkl"));
  SetAttr(RootState(f), "scale_", NewFloats(f.graph, {1, 2, 3, 4, 5}));
  Error e = LoadError(std::move(f));
  EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
  EXPECT_EQ(e.message(), "standardscaler.scale_: has 5 values for 6 input features");
}

TEST(PreprocessingErrors, QuantileReferencesMustMatchQuantiles) {
  ModelFile f = ReadModelFile(Fixture("1.4.2", "QuantileTransformer_normal.p5.pkl"));
  SetAttr(RootState(f), "references_", NewFloats(f.graph, {0, 0.5, 1}));
  EXPECT_EQ(LoadError(std::move(f)).message(), "quantiletransformer.references_: expected 50 values, got 3");
}

TEST(PreprocessingErrors, KBinsEdgesMustMatchBins) {
  ModelFile f = ReadModelFile(Fixture("1.2.1", "KBinsDiscretizer_uniform.p5.pkl"));
  SetAttr(RootState(f), "bin_edges_", NewFloats(f.graph, {0, 1, 2}));
  EXPECT_EQ(LoadError(std::move(f)).message(), "kbinsdiscretizer.bin_edges_: has 1 features, n_bins_ has 6");
}

TEST(PreprocessingErrors, FunctionTransformerRefusesUnknownFunctions) {
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "FunctionTransformer_log1p.p5.pkl"));
    SetAttr(RootState(f), "func", NewGlobal(f.graph, "mymodule", "my_feature_fn"));
    Error e = LoadError(std::move(f));
    EXPECT_EQ(e.code(), ErrorCode::kUnsafe);
    EXPECT_EQ(e.message(),
              "functiontransformer.func: mymodule.my_feature_fn is not a numpy function; skbridge will not run arbitrary code");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "FunctionTransformer_log1p.p5.pkl"));
    SetAttr(RootState(f), "func", NewGlobal(f.graph, "numpy", "cumsum"));
    Error e = LoadError(std::move(f));
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_EQ(e.message(), "functiontransformer.func: numpy function numpy.cumsum is not supported by FunctionTransformer in skbridge");
  }
  {
    ModelFile f = ReadModelFile(Fixture("1.9.0", "FunctionTransformer_log1p.p5.pkl"));
    Value* kw = f.graph.New(Kind::kDict);
    kw->entries.emplace_back(NewStr(f.graph, "decimals"), NewFloats(f.graph, {2}));
    SetAttr(RootState(f), "kw_args", kw);
    EXPECT_EQ(LoadError(std::move(f)).message(),
              "functiontransformer.kw_args: holds keyword arguments decimals; FunctionTransformer keyword arguments are not supported");
  }
  {
    // Other numpy spellings of the same ufunc decode: numpy 1.x's _multiarray_umath path.
    ModelFile f = ReadModelFile(Fixture("1.9.0", "FunctionTransformer_log1p.p5.pkl"));
    SetAttr(RootState(f), "func", NewGlobal(f.graph, "numpy.core._multiarray_umath", "sqrt"));
    auto m = Model::FromFile(std::move(f));
    Output o = m->Run(Method::kTransform, Table::Dense(1, 2, {4, 9}));
    EXPECT_EQ(o.values, (std::vector<double>{2, 3}));
  }
}

TEST(PreprocessingErrors, BadInputIsNamed) {
  auto norm = Model::Load(Fixture("1.9.0", "Normalizer.p5.pkl"));
  try {
    norm->Run(Method::kTransform, Table::Dense(1, 6, {1, 2, std::nan(""), 4, 5, 6}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(e.message(),
              "normalizer (sklearn.preprocessing._data.Normalizer): input row 1 column #3 is NaN; this estimator does not accept missing values");
  }
  auto scaler = Model::Load(Fixture("1.9.0", "StandardScaler.p5.pkl"));
  try {
    scaler->Run(Method::kTransform, Table::Dense(1, 6, {1, 2, 3, std::numeric_limits<double>::infinity(), 5, 6}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "standardscaler (sklearn.preprocessing._data.StandardScaler): input row 1 column #4 is infinite");
  }
  // NaN passes through the scalers, as in scikit-learn.
  Output o = scaler->Run(Method::kTransform, Table::Dense(1, 6, {1, 2, std::nan(""), 4, 5, 6}));
  EXPECT_TRUE(std::isnan(o.values[2]));
  EXPECT_FALSE(std::isnan(o.values[1]));
  // A MissingIndicator(features='missing-only', error_on_new=True) refuses new missing features.
  ModelFile f = ReadModelFile(Fixture("1.9.0", "MissingIndicator.p5.pkl"));
  SetAttr(RootState(f), "features", NewStr(f.graph, "missing-only"));
  Value* idx = const_cast<Value*>(NewFloats(f.graph, {0, 1}));
  SetAttr(RootState(f), "features_", idx);
  auto mi = Model::FromFile(std::move(f));
  try {
    mi->Run(Method::kTransform, Table::Dense(1, 6, {1, 2, std::nan(""), 4, 5, std::nan("")}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "missingindicator (sklearn.impute._base.MissingIndicator): the features [2 5] have missing values in transform but "
              "had none in fit");
  }
}

TEST(Preprocessing, SimpleImputerImputesText) {
  // strategy='constant', fill_value='missing' on the text columns of the 'cats' frame.
  auto m = Model::Load(Fixture("1.9.0", "OneHotEncoder_ignore_drop_frame.p5.pkl"));
  (void)m;
  ModelFile f = ReadModelFile(Fixture("1.9.0", "OneHotEncoder_ignore_drop_frame.p5.pkl"));
  // steps[0][1] of the pipeline is the imputer.
  const Value* steps = f.graph.root->State()->Get("steps");
  ASSERT_TRUE(steps);
  const Value* imputer = steps->items[0]->items[1];
  f.graph.root = imputer;
  auto imp = Model::FromFile(std::move(f));
  Table x = ParseCsv("color,size,city\nblue,,paris\n,small,oslo\n");
  Output o = imp->Run(Method::kTransform, x);
  ASSERT_TRUE(o.labels);
  EXPECT_EQ(o.rows, 2u);
  EXPECT_EQ(o.cols, 3u);
  EXPECT_EQ(o.labels->strings, (std::vector<std::string>{"blue", "missing", "paris", "missing", "small", "oslo"}));
}

}  // namespace
}  // namespace skbridge
