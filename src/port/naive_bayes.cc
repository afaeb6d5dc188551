// skbridge port, CategoricalNB: n_categories_ of a 0.23 model.
#include <cstring>

#include "port/porter.h"

namespace skbridge::port_detail {

// ---- CategoricalNB ----------------------------------------------------------------------------

/// 1.0+ n_categories_ of a 0.23 model: 0.23 fit sized feature_log_prob_[i] (n_classes, X[:, i].max()
/// + 1), which 1.0+ fit records as n_categories_[i] (int64, _validate_n_categories without
/// min_categories).
const Value* Porter::CategoricalNbCounts(const Obj& o) {
  const Value* logp = o.state->Get("feature_log_prob_");
  if (!logp || (logp->kind != Kind::kList && logp->kind != Kind::kTuple) || logp->items.empty()) return nullptr;
  std::vector<std::int64_t> counts;
  for (const Value* f : logp->items) {
    if (f->kind != Kind::kArray || f->array->ndim() != 2) return nullptr;
    counts.push_back(f->array->shape[1]);
  }
  auto a = std::make_shared<NdArray>();
  a->dtype.kind = DTypeKind::kInt;
  a->dtype.itemsize = 8;
  a->shape = {static_cast<std::int64_t>(counts.size())};
  Allocate(a.get(), counts.size() * sizeof(std::int64_t));
  std::memcpy(const_cast<std::byte*>(a->data), counts.data(), counts.size() * sizeof(std::int64_t));
  return ArrayValue(a);
}

}  // namespace skbridge::port_detail
