// Times skbridge's C++ API on a model: single-row predict_proba latency (median of many calls) and
// 100k-row throughput (best and median of 30 calls), in the format bench/predict.sh compares with scikit-learn.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "skbridge/model.h"
#include "skbridge/table_io.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: predict_model NAME MODEL ROWS\n");
    return 2;
  }
  auto model = skbridge::Model::Load(argv[2]);
  skbridge::Table rows = skbridge::ReadTableFile(argv[3]);
  std::vector<std::size_t> first = {0};
  skbridge::Table one;
  if (rows.is_dense()) {
    one = skbridge::Table::Dense(1, rows.cols, std::vector<double>(rows.dense.begin(), rows.dense.begin() + static_cast<long>(rows.cols)),
                                 rows.names);
  } else {
    one = rows;
    one.rows = 1;
    for (auto& c : one.columns) {
      if (c.is_string) {
        c.strings.resize(1);
        c.missing.resize(1);
      } else {
        c.numbers.resize(1);
      }
    }
  }
  std::vector<double> lat;
  for (int i = 0; i < 20000; ++i) {
    auto t = Clock::now();
    auto out = model->Run(skbridge::Method::kPredictProba, one);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (out.rows != 1) return 1;
  }
  // Batch: best of `runs` calls (default 30; the machine is shared, so the best run is the one
  // least disturbed by others), median printed too.
  const int runs = argc > 4 ? std::atoi(argv[4]) : 30;
  std::vector<double> batch;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    auto out = model->Run(skbridge::Method::kPredictProba, rows);
    batch.push_back(std::chrono::duration<double>(Clock::now() - t).count());
  }
  std::sort(lat.begin(), lat.end());
  std::sort(batch.begin(), batch.end());
  std::printf("%s skbridge_single_us=%.2f skbridge_rows_per_s=%.0f skbridge_median_rows_per_s=%.0f\n", argv[1], lat[lat.size() / 2],
              rows.rows / batch.front(), rows.rows / batch[batch.size() / 2]);
}
