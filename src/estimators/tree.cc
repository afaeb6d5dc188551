// Decision trees (DecisionTreeClassifier/Regressor, ExtraTreeClassifier/Regressor) and the
// decoding of sklearn.tree._tree.Tree shared by every tree ensemble.
//
// What the versions stored and how they predicted (read from scikit-learn's source):
//  * Tree pickles as Tree(n_features, n_classes, n_outputs) plus state {max_depth, node_count,
//    nodes, values}. `nodes` is a structured array: 7 fields (left_child, right_child, feature,
//    threshold, impurity, n_node_samples, weighted_n_node_samples) before 1.3, an 8th
//    missing_go_to_left (uint8) from 1.3. Index fields are intp: int64 here, int32 from 32-bit
//    machines. Leaves have left_child == right_child == -1.
//  * Input is validated to float32 and a row goes left when float32(x) <= threshold (float64). From
//    1.3 a NaN goes left iff missing_go_to_left; before 1.3 scikit-learn rejected NaN input, and
//    so does skbridge for those files. +-inf and finite values beyond float32 are rejected (check_array).
//  * tree_.value: class counts (weighted) before 1.4, class fractions from 1.4. predict_proba
//    divided by the row sum (0 -> 1) before 1.4 and returns the values as stored from 1.4;
//    predict is classes_[argmax(tree_.value[leaf])] in every version. Regressors: value[leaf][o][0].
#include <algorithm>
#include <cmath>
#include <cstring>

#include "estimators/tree_internal.h"

namespace skbridge::est {

bool VersionAtLeast(const std::string& version, int major, int minor) {
  int parts[2] = {0, 0};
  std::size_t i = 0;
  for (int p = 0; p < 2; ++p) {
    if (i >= version.size() || !std::isdigit(static_cast<unsigned char>(version[i]))) return false;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) parts[p] = parts[p] * 10 + (version[i++] - '0');
    if (p == 0) {
      if (i >= version.size() || version[i] != '.') return false;
      ++i;
    }
  }
  return parts[0] != major ? parts[0] > major : parts[1] >= minor;
}

bool TreeValuesAreCounts(const std::string& version, bool classifier) { return classifier && !VersionAtLeast(version, 1, 4); }

namespace {

template <class T>
T LoadAt(const std::byte* p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  return x;
}

// One field of the structured node array, read as double / int64 for every node.
struct FieldReader {
  const NdArray* a = nullptr;
  const DTypeField* f = nullptr;

  double Float(std::size_t i) const {
    const std::byte* p = a->data + i * a->dtype.itemsize + f->offset;
    if (f->type.kind == DTypeKind::kFloat) return f->type.itemsize == 4 ? LoadAt<float>(p) : LoadAt<double>(p);
    return static_cast<double>(Int(i));
  }
  std::int64_t Int(std::size_t i) const {
    const std::byte* p = a->data + i * a->dtype.itemsize + f->offset;
    switch (f->type.itemsize) {
      case 1: return f->type.kind == DTypeKind::kInt ? LoadAt<std::int8_t>(p) : LoadAt<std::uint8_t>(p);
      case 2: return f->type.kind == DTypeKind::kInt ? LoadAt<std::int16_t>(p) : LoadAt<std::uint16_t>(p);
      case 4: return f->type.kind == DTypeKind::kInt ? LoadAt<std::int32_t>(p) : LoadAt<std::uint32_t>(p);
      default: return LoadAt<std::int64_t>(p);
    }
  }
};

std::int64_t IntArg(const Value& v, const std::string& path, const char* what) {
  if (v.kind == Kind::kInt && !v.is_big_int()) return v.integer;
  if (v.kind == Kind::kArray && v.array->size() == 1) {
    auto d = ToInts(v, path);
    return d[0];
  }
  throw Error::InvalidModel(fmt::format("{}: {} is {}, expected an integer", path, what, v.Repr(40)));
}

}  // namespace

