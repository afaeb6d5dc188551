// skbridge port, trees: node records with 7 <-> 8 fields (missing_go_to_left), classifier values
// counts -> fractions.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- 3. trees --------------------------------------------------------------------------------

void Porter::Trees() {
  bool target8 = *target_.sklearn >= Version{1, 3, 0};
  bool target_fractions = *target_.sklearn >= Version{1, 4, 0};
  std::map<const Value*, const Obj*> parent_of;  // Tree object -> its estimator
  for (const auto& o : objects_) {
    if (!o.state) continue;
    const Value* t = o.state->Get("tree_");
    if (t && t->kind == Kind::kObject) parent_of[t] = &o;
  }
  int relayout = 0, normalised = 0;
  std::string first_relayout, first_norm;
  for (const auto& o : objects_) {
    if (!o.class_path.ends_with("._tree.Tree")) continue;
    if (!o.state) continue;
    const Value* nodes = o.state->Get("nodes");
    if (!nodes || nodes->kind != Kind::kArray || !nodes->array->dtype.IsStructured()) continue;
    const NdArray& a = *nodes->array;
    bool has8 = a.dtype.Field("missing_go_to_left") != nullptr;
    auto p = parent_of.find(o.object);
    const Obj* parent = p == parent_of.end() ? nullptr : p->second;
    if (has8 != target8) {
      Set(o.state, "nodes", ArrayValue(has8 ? Drop8(a, o.path, RandomSplitterFlags(parent)) : Add8(a)));
      if (relayout++ == 0) first_relayout = o.path;
    }
    bool classifier = parent && parent->class_path.ends_with("TreeClassifier");
    if (classifier && target_fractions && WrittenBy(parent) < Version{1, 4, 0}) {
      const Value* values = o.state->Get("values");
      if (!values || values->kind != Kind::kArray) throw Error::Unsupported(o.path + ": tree without a values array");
      Set(o.state, "values", ArrayValue(Normalise(*values->array, o.path)));
      if (normalised++ == 0) first_norm = o.path;
    }
  }
  if (relayout) {
    Change(first_relayout, fmt::format("tree nodes {} -> {} fields ({}){}", target8 ? 7 : 8, target8 ? 8 : 7,
                                       target8 ? "missing_go_to_left=0 added" : "missing_go_to_left dropped",
                                       relayout > 1 ? fmt::format(", and {} more trees", relayout - 1) : ""));
  }
  if (relayout && !target8) {
    // Drop8 refused every tree that learned where NaN goes; the rest send NaN to the child with
    // more training samples, which a tree before 1.3 cannot do: it rejects NaN input instead.
    report_.restrictions.push_back(fmt::format("rows with missing values (NaN): the original's trees route them to the larger child; "
                                               "scikit-learn {} rejects NaN input (ValueError) — every other row predicts the same",
                                               target_.sklearn->Str()));
  }
  if (normalised) {
    Change(first_norm, fmt::format("tree values: class counts -> fractions (scikit-learn >= 1.4 semantics){}",
                                   normalised > 1 ? fmt::format(", and {} more trees", normalised - 1) : ""));
  }
}

// 8 -> 7 fields. scikit-learn >= 1.3 routes NaN at a split node by missing_go_to_left. When the
// node saw no missing values in training, the flag is set by a fixed rule: the child with more
// training samples (missing_go_to_left = n_left > n_right, _splitter.pyx). A flag that breaks that
// rule was learned from missing values: the model was fitted with NaN and relies on routing it,
// which a 7-field tree cannot express (before 1.3 trees reject NaN at predict) -> refuse. A flag
// that follows the rule carries no learned information; the 7-field tree predicts identically on
// every finite input, and the target rejects NaN inputs with an error rather than answering
// differently.
//
// Extra-trees (splitter 'random') written by 1.3-1.5 are the exception: their RandomSplitter never
// sets the flag (0 on every node: measured on the 1.4.2 fixtures) and those versions reject NaN
// input for them (_classes.py _more_tags: allow_nan only for splitter 'best'; missing-value support
// for extra-trees came in 1.6), so their flags carry nothing and are dropped unchecked.
bool Porter::RandomSplitterFlags(const Obj* tree_estimator) const {
  const Value* splitter = tree_estimator && tree_estimator->state ? tree_estimator->state->Get("splitter") : nullptr;
  return splitter && splitter->is_text() && splitter->text == "random" && WrittenBy(tree_estimator) < Version{1, 6, 0};
}

