// skbridge port, NearestCentroid: whether its class priors are uniform (see RefuseLostBehaviour).
#include <cmath>

#include "port/porter.h"

namespace skbridge::port_detail {

// ---- NearestCentroid -------------------------------------------------------------------------

/// 1.5+ predict takes the plain nearest centroid when np.isclose(class_prior_, 1 / n_classes)
/// (rtol 1e-5, atol 1e-8) holds for every class (1.9 _nearest_centroid.py predict).
bool Porter::NearestCentroidUniform(const Obj& o) {
  const Value* p = o.state ? o.state->Get("class_prior_") : nullptr;
  if (!p) return true;  // before 1.5: no priors
  if (p->kind != Kind::kArray || p->array->ndim() != 1 || p->array->dtype.kind != DTypeKind::kFloat || p->array->dtype.itemsize != 8 ||
      p->array->size() == 0)
    return false;
  auto v = p->array->view<double>();
  const double uniform = 1.0 / static_cast<double>(p->array->size());
  for (std::int64_t i = 0; i < p->array->size(); ++i) {
    if (!(std::abs(v[i] - uniform) <= 1e-8 + 1e-5 * uniform)) return false;
  }
  return true;
}

}  // namespace skbridge::port_detail