kernels::TreeModel DecodeTree(const Value& v, const std::string& path) {
  if (v.kind != Kind::kObject) {
    throw Error::InvalidModel(fmt::format("{}: expected a sklearn.tree._tree.Tree, found {}", path, v.Repr(40)));
  }
  if (v.GlobalPath() != "sklearn.tree._tree.Tree") {
    throw Error::InvalidModel(fmt::format("{}: expected a sklearn.tree._tree.Tree, found {}", path, v.GlobalPath()));
  }
  const Value* args = v.object->args;
  if (!args || args->kind != Kind::kTuple || args->items.size() != 3) {
    throw Error::InvalidModel(fmt::format("{}: Tree arguments are not (n_features, n_classes, n_outputs)", path));
  }
  const Value* state = v.State();
  if (!state || state->kind != Kind::kDict) throw Error::InvalidModel(fmt::format("{}: Tree has no state dict", path));
  kernels::TreeModel t;
  std::int64_t n_features = IntArg(*args->items[0], path, "n_features");
  std::int64_t n_outputs = IntArg(*args->items[2], path, "n_outputs");
  t.n_classes = ToInts(*args->items[1], path + ".n_classes");
  if (n_features < 0 || n_features >= (1 << 30)) throw Error::InvalidModel(fmt::format("{}: n_features {} out of range", path, n_features));
  if (n_outputs < 1 || static_cast<std::size_t>(n_outputs) != t.n_classes.size()) {
    throw Error::InvalidModel(fmt::format("{}: n_outputs {} does not match {} n_classes", path, n_outputs, t.n_classes.size()));
  }
  t.n_features = static_cast<std::size_t>(n_features);
  t.n_outputs = static_cast<std::size_t>(n_outputs);
  std::int64_t max_classes = 1;
  for (std::int64_t k : t.n_classes) {
    if (k < 1 || k > (1 << 24)) throw Error::InvalidModel(fmt::format("{}.n_classes: {} classes", path, k));
    max_classes = std::max(max_classes, k);
  }
  t.max_n_classes = static_cast<std::size_t>(max_classes);

  const Value* nodes_v = state->Get("nodes");
  if (!nodes_v) {
    throw Error::Unsupported(fmt::format("{}: Tree state without 'nodes' (a pre-0.18 tree layout scikit-learn itself cannot load)", path));
  }
  const Value* node_count_v = state->Get("node_count");
  const Value* values_v = state->Get("values");
  if (!node_count_v || !values_v) throw Error::InvalidModel(fmt::format("{}: Tree state lacks node_count or values", path));
  if (const Value* md = state->Get("max_depth")) t.max_depth = IntArg(*md, path + ".max_depth", "max_depth");
  std::int64_t node_count = IntArg(*node_count_v, path + ".node_count", "node_count");

  if (nodes_v->kind != Kind::kArray || !nodes_v->array->dtype.IsStructured() || nodes_v->array->ndim() != 1) {
    throw Error::InvalidModel(fmt::format("{}.nodes: expected a 1-d structured array, found {}", path, nodes_v->Repr(60)));
  }
  const NdArray& nodes = *nodes_v->array;
  if (node_count < 1 || node_count > nodes.shape[0] || node_count >= (std::int64_t{1} << 31)) {
    throw Error::InvalidModel(fmt::format("{}.node_count: {} for a node array of {} entries", path, node_count, nodes.shape[0]));
  }
  const std::size_t n = static_cast<std::size_t>(node_count);
  auto field = [&](const char* name, bool required, bool integer) -> FieldReader {
    const DTypeField* f = nodes.dtype.Field(name);
    if (!f) {
      if (required) throw Error::InvalidModel(fmt::format("{}.nodes: no field '{}' in {}", path, name, nodes.dtype.Str()));
      return {};
    }
    bool ok = integer ? (f->type.kind == DTypeKind::kInt || f->type.kind == DTypeKind::kUInt || f->type.kind == DTypeKind::kBool)
                      : (f->type.kind == DTypeKind::kFloat && (f->type.itemsize == 4 || f->type.itemsize == 8));
    if (!ok || f->offset < 0 || f->offset + f->type.itemsize > nodes.dtype.itemsize) {
      throw Error::InvalidModel(fmt::format("{}.nodes: field '{}' has type {}", path, name, f->type.Str()));
    }
    return {&nodes, f};
  };
  FieldReader left = field("left_child", true, true), right = field("right_child", true, true);
  FieldReader feature = field("feature", true, true), threshold = field("threshold", true, false);
  FieldReader impurity = field("impurity", false, false), n_samples = field("n_node_samples", false, true);
  FieldReader weighted = field("weighted_n_node_samples", false, false);
  FieldReader missing = field("missing_go_to_left", false, true);
  if (nodes.nbytes < n * static_cast<std::size_t>(nodes.dtype.itemsize)) {
    throw Error::InvalidModel(fmt::format("{}.nodes: array data shorter than its shape", path));
  }
  t.node_count = n;
  t.has_missing_go_to_left = missing.f != nullptr;
  t.left.resize(n);
  t.right.resize(n);
  t.feature.resize(n);
  t.threshold.resize(n);
  t.missing_go_to_left.assign(n, 0);
  t.impurity.assign(n, 0.0);
  t.n_node_samples.assign(n, 0);
  t.weighted_n_node_samples.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t l = left.Int(i), r = right.Int(i), f = feature.Int(i);
    if (l == kernels::kTreeLeaf || r == kernels::kTreeLeaf) {
      if (l != r) throw Error::InvalidModel(fmt::format("{}.nodes[{}]: one child is a leaf marker ({}, {})", path, i, l, r));
    } else {
      if (l <= 0 || r <= 0 || l >= node_count || r >= node_count || l == r) {
        throw Error::InvalidModel(fmt::format("{}.nodes[{}]: children ({}, {}) out of range for {} nodes", path, i, l, r, node_count));
      }
      if (f < 0 || f >= n_features) {
        throw Error::InvalidModel(fmt::format("{}.nodes[{}]: feature {} out of range for {} features", path, i, f, n_features));
      }
    }
    t.left[i] = static_cast<std::int32_t>(l);
    t.right[i] = static_cast<std::int32_t>(r);
    t.feature[i] = static_cast<std::int32_t>(f);
    t.threshold[i] = threshold.Float(i);
    if (missing.f) t.missing_go_to_left[i] = missing.Int(i) != 0;
    if (impurity.f) t.impurity[i] = impurity.Float(i);
    if (n_samples.f) t.n_node_samples[i] = n_samples.Int(i);
    if (weighted.f) t.weighted_n_node_samples[i] = weighted.Float(i);
  }
  // Every node must be reached exactly once from the root: a tree, no cycles, no shared subtrees.
  {
    std::vector<std::uint8_t> seen(n, 0);
    std::vector<std::int32_t> stack{0};
    seen[0] = 1;
    std::size_t reached = 1;
    while (!stack.empty()) {
      std::int32_t i = stack.back();
      stack.pop_back();
      if (t.left[i] == kernels::kTreeLeaf) continue;
      for (std::int32_t c : {t.left[i], t.right[i]}) {
        if (seen[c]) throw Error::InvalidModel(fmt::format("{}.nodes[{}]: node {} is reached twice (not a tree)", path, i, c));
        seen[c] = 1;
        ++reached;
        stack.push_back(c);
      }
    }
    if (reached != n) throw Error::InvalidModel(fmt::format("{}.nodes: {} of {} nodes are unreachable from the root", path, n - reached, n));
  }
  // values: (capacity, n_outputs, max_n_classes)
  auto vshape = ShapeOf(*values_v, path + ".values");
  if (vshape.size() != 3 || vshape[0] < node_count || vshape[1] != n_outputs || vshape[2] != max_classes) {
    std::string got;
    for (auto d : vshape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    throw Error::InvalidModel(fmt::format("{}.values: shape ({}), expected ({}, {}, {})", path, got, node_count, n_outputs, max_classes));
  }
  t.values = ToDoubles(*values_v, path + ".values");
  t.values.resize(n * t.value_stride());
  return t;
}

