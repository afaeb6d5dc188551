// Tree family: every tree / forest / bagging / isolation forest / embedding fixture against the
// outputs real scikit-learn recorded, the 1.3 node-layout change, the 1.4 value-semantics change,
// the kernel's exactness and thread independence, and the messages of broken trees.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <regex>
#include <string>

#include "estimators/fixture_harness_test.h"
#include "estimators/tree_decode.h"
#include "kernels/tree.h"
#include "skbridge/reader.h"

namespace skbridge {
namespace {

using testing::Fixture;
using testing::FixtureInput;
using testing::LoadRecordedOutput;
using testing::OutputMatches;
using testing::RecordedOutput;

// --- fixtures ---------------------------------------------------------------------------------

const std::regex kFamily("^(DecisionTree|ExtraTree|RandomForest|ExtraTrees|Bagging|IsolationForest|RandomTreesEmbedding)");

TEST(TreeFixtures, EveryCaseEveryFileEveryMethod) {
  testing::WorstError worst;
  int checked = 0;
  auto in_family = [](const nlohmann::json& c) {
    std::string name = c["name"];
    // _knn cases have a base estimator of another family.
    return std::regex_search(name, kFamily) && name.find("_knn") == std::string::npos;
  };
  testing::ForEachManifestCase(in_family, [&](const std::string& v, const nlohmann::json& c) {
    Table x = FixtureInput(v, c["dataset"]);
    for (const auto& file : c["files"]) {
      std::string fp = file["path"];
      SCOPED_TRACE(v + "/" + fp);
      auto m = testing::LoadFixtureModel(v, fp);
      if (!m) continue;
      for (auto it = c["outputs"].begin(); it != c["outputs"].end(); ++it) {
        auto method = ParseMethod(it.key());
        ASSERT_TRUE(method) << it.key();
        ASSERT_TRUE(m->Has(*method)) << it.key();
        Output o = m->Run(*method, x);
        EXPECT_TRUE(OutputMatches(o, LoadRecordedOutput(Fixture(v, it.value()["path"])), {}, &worst, it.key()));
        ++checked;
      }
    }
  });
  EXPECT_GT(checked, 200);
  std::printf("tree family: %d outputs checked, worst relative error %.3g\n", checked, worst.value);
}

// --- the 1.3 node layout --------------------------------------------------------------------

// A copy of a Tree object whose `nodes` array is rewritten in the other layout: the 7-field
// record (56 bytes) or the 8-field one with missing_go_to_left (64 bytes, as numpy pads it).
const Value* WithLayout(Graph& g, const Value& tree, bool eight_fields, std::uint8_t missing_left) {
  const NdArray& old = *tree.State()->Get("nodes")->array;
  auto a = std::make_shared<NdArray>();
  a->shape = old.shape;
  a->dtype.kind = DTypeKind::kVoid;
  a->dtype.itemsize = eight_fields ? 64 : 56;
  a->dtype.byteorder = '|';
  const char* names[] = {"left_child", "right_child", "feature", "threshold", "impurity", "n_node_samples", "weighted_n_node_samples"};
  for (int i = 0; i < 7; ++i) {
    DTypeField f;
    f.name = names[i];
    f.type.kind = (i == 3 || i == 4 || i == 6) ? DTypeKind::kFloat : DTypeKind::kInt;
    f.type.itemsize = 8;
    f.offset = 8 * i;
    a->dtype.fields.push_back(f);
  }
  if (eight_fields) {
    DTypeField f;
    f.name = "missing_go_to_left";
    f.type.kind = DTypeKind::kUInt;
    f.type.itemsize = 1;
    f.type.byteorder = '|';
    f.offset = 56;
    a->dtype.fields.push_back(f);
  }
  auto buf = std::make_shared<std::vector<std::byte>>(static_cast<std::size_t>(old.size() * a->dtype.itemsize), std::byte{0});
  for (std::int64_t n = 0; n < old.size(); ++n) {
    for (const DTypeField& f : a->dtype.fields) {
      std::byte* dst = buf->data() + n * a->dtype.itemsize + f.offset;
      if (f.name == "missing_go_to_left") {
        *dst = std::byte{missing_left};
        continue;
      }
      const DTypeField* src = old.dtype.Field(f.name);
      std::memcpy(dst, old.data + n * old.dtype.itemsize + src->offset, 8);
    }
  }
  a->data = buf->data();
  a->nbytes = buf->size();
  a->owner = buf;
  Value* nodes = g.New(Kind::kArray);
  nodes->array = a;
  Value* state = g.New(Kind::kDict);
  for (const auto& [k, val] : tree.State()->entries) state->entries.emplace_back(k, k->text == "nodes" ? nodes : val);
  Value* obj = g.New(Kind::kObject);
  *obj->object = *tree.object;
  obj->object->state = state;
  return obj;
}

TEST(TreeLayout, SevenAndEightFieldNodesDecodeAndPredictIdentically) {
  // A 1.2.1 file (7 fields) and the same tree re-encoded with 8 fields as 1.3+ writes them.
  ModelFile f = ReadModelFile(Fixture("1.2.1", "DecisionTreeClassifier_multiclass.p5.pkl"));
  const Value& tree7 = *f.graph.root->State()->Get("tree_");
  ASSERT_EQ(tree7.State()->Get("nodes")->array->dtype.fields.size(), 7u);
  ASSERT_EQ(tree7.State()->Get("nodes")->array->dtype.itemsize, 56);
  const Value* tree8 = WithLayout(f.graph, tree7, true, 1);
  kernels::TreeModel a = est::DecodeTree(tree7, "t7");
  kernels::TreeModel b = est::DecodeTree(*tree8, "t8");
  EXPECT_FALSE(a.has_missing_go_to_left);
  EXPECT_TRUE(b.has_missing_go_to_left);
  EXPECT_EQ(a.left, b.left);
  EXPECT_EQ(a.right, b.right);
  EXPECT_EQ(a.feature, b.feature);
  EXPECT_EQ(a.threshold, b.threshold);
  EXPECT_EQ(a.n_node_samples, b.n_node_samples);
  EXPECT_EQ(a.weighted_n_node_samples, b.weighted_n_node_samples);
  EXPECT_EQ(a.values, b.values);
  // Same leaves on the recorded inputs, and those leaves give the recorded probabilities.
  Table x = FixtureInput("1.2.1", "multiclass");
  std::vector<float> x32(x.dense.begin(), x.dense.end());
  for (std::size_t r = 0; r < x.rows; ++r) {
    EXPECT_EQ(a.ApplyRow(&x32[r * x.cols]), b.ApplyRow(&x32[r * x.cols]));
  }
  // NaN: only the 8-field layout routes it (here: left); the 7-field tree sends it right.
  std::vector<float> nan_row(x.cols, std::numeric_limits<float>::quiet_NaN());
  std::int32_t n7 = a.ApplyRow(nan_row.data()), n8 = b.ApplyRow(nan_row.data());
  std::int32_t left_most = 0, right_most = 0;
  while (a.left[left_most] != kernels::kTreeLeaf) left_most = a.left[left_most];
  while (a.left[right_most] != kernels::kTreeLeaf) right_most = a.right[right_most];
  EXPECT_EQ(n8, left_most);
  EXPECT_EQ(n7, right_most);
  // And through the whole model: swap the 8-field tree in and predict the recorded outputs.
  Value* state = const_cast<Value*>(f.graph.root->State());
  for (auto& [k, val] : state->entries) {
    if (k->text == "tree_") val = tree8;
  }
  auto m = Model::FromFile(std::move(f));
  for (Method method : {Method::kPredictProba, Method::kPredict}) {
    std::string recorded = Fixture("1.2.1", std::string("DecisionTreeClassifier_multiclass.") + MethodName(method) + ".npy");
    EXPECT_TRUE(OutputMatches(m->Run(method, x), LoadRecordedOutput(recorded)));
  }
}

TEST(TreeLayout, NanRoutingFollowsMissingGoToLeft) {
  // 1.4.2 trees fitted on data with NaN: the recorded outputs come from NaN rows.
  Table x = FixtureInput("1.4.2", "nan");
  bool any_nan = false;
  for (double v : x.dense) any_nan |= std::isnan(v);
  ASSERT_TRUE(any_nan);
  for (std::string name : {"DecisionTreeClassifier_nan", "RandomForestClassifier_nan"}) {
    auto m = Model::Load(Fixture("1.4.2", name + ".joblib"));
    EXPECT_TRUE(OutputMatches(m->Run(Method::kPredictProba, x), LoadRecordedOutput(Fixture("1.4.2", name + ".predict_proba.npy")))) << name;
  }
  // A pre-1.3 tree has no missing_go_to_left: scikit-learn rejected NaN, so does skbridge.
  auto old = Model::Load(Fixture("1.2.1", "DecisionTreeClassifier_binary.p5.pkl"));
  try {
    old->Run(Method::kPredict, x);
    ADD_FAILURE() << "NaN accepted by a 1.2.1 tree";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("is NaN"), std::string::npos) << e.message();
  }
}

// --- the 1.4 value semantics ----------------------------------------------------------------

TEST(TreeValues, CountsBefore14AreNormalisedFractionsFrom14AreUsedAsStored) {
  EXPECT_TRUE(est::TreeValuesAreCounts("0.23.2", true));
  EXPECT_TRUE(est::TreeValuesAreCounts("1.3.2", true));
  EXPECT_TRUE(est::TreeValuesAreCounts("pre-0.18", true));
  EXPECT_FALSE(est::TreeValuesAreCounts("1.4.0", true));
  EXPECT_FALSE(est::TreeValuesAreCounts("1.10.1", true));
  EXPECT_FALSE(est::TreeValuesAreCounts("1.2.1", false));

  // Old file: tree_.value holds counts (leaf sums > 1), and predict_proba must be the recorded
  // normalised probabilities — returning the stored values (what scikit-learn >= 1.4 would do
  // with this file) fails.
  for (std::string v : {"0.23.2", "1.2.1"}) {
    SCOPED_TRACE(v);
    ModelFile f = ReadModelFile(Fixture(v, "DecisionTreeClassifier_multiclass.p5.pkl"));
    kernels::TreeModel t = est::DecodeTree(*f.graph.root->State()->Get("tree_"), "tree_");
    Table x = FixtureInput(v, "multiclass");
    RecordedOutput want = LoadRecordedOutput(Fixture(v, "DecisionTreeClassifier_multiclass.predict_proba.npy"));
    std::vector<float> x32(x.dense.begin(), x.dense.end());
    bool raw_differs = false;
    double max_sum = 0;
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double* val = t.value(t.ApplyRow(&x32[r * x.cols]));
      double sum = val[0] + val[1] + val[2];
      EXPECT_GE(sum, 1.0);  // counts
      max_sum = std::max(max_sum, sum);
      for (int j = 0; j < 3; ++j) raw_differs |= val[j] != want.numbers[r * 3 + j];
    }
    EXPECT_TRUE(raw_differs);
    EXPECT_GT(max_sum, 1.5);
    auto m = Model::FromFile(std::move(f));
    EXPECT_TRUE(OutputMatches(m->Run(Method::kPredictProba, x), want));
  }
  // New file: tree_.value holds fractions, returned as they are.
  {
    ModelFile f = ReadModelFile(Fixture("1.4.2", "DecisionTreeClassifier_multiclass.p5.pkl"));
    kernels::TreeModel t = est::DecodeTree(*f.graph.root->State()->Get("tree_"), "tree_");
    Table x = FixtureInput("1.4.2", "multiclass");
    std::vector<float> x32(x.dense.begin(), x.dense.end());
    Output o = Model::FromFile(std::move(f))->Run(Method::kPredictProba, x);
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double* val = t.value(t.ApplyRow(&x32[r * x.cols]));
      for (int j = 0; j < 3; ++j) EXPECT_EQ(o.values[r * 3 + j], val[j]);
    }
  }
}

