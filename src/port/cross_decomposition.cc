// skbridge port, PLSRegression / PLSCanonical / CCA: the four layouts of the fitted model.
#include <fmt/format.h>

#include <cstring>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- PLSRegression / PLSCanonical / CCA ------------------------------------------------------
//
// Four layouts of the same fitted model (A = x_rotations_ @ y_loadings_.T * y_std, (p, q)):
//   0.23     coef_ = A (p, q); x_mean_ / x_std_ / y_mean_ / y_std_; predict ((X - m) / s) @ coef_ + y_mean_
//   1.1-1.2  _coef_ = A.T (q, p); _x_mean / _x_std / _y_mean / _y_std, intercept_ = _y_mean;
//            predict ((X - m) / s) @ _coef_.T + intercept_ (coef_ is a property)
//   1.3-1.4  coef_ = A.T, otherwise as 1.1
//   1.9      coef_ = A.T / _x_std (column j divided by _x_std[j]); predict (X - m) @ coef_.T + intercept_
// (_pls.py of each version). Fit stores A.T as a Fortran-ordered view, so the same buffer serves
// all layouts; 1.9's folding of 1/_x_std differs from dividing X by it in the last bits only.
int Porter::PlsLayout(const Version& v) {
  if (v < Version{1, 1, 0}) return 0;
  if (v < Version{1, 3, 0}) return 1;
  return v <= Version{1, 4, 2} ? 2 : 3;
}

void Porter::Pls(const Obj& o) {
  std::string cls(ShortName(o.class_path));
  if (cls != "PLSRegression" && cls != "PLSCanonical" && cls != "CCA") return;
  const Version written = WrittenBy(&o), tgt = *target_.sklearn;
  const int from = PlsLayout(written), to = PlsLayout(tgt);
  if (from == to) return;
  Value* st = o.state;
  auto refuse = [&](std::string_view why) {
    throw Error::Unsupported(fmt::format("{}: {} (written by {}, target {}): {}", o.path, cls, written.Str(), tgt.Str(), why));
  };
  if (to < 2) {
    const Value* p1d = st->Get("_predict_1d");
    if (p1d && p1d->kind == Kind::kBool && p1d->boolean)
      refuse("fitted on a 1-d y, its predict returns shape (n_samples,) (1.3+ _predict_1d); the target always returns (n_samples, 1)");
  }
  auto stat = [&](const char* old_name, const char* new_name) -> const Value* {
    const Value* v = st->Get(from == 0 ? old_name : new_name);
    if (!v || v->kind != Kind::kArray || v->array->ndim() != 1 || v->array->dtype.kind != DTypeKind::kFloat || v->array->dtype.itemsize != 8)
      refuse(fmt::format("{} is not a float64 vector", from == 0 ? old_name : new_name));
    return v;
  };
  const Value* x_mean = stat("x_mean_", "_x_mean");
  const Value* x_std = stat("x_std_", "_x_std");
  const Value* y_mean = stat("y_mean_", "_y_mean");
  const Value* y_std = stat("y_std_", "_y_std");
  const char* coef_key = from == 1 ? "_coef_" : "coef_";
  const Value* coef = st->Get(coef_key);
  const std::int64_t p = x_mean->array->size(), q = y_mean->array->size();
  if (!coef || coef->kind != Kind::kArray || coef->array->ndim() != 2 || coef->array->dtype.kind != DTypeKind::kFloat ||
      coef->array->dtype.itemsize != 8 || x_std->array->size() != p || y_std->array->size() != q)
    refuse(fmt::format("{} is not a float64 matrix", coef_key));
  const NdArray& c = *coef->array;
  // the element (j, t) of A, whatever the source's shape and memory order
  const bool transposed = from != 0;  // (q, p)
  if (c.shape[0] != (transposed ? q : p) || c.shape[1] != (transposed ? p : q)) refuse(fmt::format("{} has an unexpected shape", coef_key));
  auto cv = c.view<double>();
  auto at = [&](std::int64_t row, std::int64_t col) {
    return c.fortran_order ? cv[col * c.shape[0] + row] : cv[row * c.shape[1] + col];
  };
  auto xs = x_std->array->view<double>();
  std::vector<double> a(static_cast<std::size_t>(p * q));  // A, row-major (p, q)
  for (std::int64_t j = 0; j < p; ++j) {
    for (std::int64_t t = 0; t < q; ++t) {
      double v = transposed ? at(t, j) : at(j, t);
      a[j * q + t] = from == 3 ? v * xs[j] : to == 3 ? v / xs[j] : v;
    }
  }
  auto out = std::make_shared<NdArray>();
  out->dtype = c.dtype;
  Allocate(out.get(), a.size() * sizeof(double));
  std::memcpy(const_cast<std::byte*>(out->data), a.data(), a.size() * sizeof(double));
  if (to == 0) {
    out->shape = {p, q};
  } else {
    out->shape = {q, p};
    out->fortran_order = true;  // A.T as fit stores it
  }
  std::erase_if(st->entries, [](const auto& e) { return e.first->is_text() && (e.first->text == "coef_" || e.first->text == "_coef_"); });
  Set(st, to == 1 ? "_coef_" : "coef_", ArrayValue(out));
  auto copy = [&](const char* to_key, const char* from_key) {
    if (const Value* v = st->Get(from_key); v && !st->Get(to_key)) Set(st, to_key, v);
  };
  if (to == 0) {
    Set(st, "x_mean_", x_mean), Set(st, "x_std_", x_std), Set(st, "y_mean_", y_mean), Set(st, "y_std_", y_std);
    copy("norm_y_weights", "_norm_y_weights");
    copy("x_scores_", "_x_scores"), copy("y_scores_", "_y_scores");
  } else {
    Set(st, "_x_mean", x_mean), Set(st, "_x_std", x_std), Set(st, "_y_mean", y_mean), Set(st, "_y_std", y_std);
    Set(st, "intercept_", y_mean);
    copy("_norm_y_weights", "norm_y_weights");
    copy("_x_scores", "x_scores_"), copy("_y_scores", "y_scores_");
  }
  std::string what = from == 0 || to == 0 ? "coef_ (n_features, n_targets) <-> (n_targets, n_features), statistics renamed" : "coef_ <-> _coef_";
  if (from == 3) what += ", coef_ multiplied by _x_std (scikit-learn <= 1.4 scales X itself)";
  if (to == 3) what += ", coef_ divided by _x_std (scikit-learn > 1.4 folds the scaling in)";
  Change(o.path, fmt::format("PLS layout {} -> {}: {}", written.Str(), tgt.Str(), what));
}

}  // namespace skbridge::port_detail