kernels::TreeModel DecodeTreeOf(const Fields& f) { return DecodeTree(f.Get("tree_"), f.At("tree_")); }

DecodedTree DecodeTreeEstimator(const Value& obj, DecodeContext& ctx, const std::string& path) {
  if (obj.kind != Kind::kObject || !obj.Class()) {
    throw Error::InvalidModel(fmt::format("{}: expected a fitted tree estimator, found {}", path, obj.Repr(40)));
  }
  std::string name(obj.Class()->name);
  std::string module(obj.Class()->text);
  static constexpr std::string_view kNames[] = {"DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
                                                "ExtraTreeRegressor"};
  bool known = std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames) &&
               (module == "sklearn.tree._classes" || module == "sklearn.tree.tree");
  if (!known) throw Error::InvalidModel(fmt::format("{}: expected a tree estimator, found {}", path, obj.GlobalPath()));
  Fields f(obj, &ctx, path);
  DecodedTree d;
  d.tree = DecodeTreeOf(f);
  d.version = f.version();
  d.class_name = name;
  return d;
}

Float32Input TreeInput(const Estimator& e, const Table& t, bool allow_nan, bool allow_inf) {
  Table dense_storage;
  const Table* d = &t;
  if (!t.is_dense()) {
    dense_storage = t.ToDense();
    d = &dense_storage;
  }
  if (e.input.n_features && d->cols != e.input.n_features) {
    throw Error::InvalidInput(fmt::format("{} ({}) expects {} features, got {}", e.path, e.class_path, e.input.n_features, d->cols));
  }
  Float32Input in;
  in.rows = d->rows;
  in.cols = d->cols;
  in.x.resize(d->rows * d->cols);
  std::int64_t bad = kernels::ToFloat32(d->dense.data(), in.x.size(), allow_nan, in.x.data(), &in.has_nan, allow_inf);
  if (bad >= 0) {
    std::size_t r = static_cast<std::size_t>(bad) / d->cols, c = static_cast<std::size_t>(bad) % d->cols;
    double v = d->dense[static_cast<std::size_t>(bad)];
    std::string why = std::isnan(v) ? fmt::format("NaN, which scikit-learn {} does not accept for this model (missing values in trees need a model written by 1.3 or later)", e.sklearn_version)
                                    : fmt::format("{}, which is not finite in float32 (scikit-learn rejects it)", v);
    throw Error::InvalidInput(fmt::format("{} ({}): row {}, column {} is {}", e.path, e.class_path, r, c, why));
  }
  return in;
}

