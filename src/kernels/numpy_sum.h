// numpy's float64 sum of a contiguous vector (pairwise summation, as numpy's add.reduce does):
// a plain loop below 8 elements, eight accumulators up to 128, halves (multiples of 8) above.
// Every kernel that must reproduce a numpy .sum() bit for bit uses this one.
#pragma once

#include <cstddef>

namespace skbridge::kernels {

double NumpySum(const double* a, std::size_t n);

}  // namespace skbridge::kernels
