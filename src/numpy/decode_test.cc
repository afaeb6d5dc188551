// numpy arrays that numpy 2 pickles (protocol 5) in 'K' order with an axis_order: the values must
// equal the same array read from the joblib file of the same model.
#include <gtest/gtest.h>

#include <filesystem>

#include "skbridge/reader.h"
#include "skbridge/value.h"

namespace skbridge {
namespace {

const NdArray* Attribute(const ModelFile& f, std::string_view name) {
  const Value* state = f.graph.root->State();
  const Value* v = state ? state->Get(name) : nullptr;
  return v && v->kind == Kind::kArray ? v->array.get() : nullptr;
}

std::vector<double> CValues(const NdArray& a) {
  // Both files decode to C-ordered float64 or to Fortran order; normalise to C order.
  std::vector<double> out(static_cast<std::size_t>(a.size()));
  auto v = a.view<double>();
  if (!a.fortran_order || a.ndim() < 2) return {v.begin(), v.end()};
  std::vector<std::int64_t> idx(a.ndim(), 0);
  for (std::size_t c = 0; c < out.size(); ++c) {
    std::int64_t f = 0, stride = 1;
    for (std::size_t d = 0; d < a.ndim(); ++d) f += idx[d] * stride, stride *= a.shape[d];
    out[c] = v[static_cast<std::size_t>(f)];
    for (std::size_t d = a.ndim(); d-- > 0;) {
      if (++idx[d] < a.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

TEST(NumpyKOrder, FrombufferWithAxisOrderEqualsTheJoblibArray) {
  auto dir = std::filesystem::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures" / "1.9.0";
  if (!std::filesystem::exists(dir / "ElasticNetCV.p5.pkl")) GTEST_SKIP() << "fixture absent";
  ModelFile p5 = ReadModelFile((dir / "ElasticNetCV.p5.pkl").string());
  ModelFile jl = ReadModelFile((dir / "ElasticNetCV.joblib").string());
  const NdArray* a = Attribute(p5, "mse_path_");
  const NdArray* b = Attribute(jl, "mse_path_");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->shape, b->shape);
  EXPECT_EQ(a->ndim(), 3u);
  EXPECT_EQ(CValues(*a), CValues(*b));
}

}  // namespace
}  // namespace skbridge