// --- the kernel -----------------------------------------------------------------------------

// A random complete-ish tree over `features` features with float64 thresholds chosen near float32
// values (the exactness edge), NaN routing bits, and depth up to `depth`.
kernels::TreeModel RandomTree(std::mt19937_64& rng, std::size_t features, int depth, std::size_t width) {
  kernels::TreeModel t;
  t.n_features = features;
  t.n_classes = {static_cast<std::int64_t>(width)};
  t.max_n_classes = width;
  t.has_missing_go_to_left = true;
  std::uniform_real_distribution<double> u(-2, 2);
  bool chain_ok = true;
  std::function<std::int32_t(int)> grow = [&](int d) -> std::int32_t {
    std::int32_t id = static_cast<std::int32_t>(t.node_count++);
    t.left.push_back(kernels::kTreeLeaf);
    t.right.push_back(kernels::kTreeLeaf);
    t.feature.push_back(-2);
    t.threshold.push_back(-2);
    t.missing_go_to_left.push_back(0);
    for (std::size_t j = 0; j < width; ++j) t.values.push_back(u(rng));
    // Bushy up to depth 9; deeper levels are a chain (one child a leaf) so deep trees stay small.
    bool split = d < depth && (d < 3 || rng() % 5 != 0) && (d < 9 || chain_ok);
    chain_ok = d < 9;
    if (split) {
      float base = static_cast<float>(u(rng));
      double thr = static_cast<double>(base);
      switch (rng() % 3) {
        case 0: break;  // exactly a float32
        case 1: thr = std::nextafter(thr, 10.0); break;
        default: thr = std::nextafter(thr, -10.0); break;
      }
      t.feature[id] = static_cast<std::int32_t>(rng() % features);
      t.threshold[id] = thr;
      t.missing_go_to_left[id] = rng() % 2;
      bool left_first = rng() % 2;
      chain_ok = left_first || d < 8;
      std::int32_t l = grow(d + 1);
      chain_ok = !left_first || d < 8;
      std::int32_t r = grow(d + 1);
      t.left[id] = l;
      t.right[id] = r;
    }
    return id;
  };
  grow(0);
  return t;
}

