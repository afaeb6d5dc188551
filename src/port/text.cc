// skbridge port, TfidfTransformer: _idf_diag (<= 1.4) <-> idf_ and use_idf=False models.
#include <fmt/format.h>

#include <limits>

#include "compat/rules.h"
#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- TfidfTransformer ------------------------------------------------------------------------
//
// Up to 1.4 fit stores the idf weights as _idf_diag = sp.diags(idf, format='csr') (text.py), and
// transform multiplies by it; 1.5+ stores the vector idf_ itself. The diagonal csr matrix is
// rebuilt as scipy pickles it (csr_matrix.__dict__: _shape, maxprint, indices, indptr, data),
// under the csr module path the target's scipy resolves.

Value* Porter::Int32Range(std::int64_t n) {
  auto a = std::make_shared<NdArray>();
  a->dtype.kind = DTypeKind::kInt, a->dtype.itemsize = 4;
  a->shape = {n};
  Allocate(a.get(), static_cast<std::size_t>(n) * 4);
  auto* d = reinterpret_cast<std::int32_t*>(const_cast<std::byte*>(a->data));
  for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<std::int32_t>(i);
  return ArrayValue(a);
}

const Value* Porter::TfidfIdfDiag(const Obj& o) {
  const Value* idf = o.state->Get("idf_");
  if (!idf || idf->kind != Kind::kArray || idf->array->ndim() != 1 || idf->array->dtype.kind != DTypeKind::kFloat) return nullptr;
  const std::int64_t n = idf->array->size();
  if (n > std::numeric_limits<std::int32_t>::max()) return nullptr;
  auto csr = env_->resolves.find("scipy.sparse._csr.csr_matrix");
  std::string_view module = csr != env_->resolves.end() && csr->second ? "scipy.sparse._csr" : "scipy.sparse.csr";
  Value* st = Dict({{"_shape", Tuple({Int(n), Int(n)})}, {"maxprint", Int(50)}, {"indices", Int32Range(n)},
                    {"indptr", Int32Range(n + 1)}, {"data", idf}});
  return NewObj(module, "csr_matrix", st);
}

// A TfidfTransformer fitted with use_idf=False before 1.0 holds no fitted attribute at all
// (0.23 fit stores only _idf_diag, and only with use_idf). 1.5+ transform starts with
// check_is_fitted(self) (1.9 text.py), which needs one; 1.0+ fit records n_features_in_. Inside a
// TfidfVectorizer that count is the vocabulary size; a standalone transformer does not record it.
void Porter::TfidfWithoutIdf(const Obj& o) {
  const Value* use_idf = o.state->Get("use_idf");
  if (*target_.sklearn <= Version{1, 4, 2} || WrittenBy(&o) >= Version{1, 0, 0} || compat::IsFitted(*o.state) ||
      o.state->Get("_idf_diag") || !use_idf || use_idf->kind != Kind::kBool || use_idf->boolean)
    return;
  for (const auto& parent : objects_) {
    const Value* vocabulary = parent.state && parent.state->Get("_tfidf") == o.object ? parent.state->Get("vocabulary_") : nullptr;
    if (vocabulary && vocabulary->kind == Kind::kDict) {
      Set(o.state, "n_features_in_", Int(static_cast<std::int64_t>(vocabulary->entries.size())));
      Change(o.path, "n_features_in_ = the vectorizer's vocabulary size (a use_idf=False transformer held no fitted attribute)");
      return;
    }
  }
  throw Error::Unsupported(fmt::format("{}: a TfidfTransformer fitted with use_idf=False by scikit-learn {} holds no fitted attribute; "
                                       "scikit-learn {} transform requires one (check_is_fitted), and the feature count n_features_in_ "
                                       "it would record is not in the file", o.path, WrittenBy(&o).Str(), target_.sklearn->Str()));
}

}  // namespace skbridge::port_detail
