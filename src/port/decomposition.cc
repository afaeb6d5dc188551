// skbridge port, NMF: alpha (0.23) <-> alpha_W (1.0+).
#include <fmt/format.h>

#include <cmath>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- NMF ------------------------------------------------------------------------------------
//
// transform solves for W with H = components_ fixed. 0.23 (_nmf.py _compute_regularization with
// regularization='both') penalises W by alpha * l1_ratio and alpha * (1 - l1_ratio); 1.0+
// (NMF._compute_regularization) by n_features * alpha_W * l1_ratio and n_features * alpha_W *
// (1 - l1_ratio), evaluated left to right. Both compute the same penalties exactly when
// n_features * alpha_W == alpha in floating point; W's initialisation and the solvers are the
// same (_check_w_h / non_negative_factorization: zeros for cd, sqrt(mean / k) for mu).

/// components_ columns (n_features), or 0.
std::int64_t Porter::NmfFeatures(const Obj& o) {
  const Value* c = o.state->Get("components_");
  return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? c->array->shape[1] : 0;
}

/// 1.0+ alpha_W for a 0.23 alpha: a double a with n_features * a == alpha exactly.
const Value* Porter::NmfAlphaW(const Obj& o) {
  auto alpha = AsReal(o.state->Get("alpha"));
  std::int64_t n = NmfFeatures(o);
  if (!alpha || n <= 0) return nullptr;
  const double nf = static_cast<double>(n), guess = *alpha / nf;
  for (double a : {guess, std::nextafter(guess, -INFINITY), std::nextafter(guess, INFINITY)}) {
    if (nf * a == *alpha) return Float(a);
  }
  throw Error::Unsupported(fmt::format("{}: NMF alpha={} has no alpha_W with {} * alpha_W == alpha exactly; scikit-learn >= 1.0 "
                                       "scales W's penalty by n_features, so transform would solve a different problem",
                                       o.path, *alpha, n));
}

/// 0.23 alpha for a 1.0+ alpha_W: n_features * alpha_W (the penalty 1.0+ applied to W).
const Value* Porter::NmfAlpha(const Obj& o) {
  auto alpha_w = AsReal(o.state->Get("alpha_W"));
  std::int64_t n = NmfFeatures(o);
  if (!alpha_w || n <= 0) return nullptr;
  return Float(static_cast<double>(n) * *alpha_w);
}

}  // namespace skbridge::port_detail
