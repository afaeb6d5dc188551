// skbridge port, ensembles: AdaBoostClassifier SAMME across 1.4, IsolationForest per-tree
// precomputations.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- AdaBoostClassifier: SAMME across 1.4 --------------------------------------------------------
//
// decision_function is sum_m w_m * vote_m(x) / sum_m w_m (estimator_weights_ w). SAMME's vote for
// a sample whose tree m predicts class c was w for c and 0 for the others up to 1.3; from 1.4 it
// is w for c and -w/(K-1) for the others (_weight_boosting.py decision_function). SAMME.R (which
// < 1.6 offers) instead adds (K-1) (log p - mean log p) of each tree's predict_proba p. A >= 1.4
// SAMME model is therefore rebuilt for an older target as SAMME.R whose trees predict, at every
// node, p = softmax(u) with u_k = w (1 for the node's predicted class c, -1/(K-1) for the others)
// / (K-1): then (K-1)(log p - mean log p) is exactly the new vote (u has mean 0), so the target's
// decision_function, predict, predict_proba and staged outputs are the source's. The trees still
// predict class c. The other way (a <= 1.3 SAMME model into >= 1.4) has no such rewrite: 1.9 has
// only SAMME, whose votes cannot express the old ones with the same estimators.
void Porter::AdaBoostSamme() {
  const Version tgt = *target_.sklearn;
  for (const auto& o : objects_) {
    if (!o.state || ShortName(o.class_path) != "AdaBoostClassifier" || !o.state->Get("estimators_")) continue;
    const Version written = WrittenBy(&o);
    const Value* alg = o.state->Get("algorithm");
    // 1.6-1.8 hold algorithm='deprecated', 1.9 none: SAMME either way
    bool samme = written >= Version{1, 6, 0} || !alg || (alg->is_text() && alg->text == "SAMME");
    bool src_new = written >= Version{1, 4, 0}, tgt_new = tgt >= Version{1, 4, 0};
    if (!samme || src_new == tgt_new) continue;
    if (!src_new) continue;  // <= 1.3 SAMME into 1.4+: the doctor's silent-changes rule refuses it (stage 1)
    SammeAsSammeR(o);
  }
}

void Porter::SammeAsSammeR(const Obj& o) {
  const Value* k_value = o.state->Get("n_classes_");
  const Value* est = o.state->Get("estimators_");
  const Value* weights = o.state->Get("estimator_weights_");
  if (!k_value || k_value->kind != Kind::kInt || k_value->integer < 2 || !est || est->kind != Kind::kList || !weights ||
      weights->kind != Kind::kArray || weights->array->dtype.kind != DTypeKind::kFloat || weights->array->dtype.itemsize != 8 ||
      weights->array->ndim() != 1 || weights->array->size() < static_cast<std::int64_t>(est->items.size())) {
    throw Error::Unsupported(o.path + ": AdaBoostClassifier without n_classes_ / a list of estimators_ / float64 estimator_weights_");
  }
  const std::int64_t k = k_value->integer;
  const double km1 = static_cast<double>(k - 1);
  auto w = weights->array->view<double>();
  // the steepest vote must keep p above the float64 eps that _samme_proba clips at: scale every
  // weight alike (decision_function divides by their sum) when a vote would be steeper than e^30
  double steepest = 0;
  for (std::size_t m = 0; m < est->items.size(); ++m) steepest = std::max(steepest, std::abs(w[m]) * static_cast<double>(k) / (km1 * km1));
  const double scale = steepest > 30 ? 30 / steepest : 1.0;
  for (std::size_t m = 0; m < est->items.size(); ++m) {
    const Value* e = est->items[m];
    const std::string epath = e->GlobalPath();
    std::string_view ecls = ShortName(epath);
    const Value* tree = StateOf(e) ? StateOf(e)->Get("tree_") : nullptr;
    Value* tree_state = Mut(StateOf(tree));
    const Value* values = tree_state ? tree_state->Get("values") : nullptr;
    if ((ecls != "DecisionTreeClassifier" && ecls != "ExtraTreeClassifier") || !values || values->kind != Kind::kArray ||
        values->array->dtype.kind != DTypeKind::kFloat || values->array->dtype.itemsize != 8 || values->array->ndim() != 3 ||
        values->array->shape[1] != 1 || values->array->shape[2] != k || values->array->fortran_order) {
      throw Error::Unsupported(fmt::format("{}.estimators_[{}]: a {} (not a single-output classification tree over the {} classes): "
                                           "SAMME votes can be rewritten as SAMME.R probabilities only in tree leaves",
                                           o.path, m, e->Repr(), k));
    }
    auto out = CopyHeader(*values->array);
    out->dtype = values->array->dtype;
    Allocate(out.get(), values->array->nbytes);
    auto src = values->array->view<double>();
    auto* dst = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
    const double wm = w[m] * scale;
    for (std::int64_t r = 0; r < values->array->shape[0]; ++r) {
      const double* row = &src[static_cast<std::size_t>(r * k)];
      std::int64_t c = std::max_element(row, row + k) - row;  // the tree's prediction: the first largest
      // softmax of u_k = wm * (k == c ? 1 : -1/(K-1)) / (K-1), shifted by its largest entry
      double top = std::max(wm, -wm / km1) / km1, sum = 0;
      for (std::int64_t j = 0; j < k; ++j) sum += dst[r * k + j] = std::exp(wm * (j == c ? 1.0 : -1.0 / km1) / km1 - top);
      for (std::int64_t j = 0; j < k; ++j) dst[r * k + j] /= sum;
    }
    Set(tree_state, "values", ArrayValue(out));
  }
  if (scale != 1.0) {
    std::vector<double> scaled(w.begin(), w.end());
    for (double& x : scaled) x *= scale;
    Set(o.state, "estimator_weights_", Float64Array(scaled));
  }
  Set(o.state, "algorithm", Str("SAMME.R"));
  Change(o.path, fmt::format("SAMME (scikit-learn >= 1.4 votes) -> SAMME.R: every tree node's values set to the softmax that "
                             "reproduces its vote{}", scale != 1.0 ? fmt::format(" (estimator_weights_ scaled by {})", scale) : ""));
}