Labels PickLabels(const std::vector<Labels>& classes, const std::vector<std::size_t>& idx, std::size_t n_outputs) {
  Labels out;
  bool same = true;
  for (const Labels& l : classes) same &= l.type == classes[0].type;
  out.type = same ? classes[0].type : Labels::Type::kString;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const Labels& l = classes[i % n_outputs];
    std::size_t k = idx[i];
    if (!same) {
      out.strings.push_back(l.Text(k));
      continue;
    }
    switch (out.type) {
      case Labels::Type::kInt:
      case Labels::Type::kBool: out.ints.push_back(l.ints[k]); break;
      case Labels::Type::kFloat: out.floats.push_back(l.floats[k]); break;
      case Labels::Type::kString: out.strings.push_back(l.strings[k]); break;
    }
  }
  return out;
}

void ReadTreeClasses(const Fields& f, TreeForest* e) {
  std::int64_t n_outputs = f.Has("n_outputs_") ? f.Int("n_outputs_") : 1;
  if (n_outputs < 1) f.Fail("n_outputs_", fmt::format("is {}", n_outputs));
  e->n_outputs = static_cast<std::size_t>(n_outputs);
  const Value& classes = f.Get("classes_");
  if (n_outputs == 1) {
    e->output_classes = {f.GetLabels("classes_")};
  } else {
    if ((classes.kind != Kind::kList && classes.kind != Kind::kTuple) || classes.items.size() != e->n_outputs) {
      f.Fail("classes_", fmt::format("expected a list of {} class arrays (one per output)", n_outputs));
    }
    for (std::size_t o = 0; o < e->n_outputs; ++o) {
      e->output_classes.push_back(ToLabels(*classes.items[o], fmt::format("{}[{}]", f.At("classes_"), o)));
    }
  }
  e->n_classes.clear();
  for (const Labels& l : e->output_classes) {
    if (l.size() == 0) f.Fail("classes_", "is empty");
    e->n_classes.push_back(l.size());
  }
  if (n_outputs == 1) e->classes = e->output_classes[0];
}