std::shared_ptr<NdArray> Porter::Drop8(const NdArray& a, const std::string& path, bool meaningless_flags) {
  const DTypeField* m = a.dtype.Field("missing_go_to_left");
  const DTypeField* left = a.dtype.Field("left_child");
  const DTypeField* right = a.dtype.Field("right_child");
  const DTypeField* count = a.dtype.Field("n_node_samples");
  if (m->type.itemsize != 1 || !left || left->type.itemsize != 8 || !right || right->type.itemsize != 8 || !count || count->type.itemsize != 8) throw Error::Unsupported(path + ": unexpected tree node dtype");
  auto out = CopyHeader(a);
  out->dtype = a.dtype;
  std::erase_if(out->dtype.fields, [](const DTypeField& f) { return f.name == "missing_go_to_left"; });
  std::int64_t size = 0;
  for (const auto& f : out->dtype.fields) size = std::max(size, f.offset + f.type.itemsize);
  if (m->offset < size) throw Error::Unsupported(path + ": missing_go_to_left is not the last node field");
  out->dtype.itemsize = size;
  std::int64_t n = a.size();
  Allocate(out.get(), static_cast<std::size_t>(n * size));
  auto* dst = const_cast<std::byte*>(out->data);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::byte* rec = a.data + i * a.dtype.itemsize;
    std::int64_t left_child, right_child;
    std::memcpy(&left_child, rec + left->offset, 8);
    std::memcpy(&right_child, rec + right->offset, 8);
    auto go_left = static_cast<std::uint8_t>(rec[m->offset]);
    if (!meaningless_flags && left_child >= 0 && right_child >= 0 && left_child < n && right_child < n) {
      std::int64_t nl, nr;
      std::memcpy(&nl, a.data + left_child * a.dtype.itemsize + count->offset, 8);
      std::memcpy(&nr, a.data + right_child * a.dtype.itemsize + count->offset, 8);
      if ((go_left != 0) != (nl > nr)) {
        throw Error::Unsupported(fmt::format("{}: node {} routes missing values (NaN) {} although its {} child had more training "
                                             "samples: the tree was fitted with missing values, which trees before scikit-learn 1.3 "
                                             "cannot route (tree nodes 8 -> 7 fields)",
                                             path, i, go_left ? "left" : "right", go_left ? "right" : "left"));
      }
    }
    std::memcpy(dst + i * size, rec, static_cast<std::size_t>(size));
  }
  return out;
}

// 7 -> 8 fields: a tree from before 1.3 never saw missing values, so each split node gets the
// flag the 1.3+ splitters record for a node without them: n_left > n_right (_splitter.pyx; for
// extra-trees from 1.6). A learned-looking flag would also make the doctor think it saw NaN.
std::shared_ptr<NdArray> Porter::Add8(const NdArray& a) {
  const DTypeField* left = a.dtype.Field("left_child");
  const DTypeField* right = a.dtype.Field("right_child");
  const DTypeField* count = a.dtype.Field("n_node_samples");
  auto out = CopyHeader(a);
  out->dtype = a.dtype;
  std::int64_t old = a.dtype.itemsize;
  DTypeField f;
  f.name = "missing_go_to_left";
  f.type.kind = DTypeKind::kUInt;
  f.type.itemsize = 1;
  f.type.byteorder = '|';
  f.offset = old;
  out->dtype.fields.push_back(f);
  out->dtype.itemsize = old + 8;  // numpy pads the record to the 8-byte alignment of the struct
  std::int64_t n = a.size();
  Allocate(out.get(), static_cast<std::size_t>(n * out->dtype.itemsize));
  auto* dst = const_cast<std::byte*>(out->data);
  for (std::int64_t i = 0; i < n; ++i) {
    std::byte* rec = dst + i * out->dtype.itemsize;
    std::memcpy(rec, a.data + i * old, static_cast<std::size_t>(old));
    if (!left || !right || !count || left->type.itemsize != 8 || right->type.itemsize != 8 || count->type.itemsize != 8) continue;
    std::int64_t l, r, nl, nr;
    std::memcpy(&l, rec + left->offset, 8);
    std::memcpy(&r, rec + right->offset, 8);
    if (l < 0 || r < 0 || l >= n || r >= n) continue;
    std::memcpy(&nl, a.data + l * old + count->offset, 8);
    std::memcpy(&nr, a.data + r * old + count->offset, 8);
    rec[f.offset] = std::byte{nl > nr ? std::uint8_t{1} : std::uint8_t{0}};
  }
  return out;
}

std::shared_ptr<NdArray> Porter::Normalise(const NdArray& a, const std::string& path) {
  if (a.dtype.kind != DTypeKind::kFloat || a.dtype.itemsize != 8 || a.ndim() != 3 || a.fortran_order) {
    throw Error::Unsupported(path + ": tree values are not a C-ordered float64 (nodes, outputs, classes) array");
  }
  auto out = CopyHeader(a);
  out->dtype = a.dtype;
  Allocate(out.get(), a.nbytes);
  auto src = a.view<double>();
  auto* dst = reinterpret_cast<double*>(const_cast<std::byte*>(out->data));
  std::int64_t rows = a.shape[0] * a.shape[1], k = a.shape[2];
  for (std::int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (std::int64_t c = 0; c < k; ++c) sum += src[r * k + c];
    for (std::int64_t c = 0; c < k; ++c) dst[r * k + c] = sum > 0 ? src[r * k + c] / sum : src[r * k + c];
  }
  return out;
}

}  // namespace skbridge::port_detail