// ---- IsolationForest ----------------------------------------------------------------------------
//
// 1.3+ IsolationForest.fit precomputes, per tree and per node, what score_samples used to compute
// from the leaf each sample lands in (<= 1.2: decision_path length + _average_path_length of the
// leaf's n_node_samples): _decision_path_lengths (int64 node depths, the root at 1:
// Tree.compute_node_depths) and _average_path_length_per_tree (float64: 0 for n <= 1, 1 for n = 2,
// else 2 (ln(n - 1) + Euler's gamma) - 2 (n - 1) / n: _iforest.py _average_path_length). Both
// are tuples with one array per estimators_ tree.
const Value* Porter::IforestPerTree(const Obj& o, bool average) {
  const Value* est = o.state->Get("estimators_");
  if (!est || est->kind != Kind::kList) return nullptr;
  Value* out = file_.graph.New(Kind::kTuple);
  for (const Value* e : est->items) {
    const Value* tree = StateOf(e) ? StateOf(e)->Get("tree_") : nullptr;
    const Value* nodes = StateOf(tree) ? StateOf(tree)->Get("nodes") : nullptr;
    if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured()) return nullptr;
    const NdArray& a = *nodes->array;
    const DTypeField* left = a.dtype.Field("left_child");
    const DTypeField* right = a.dtype.Field("right_child");
    const DTypeField* count = a.dtype.Field("n_node_samples");
    if (!left || !right || !count || left->type.itemsize != 8 || right->type.itemsize != 8 || count->type.itemsize != 8) return nullptr;
    const std::int64_t n = a.size();
    auto field = [&](std::int64_t i, const DTypeField* f) {
      std::int64_t v;
      std::memcpy(&v, a.data + i * a.dtype.itemsize + f->offset, 8);
      return v;
    };
    auto arr = std::make_shared<NdArray>();
    arr->shape = {n};
    Allocate(arr.get(), static_cast<std::size_t>(n) * 8);
    if (average) {
      arr->dtype = DType{};  // <f8
      auto* d = reinterpret_cast<double*>(const_cast<std::byte*>(arr->data));
      for (std::int64_t i = 0; i < n; ++i) {
        double s = static_cast<double>(field(i, count));
        d[i] = s <= 1 ? 0.0 : s == 2 ? 1.0 : 2.0 * (std::log(s - 1.0) + 0.5772156649015329) - 2.0 * (s - 1.0) / s;
      }
    } else {
      if (!ParseDTypeStr("<i8", &arr->dtype)) return nullptr;
      auto* d = reinterpret_cast<std::int64_t*>(const_cast<std::byte*>(arr->data));
      if (n > 0) d[0] = 1;
      for (std::int64_t i = 0; i < n; ++i) {  // children follow their parent in node order
        std::int64_t l = field(i, left), r = field(i, right);
        if (l < 0) continue;
        if (l <= i || r <= i || l >= n || r >= n) return nullptr;
        d[l] = d[r] = d[i] + 1;
      }
    }
    out->items.push_back(ArrayValue(arr));
  }
  return out;
}

}  // namespace skbridge::port_detail