void BuildTreeForest(TreeForest* e, const std::vector<DecodedTree>& trees, const Fields& f) {
  if (trees.empty()) f.Fail("estimators_", "is empty");
  e->n_trees = trees.size();
  if (!e->classifier) {
    e->n_classes.assign(e->n_outputs, 1);
  }
  e->width = 0;
  for (std::size_t k : e->n_classes) e->width += e->classifier ? k : 1;
  e->allow_nan = true;
  for (std::size_t i = 0; i < trees.size(); ++i) {
    const kernels::TreeModel& t = trees[i].tree;
    std::string where = e->single_tree ? f.At("tree_") : fmt::format("{}[{}].tree_", f.At("estimators_"), i);
    if (e->input.n_features && t.n_features != e->input.n_features) {
      throw Error::InvalidModel(fmt::format("{}: has {} features, the estimator {}", where, t.n_features, e->input.n_features));
    }
    if (t.n_outputs != e->n_outputs) {
      throw Error::InvalidModel(fmt::format("{}: has {} outputs, the estimator {}", where, t.n_outputs, e->n_outputs));
    }
    for (std::size_t o = 0; o < e->n_outputs; ++o) {
      if (static_cast<std::size_t>(t.n_classes[o]) != e->n_classes[o]) {
        throw Error::InvalidModel(fmt::format("{}: output {} has {} classes, the estimator {}", where, o, t.n_classes[o], e->n_classes[o]));
      }
    }
    e->allow_nan &= t.has_missing_go_to_left;
    const bool counts = TreeValuesAreCounts(trees[i].version, e->classifier);
    std::vector<double> leaf(t.node_count * e->width, 0.0);
    std::vector<double> arg(e->single_tree && e->classifier ? t.node_count * e->n_outputs : 0, 0.0);
    for (std::size_t n = 0; n < t.node_count; ++n) {
      if (!t.is_leaf(n)) continue;
      const double* v = t.value(n);
      double* out = leaf.data() + n * e->width;
      for (std::size_t o = 0; o < e->n_outputs; ++o) {
        const double* vo = v + o * t.max_n_classes;
        if (!e->classifier) {
          *out++ = vo[0];
          continue;
        }
        const std::size_t k = e->n_classes[o];
        if (counts) {
          double s = kernels::PairwiseSum(vo, k);
          if (s == 0.0) s = 1.0;
          for (std::size_t j = 0; j < k; ++j) *out++ = vo[j] / s;
        } else {
          for (std::size_t j = 0; j < k; ++j) *out++ = vo[j];
        }
        if (!arg.empty()) {
          // DecisionTreeClassifier.predict: argmax over the stored row (all max_n_classes columns).
          std::size_t best = 0;
          for (std::size_t j = 1; j < t.max_n_classes; ++j) {
            if (vo[j] > vo[best]) best = j;
          }
          if (best >= k) throw Error::InvalidModel(fmt::format("{}.values[{}]: largest value in a padding column", where, n));
          arg[n * e->n_outputs + o] = static_cast<double>(best);
        }
      }
    }
    e->values.Add(t, leaf, e->width, 0);
    if (!arg.empty()) e->argmax.Add(t, arg, e->n_outputs, 0);
  }
}