TEST(TreeKernel, MatchesNodeByNodeWalkForAnyThreadCountAndBatchSize) {
  std::mt19937_64 rng(7);
  const std::size_t features = 5, width = 3, n_trees = 23, rows = 1000;
  std::vector<kernels::TreeModel> trees;
  kernels::TreeEnsemble ens;
  for (std::size_t i = 0; i < n_trees; ++i) {
    trees.push_back(RandomTree(rng, features, i == 3 ? 40 : 9, width));
    ens.Add(trees.back(), trees.back().values, width, 0);
  }
  // Inputs on, just above and just below thresholds, plus NaN.
  std::vector<float> x(rows * features);
  std::uniform_real_distribution<double> u(-2, 2);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (rng() % 17 == 0) x[i] = std::numeric_limits<float>::quiet_NaN();
    else {
      const auto& t = trees[rng() % n_trees];
      double thr = t.threshold[rng() % t.node_count];
      x[i] = thr == -2 ? static_cast<float>(u(rng)) : static_cast<float>(thr);
      if (rng() % 3 == 0) x[i] = std::nextafter(x[i], 10.0f);
    }
  }
  // Reference: tree-by-tree walk in double comparisons, accumulated in tree order.
  std::vector<double> want(rows * width, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (const auto& t : trees) {
      std::int32_t n = 0;
      while (t.left[n] != kernels::kTreeLeaf) {
        double v = x[r * features + t.feature[n]];
        bool left = std::isnan(v) ? t.missing_go_to_left[n] != 0 : v <= t.threshold[n];
        n = left ? t.left[n] : t.right[n];
      }
      for (std::size_t j = 0; j < width; ++j) want[r * width + j] += t.values[n * width + j];
    }
  }
  for (std::size_t threads : {1, 2, 3}) {
    for (std::size_t batch : {rows, std::size_t{1}, std::size_t{5}, std::size_t{129}}) {
      std::vector<double> got(rows * width, 0.0);
      for (std::size_t r0 = 0; r0 < rows; r0 += batch) {
        std::size_t n = std::min(batch, rows - r0);
        ens.Accumulate(x.data() + r0 * features, n, features, got.data() + r0 * width, width, true, threads);
      }
      for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "threads " << threads << " batch " << batch << " at " << i;
    }
  }
  // apply(): leaves in scikit-learn's numbering.
  std::vector<std::int32_t> leaves(rows * n_trees);
  ens.Apply(x.data(), rows, features, leaves.data(), true, 2);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t t = 0; t < n_trees; ++t) ASSERT_EQ(leaves[r * n_trees + t], trees[t].ApplyRow(&x[r * features]));
}

