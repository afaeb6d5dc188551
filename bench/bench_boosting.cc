// Boosting benchmark (issue 5), skbridge side: GradientBoostingRegressor (300 trees, depth 3) and
// HistGradientBoostingClassifier (200 iterations) written by scikit-learn 1.9 (bench/boosting_models.py),
// scored on 100,000 x 20 rows: batch predict with 1 and 2 threads, single-row predict latency, load.
// bench/boosting.sh runs this next to scikit-learn's own timings and prints the ratios.
//
//   bench_boosting [--dir DIR] [google-benchmark flags]     DIR defaults to bench/.cache
//   bench_boosting --load-only FILE                         loads FILE once, prints load time and peak RSS
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "io/io.h"
#include "kernels/tree.h"
#include "skbridge/model.h"

namespace {

std::string g_dir = "bench/.cache";

skbridge::Table& Rows() {
  static skbridge::Table t = [] {
    auto a = skbridge::io::ReadNpyFile(g_dir + "/boost_X.npy");
    auto rows = static_cast<std::size_t>(a->shape.at(0)), cols = static_cast<std::size_t>(a->shape.at(1));
    std::vector<double> v(rows * cols);
    std::memcpy(v.data(), a->data, v.size() * sizeof(double));
    return skbridge::Table::Dense(rows, cols, std::move(v));
  }();
  return t;
}

std::shared_ptr<const skbridge::Model> LoadModel(const std::string& name) {
  skbridge::ReadOptions o;
  o.compute_sha256 = false;
  return skbridge::Model::Load(g_dir + "/" + name + ".joblib", o);
}

const std::shared_ptr<const skbridge::Model>& Gbr() {
  static auto m = LoadModel("gbr300");
  return m;
}
const std::shared_ptr<const skbridge::Model>& Hgb() {
  static auto m = LoadModel("hgbc200");
  return m;
}

void Batch(benchmark::State& state, const skbridge::Model& m) {
  skbridge::kernels::SetDefaultThreads(static_cast<std::size_t>(state.range(0)));
  const skbridge::Table& x = Rows();
  for (auto _ : state) {
    skbridge::Output o = m.Run(skbridge::Method::kPredict, x);
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.rows));
}

void SingleRow(benchmark::State& state, const skbridge::Model& m) {
  skbridge::kernels::SetDefaultThreads(1);
  const skbridge::Table& all = Rows();
  std::vector<skbridge::Table> rows;
  for (std::size_t i = 0; i < 256; ++i) {
    rows.push_back(skbridge::Table::Dense(1, all.cols, std::vector<double>(all.dense.begin() + i * all.cols, all.dense.begin() + (i + 1) * all.cols)));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    skbridge::Output o = m.Run(skbridge::Method::kPredict, rows[i++ & 255]);
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_GBR_Batch(benchmark::State& s) { Batch(s, *Gbr()); }
void BM_GBR_SingleRow(benchmark::State& s) { SingleRow(s, *Gbr()); }
void BM_HGBC_Batch(benchmark::State& s) { Batch(s, *Hgb()); }
void BM_HGBC_SingleRow(benchmark::State& s) { SingleRow(s, *Hgb()); }
void BM_GBR_Load(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(LoadModel("gbr300"));
}
void BM_HGBC_Load(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(LoadModel("hgbc200"));
}

BENCHMARK(BM_GBR_Batch)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GBR_SingleRow)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GBR_Load)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HGBC_Batch)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HGBC_SingleRow)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HGBC_Load)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--load-only") == 0) {
    auto t0 = std::chrono::steady_clock::now();
    skbridge::ReadOptions o;
    o.compute_sha256 = false;
    auto m = skbridge::Model::Load(argv[2], o);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("skbridge load_s=%.4f peak_rss_mb=%.1f\n", s, ru.ru_maxrss / 1024.0);
    return 0;
  }
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      g_dir = argv[++i];
      continue;
    }
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