bool TreeForest::Has(Method m) const {
  switch (m) {
    case Method::kPredict: return true;
    case Method::kPredictProba:
    case Method::kPredictLogProba: return classifier;
    default: return false;
  }
}

std::vector<double> TreeForest::Average(const Float32Input& in) const {
  std::vector<double> out(in.rows * width, 0.0);
  values.Accumulate(in.x.data(), in.rows, in.cols, out.data(), width, in.has_nan);
  if (n_trees != 1) {
    const double n = static_cast<double>(n_trees);
    for (double& v : out) v /= n;
  }
  return out;
}

std::vector<std::string> TreeForest::ProbaColumnNames() const {
  std::vector<std::string> names;
  for (std::size_t o = 0; o < n_outputs; ++o) {
    for (std::size_t j = 0; j < n_classes[o]; ++j) {
      names.push_back(n_outputs == 1 ? output_classes[o].Text(j) : fmt::format("{}:{}", o, output_classes[o].Text(j)));
    }
  }
  return names;
}

Output TreeForest::Run(Method m, const Table& x) const {
  if (!Has(m)) Unsupported(m);
  Float32Input in = TreeInput(*this, x, allow_nan);
  const std::size_t rows = in.rows;
  if (!classifier) {
    return NumericOutput(rows, n_outputs > 1 ? n_outputs : 0, Average(in));
  }
  if (m == Method::kPredict) {
    std::vector<std::size_t> idx(rows * n_outputs);
    if (single_tree) {
      std::vector<double> a(rows * n_outputs, 0.0);
      argmax.Accumulate(in.x.data(), rows, in.cols, a.data(), n_outputs, in.has_nan);
      for (std::size_t i = 0; i < a.size(); ++i) idx[i] = static_cast<std::size_t>(a[i]);
    } else {
      std::vector<double> p = Average(in);
      for (std::size_t r = 0; r < rows; ++r) {
        const double* pr = p.data() + r * width;
        for (std::size_t o = 0; o < n_outputs; ++o) {
          std::size_t best = 0;
          for (std::size_t j = 1; j < n_classes[o]; ++j) {
            if (pr[j] > pr[best]) best = j;  // first maximum, as numpy.argmax
          }
          idx[r * n_outputs + o] = best;
          pr += n_classes[o];
        }
      }
    }
    Output o;
    o.rows = rows;
    o.cols = n_outputs > 1 ? n_outputs : 0;
    o.labels = PickLabels(output_classes, idx, n_outputs);
    return o;
  }
  std::vector<double> p = Average(in);
  if (m == Method::kPredictLogProba) {
    for (double& v : p) v = std::log(v);
  }
  Output o = NumericOutput(rows, width, std::move(p));
  o.column_names = ProbaColumnNames();
  return o;
}

namespace {

std::shared_ptr<Estimator> DecodeSingleTree(Fields& f, bool classifier) {
  auto e = std::make_shared<TreeForest>();
  f.ReadCommon(e.get(), false);
  e->classifier = classifier;
  e->single_tree = true;
  if (classifier) {
    ReadTreeClasses(f, e.get());
  } else {
    e->n_outputs = f.Has("n_outputs_") ? static_cast<std::size_t>(f.Int("n_outputs_")) : 1;
  }
  DecodedTree d;
  d.tree = DecodeTreeOf(f);
  d.version = f.version();
  d.class_name = std::string(f.object().Class() ? f.object().Class()->name : "");
  if (!e->input.n_features) e->input.n_features = d.tree.n_features;
  BuildTreeForest(e.get(), {d}, f);
  return e;
}

}  // namespace

std::shared_ptr<Estimator> DecodeDecisionTreeClassifier(Fields& f) { return DecodeSingleTree(f, true); }
std::shared_ptr<Estimator> DecodeDecisionTreeRegressor(Fields& f) { return DecodeSingleTree(f, false); }

}  // namespace skbridge::est