TEST(TreeKernel, Float32CastRejectsWhatCheckArrayRejects) {
  std::vector<double> in = {1.0, 1e300, 2.0};
  std::vector<float> out(3);
  bool has_nan = false;
  EXPECT_EQ(kernels::ToFloat32(in.data(), 3, true, out.data(), &has_nan), 1);
  in[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(kernels::ToFloat32(in.data(), 3, false, out.data(), &has_nan), 1);
  EXPECT_TRUE(has_nan);
  EXPECT_EQ(kernels::ToFloat32(in.data(), 3, true, out.data(), &has_nan), -1);
  in[1] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(kernels::ToFloat32(in.data(), 3, true, out.data(), &has_nan, true), -1);
  EXPECT_EQ(out[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(kernels::PairwiseSum(std::vector<double>(100, 0.1).data(), 100), 9.999999999999998);  // numpy: np.full(100, 0.1).sum()
}

// --- broken states --------------------------------------------------------------------------

std::string DecodeError(const Value& tree) {
  try {
    est::DecodeTree(tree, "m.tree_");
  } catch (const Error& e) {
    return e.message();
  }
  return "(no error)";
}

// A copy of the Tree object with node `n`'s int64 field `name` set to `value`.
const Value* WithNodeField(Graph& g, const Value& tree, std::size_t n, const char* name, std::int64_t value) {
  const Value* copy = WithLayout(g, tree, true, 0);
  const NdArray& a = *copy->State()->Get("nodes")->array;
  std::memcpy(const_cast<std::byte*>(a.data) + n * a.dtype.itemsize + a.dtype.Field(name)->offset, &value, 8);
  return copy;
}

TEST(TreeErrors, BrokenNodeArraysNameTheNode) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "DecisionTreeClassifier_binary.p5.pkl"));
  const Value& tree = *f.graph.root->State()->Get("tree_");
  EXPECT_EQ(DecodeError(*WithNodeField(f.graph, tree, 0, "feature", 6)), "m.tree_.nodes[0]: feature 6 out of range for 6 features");
  EXPECT_EQ(DecodeError(*WithNodeField(f.graph, tree, 0, "left_child", 99)), "m.tree_.nodes[0]: children (99, " +
                std::to_string(est::DecodeTree(tree, "t").right[0]) + ") out of range for " +
                std::to_string(est::DecodeTree(tree, "t").node_count) + " nodes");
  // A child pointing back up makes a cycle: a node reached twice.
  kernels::TreeModel ok = est::DecodeTree(tree, "t");
  EXPECT_EQ(DecodeError(*WithNodeField(f.graph, tree, 1, "right_child", 1)), "m.tree_.nodes[1]: node 1 is reached twice (not a tree)")
      << "left of root is " << ok.left[0];
  EXPECT_EQ(DecodeError(*WithNodeField(f.graph, tree, 0, "right_child", -1)),
            "m.tree_.nodes[0]: one child is a leaf marker (1, -1)");
}

TEST(TreeErrors, ValuesShapeAndInputWidth) {
  ModelFile f = ReadModelFile(Fixture("1.9.0", "RandomForestClassifier_binary.p5.pkl"));
  // The first tree's values swapped for the multiclass file's: wrong number of classes.
  ModelFile g = ReadModelFile(Fixture("1.9.0", "RandomForestClassifier_multiclass.p5.pkl"));
  const Value* other = g.graph.root->State()->Get("estimators_")->items[0]->State()->Get("tree_");
  const Value* tree = f.graph.root->State()->Get("estimators_")->items[0]->State()->Get("tree_");
  Value* state = const_cast<Value*>(tree->State());
  for (auto& [k, val] : state->entries) {
    if (k->text == "values") val = other->State()->Get("values");
  }
  try {
    Model::FromFile(std::move(f));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_TRUE(e.message().starts_with("randomforestclassifier.estimators_[0].tree_.values: shape (")) << e.message();
  }
  auto m = Model::Load(Fixture("1.9.0", "RandomForestClassifier_binary.p5.pkl"));
  try {
    m->Run(Method::kPredict, Table::Dense(1, 3, {1, 2, 3}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_NE(e.message().find("6"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace skbridge
