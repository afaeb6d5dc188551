#include "kernels/preprocessing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace skbridge::kernels {

int VersionNumber(std::string_view version) {
  int parts[3] = {0, 0, 0};
  std::size_t i = 0;
  for (int p = 0; p < 3; ++p) {
    if (i >= version.size() || version[i] < '0' || version[i] > '9') {
      if (p == 0) return 0;
      break;
    }
    int v = 0;
    while (i < version.size() && version[i] >= '0' && version[i] <= '9') v = v * 10 + (version[i++] - '0');
    parts[p] = std::min(v, 99);
    if (i < version.size() && version[i] == '.') ++i;
    else break;
  }
  return Version(parts[0], parts[1], parts[2]);
}

namespace {

// Cephes polevl / p1evl: Horner's scheme; p1evl has an implicit leading coefficient 1.
double Polevl(double x, const double* coef, int n) {
  double ans = coef[0];
  for (int i = 1; i <= n; ++i) ans = ans * x + coef[i];
  return ans;
}
double P1evl(double x, const double* coef, int n) {
  double ans = x + coef[0];
  for (int i = 1; i < n; ++i) ans = ans * x + coef[i];
  return ans;
}

// Coefficients of Cephes ndtri (Moshier), as scipy ships them.
constexpr double kS2Pi = 2.50662827463100050242E0;  // sqrt(2 pi)
constexpr double kP0[5] = {-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1,
                           1.39312609387279679503E1, -1.23916583867381258016E0};
constexpr double kQ0[8] = {1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1,
                           -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1,
                           1.59056225126211695515E1, -1.18331621121330003142E0};
constexpr double kP1[9] = {4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1,
                           4.40805073893200834700E1, 1.46849561928858024014E1, 2.18663306850790267539E0,
                           -1.40256079171354495875E-1, -3.50424626827848203418E-2, -8.57456785154685413611E-4};
constexpr double kQ1[8] = {1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1,
                           1.50425385692907503408E1, 2.50464946208309415979E0, -1.42182922854787788574E-1,
                           -3.80806407691578277194E-2, -9.33259480895457427372E-4};
constexpr double kP2[9] = {3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0,
                           1.33303460815807542389E0, 2.01485389549179081538E-1, 1.23716634817820021358E-2,
                           3.01581553508235416007E-4, 2.65806974686737550832E-6, 6.23974539184983293730E-9};
constexpr double kQ2[8] = {6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0,
                           2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4,
                           2.89247864745380683936E-6, 6.79019408009981274425E-9};
constexpr double kExpM2 = 0.13533528323661269189;  // exp(-2)

}  // namespace

double Ndtri(double y0) {
  if (y0 == 0.0) return -std::numeric_limits<double>::infinity();
  if (y0 == 1.0) return std::numeric_limits<double>::infinity();
  if (!(y0 > 0.0 && y0 < 1.0)) return std::numeric_limits<double>::quiet_NaN();
  bool negate = true;
  double y = y0;
  if (y > 1.0 - kExpM2) {
    y = 1.0 - y;
    negate = false;
  }
  if (y > kExpM2) {
    y = y - 0.5;
    double y2 = y * y;
    double x = y + y * (y2 * Polevl(y2, kP0, 4) / P1evl(y2, kQ0, 8));
    return x * kS2Pi;
  }
  double x = std::sqrt(-2.0 * std::log(y));
  double x0 = x - std::log(x) / x;
  double z = 1.0 / x;
  double x1 = x < 8.0 ? z * Polevl(z, kP1, 8) / P1evl(z, kQ1, 8) : z * Polevl(z, kP2, 8) / P1evl(z, kQ2, 8);
  x = x0 - x1;
  return negate ? -x : x;
}

double NumpyInterp(double x, const double* xp, const double* fp, std::size_t n) {
  if (n == 1) return fp[0];  // left, right and the value all equal fp[0]
  if (std::isnan(x)) return x;
  if (x > xp[n - 1]) return fp[n - 1];
  if (x < xp[0]) return fp[0];
  // Largest j with xp[j] <= x (numpy's binary_search_with_guess returns the same index).
  std::size_t j = static_cast<std::size_t>(std::upper_bound(xp, xp + n, x) - xp) - 1;
  if (j == n - 1 || xp[j] == x) return fp[j];
  double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  double r = slope * (x - xp[j]) + fp[j];
  if (std::isnan(r)) {
    r = slope * (x - xp[j + 1]) + fp[j + 1];
    if (std::isnan(r) && fp[j] == fp[j + 1]) r = fp[j];
  }
  return r;
}

double NumpyRemainder(double a, double b) {
  double mod = std::fmod(a, b);
  if (b == 0) return mod;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double YeoJohnson(double x, double l, bool expm1_form) {
  constexpr double eps = std::numeric_limits<double>::epsilon();
  if (x >= 0) {
    if (std::fabs(l) < eps) return std::log1p(x);
    return expm1_form ? std::expm1(l * std::log1p(x)) / l : (std::pow(x + 1, l) - 1) / l;
  }
  // x < 0, and NaN (numpy's `~(x >= 0)` mask sends NaN here).
  if (std::fabs(l - 2) > eps) {
    return expm1_form ? -std::expm1((2 - l) * std::log1p(-x)) / (2 - l) : -(std::pow(-x + 1, 2 - l) - 1) / (2 - l);
  }
  return -std::log1p(-x);
}

double BoxCox(double x, double l) {
  if (std::fabs(l) < 1e-19) return std::log(x);
  double lx = l * std::log(x);
  if (lx < 709.78) return std::expm1(lx) / l;
  return std::copysign(1.0, l) * std::exp(lx - std::log(std::fabs(l))) - 1 / l;
}

std::int64_t BSplineBasis(const double* t, std::size_t len_t, int k, double x, int nu, bool extrapolate, double* work) {
  const std::int64_t n = static_cast<std::int64_t>(len_t) - k - 1;
  if (x != x) return -1;
  if ((x < t[k] || x > t[n]) && !extrapolate) return -1;
  std::int64_t l = k + 1;
  while (l != n && x >= t[l]) ++l;
  const std::int64_t ell = l - 1;

  double* h = work;
  double* hh = work + k + 1;
  h[0] = 1.0;
  for (int j = 1; j <= k - nu; ++j) {
    std::memcpy(hh, h, static_cast<std::size_t>(j) * sizeof(double));
    h[0] = 0.0;
    for (int q = 1; q <= j; ++q) {
      double xb = t[ell + q], xa = t[ell + q - j];
      if (xb == xa) {
        h[q] = 0.0;
        continue;
      }
      double w = hh[q - 1] / (xb - xa);
      h[q - 1] += w * (xb - x);
      h[q] = w * (x - xa);
    }
  }
  for (int j = k - nu + 1; j <= k; ++j) {
    std::memcpy(hh, h, static_cast<std::size_t>(j) * sizeof(double));
    h[0] = 0.0;
    for (int q = 1; q <= j; ++q) {
      double xb = t[ell + q], xa = t[ell + q - j];
      if (xb == xa) {
        h[nu] = 0.0;  // scipy's _deBoor_D zeroes h[m] here
        continue;
      }
      double w = j * hh[q - 1] / (xb - xa);
      h[q - 1] -= w;
      h[q] = w;
    }
  }
  return ell;
}

void BSplineEval(const double* t, std::size_t len_t, int k, const double* c, std::size_t n, std::size_t m, double x,
                 int nu, bool extrapolate, double* work, double* out) {
  std::int64_t ell = BSplineBasis(t, len_t, k, x, nu, extrapolate, work);
  if (ell < 0) {
    for (std::size_t j = 0; j < m; ++j) out[j] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  (void)n;
  for (std::size_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (int a = 0; a <= k; ++a) s += c[static_cast<std::size_t>(ell + a - k) * m + j] * work[a];
    out[j] = s;
  }
}

std::vector<double> NanEuclidean(const double* a, std::size_t ra, const double* b, std::size_t rb, std::size_t cols) {
  // Squared norms of the rows with missing coordinates set to 0.
  auto norms = [cols](const double* m, std::size_t rows) {
    std::vector<double> out(rows);
    for (std::size_t r = 0; r < rows; ++r) {
      double s = 0;
      for (std::size_t j = 0; j < cols; ++j) {
        double v = m[r * cols + j];
        if (!std::isnan(v)) s += v * v;
      }
      out[r] = s;
    }
    return out;
  };
  std::vector<double> na = norms(a, ra), nb = norms(b, rb);
  std::vector<double> d(ra * rb);
  for (std::size_t i = 0; i < ra; ++i) {
    const double* x = a + i * cols;
    for (std::size_t k = 0; k < rb; ++k) {
      const double* y = b + k * cols;
      double dot = 0, x_where_y_missing = 0, y_where_x_missing = 0;
      std::size_t present = 0;
      for (std::size_t j = 0; j < cols; ++j) {
        bool mx = std::isnan(x[j]), my = std::isnan(y[j]);
        double xv = mx ? 0.0 : x[j], yv = my ? 0.0 : y[j];
        dot += xv * yv;
        if (my) x_where_y_missing += xv * xv;
        if (mx) y_where_x_missing += yv * yv;
        present += !mx && !my;
      }
      double v = -2 * dot;
      v += na[i];
      v += nb[k];
      v = std::max(v, 0.0);
      v -= x_where_y_missing;
      v -= y_where_x_missing;
      if (v < 0) v = 0;
      if (present == 0) {
        d[i * rb + k] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      v /= static_cast<double>(present);
      v *= static_cast<double>(cols);
      d[i * rb + k] = std::sqrt(v);
    }
  }
  return d;
}

}  // namespace skbridge::kernels

namespace skbridge::kernels {

namespace {

// Two doubles at a time (GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64); lanes of
// the mask are all ones where the value is rejected.
using V2 = double __attribute__((vector_size(16)));
using M2 = std::int64_t __attribute__((vector_size(16)));

// Whether v[0..n) (n even) holds a rejected value, branch-free.
bool AnyRejected(const double* v, std::size_t n, bool allow_nan) {
  const V2 sign = {-0.0, -0.0};
  const V2 inf = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  const V2 max = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  M2 acc = {0, 0};
  for (std::size_t i = 0; i < n; i += 2) {
    V2 x;
    std::memcpy(&x, v + i, sizeof x);
    M2 bits;
    std::memcpy(&bits, &x, sizeof bits);
    M2 sign_bits;
    std::memcpy(&sign_bits, &sign, sizeof sign_bits);
    bits &= ~sign_bits;  // |x|
    std::memcpy(&x, &bits, sizeof x);
    acc |= allow_nan ? M2(x == inf) : M2(~(x <= max));
  }
  return (acc[0] | acc[1]) != 0;
}

}  // namespace

std::size_t FirstRejected(const double* v, std::size_t n, bool allow_nan) {
  // Branch-free scan of chunks; the exact position only once a chunk has a rejected value.
  constexpr std::size_t kChunk = 256;
  for (std::size_t i0 = 0; i0 < n; i0 += kChunk) {
    const std::size_t end = std::min(n, i0 + kChunk);
    const std::size_t even = i0 + ((end - i0) & ~std::size_t{1});
    bool bad = AnyRejected(v + i0, even - i0, allow_nan);
    for (std::size_t i = even; i < end; ++i) bad |= std::isinf(v[i]) || (!allow_nan && std::isnan(v[i]));
    if (!bad) continue;
    for (std::size_t i = i0; i < end; ++i) {
      if (std::isinf(v[i]) || (!allow_nan && std::isnan(v[i]))) return i;
    }
  }
  return n;
}

void StandardScale(const double* x, std::size_t rows, std::size_t cols, const double* mean, const double* scale,
                   double* out) {
  // (x - mean) / scale elementwise: the same two roundings as numpy's in-place X -= mean_;
  // X /= scale_. `out` may be `x`.
  const std::size_t n = rows * cols;
  if (mean && scale) {
    for (std::size_t r = 0; r < rows; ++r) {
      const double* xr = x + r * cols;
      double* o = out + r * cols;
      for (std::size_t c = 0; c < cols; ++c) o[c] = (xr[c] - mean[c]) / scale[c];
    }
  } else if (mean) {
    for (std::size_t r = 0; r < rows; ++r) {
      const double* xr = x + r * cols;
      double* o = out + r * cols;
      for (std::size_t c = 0; c < cols; ++c) o[c] = xr[c] - mean[c];
    }
  } else if (scale) {
    for (std::size_t r = 0; r < rows; ++r) {
      const double* xr = x + r * cols;
      double* o = out + r * cols;
      for (std::size_t c = 0; c < cols; ++c) o[c] = xr[c] / scale[c];
    }
  } else if (out != x) {
    std::copy_n(x, n, out);
  }
}

namespace {

struct NamedFunction {
  std::string_view name;
  UnaryFunction fn;
};

// numpy's float64 loops for these ufuncs call the C library (or numpy's own SIMD code, which is
// accurate to within an ulp or two of it); the simple ones are exact either way.
const NamedFunction kUnaryFunctions[] = {
    {"log1p", [](double x) { return std::log1p(x); }},
    {"expm1", [](double x) { return std::expm1(x); }},
    {"log", [](double x) { return std::log(x); }},
    {"log2", [](double x) { return std::log2(x); }},
    {"log10", [](double x) { return std::log10(x); }},
    {"exp", [](double x) { return std::exp(x); }},
    {"exp2", [](double x) { return std::exp2(x); }},
    {"sqrt", [](double x) { return std::sqrt(x); }},
    {"cbrt", [](double x) { return std::cbrt(x); }},
    {"square", [](double x) { return x * x; }},
    {"abs", [](double x) { return std::fabs(x); }},
    {"absolute", [](double x) { return std::fabs(x); }},
    {"fabs", [](double x) { return std::fabs(x); }},
    {"negative", [](double x) { return -x; }},
    {"positive", [](double x) { return x; }},
    {"reciprocal", [](double x) { return 1.0 / x; }},
    {"sign", [](double x) { return std::isnan(x) ? x : (x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0)); }},
    {"sin", [](double x) { return std::sin(x); }},
    {"cos", [](double x) { return std::cos(x); }},
    {"tan", [](double x) { return std::tan(x); }},
    {"arcsin", [](double x) { return std::asin(x); }},
    {"arccos", [](double x) { return std::acos(x); }},
    {"arctan", [](double x) { return std::atan(x); }},
    {"sinh", [](double x) { return std::sinh(x); }},
    {"cosh", [](double x) { return std::cosh(x); }},
    {"tanh", [](double x) { return std::tanh(x); }},
    {"arcsinh", [](double x) { return std::asinh(x); }},
    {"arccosh", [](double x) { return std::acosh(x); }},
    {"arctanh", [](double x) { return std::atanh(x); }},
    {"floor", [](double x) { return std::floor(x); }},
    {"ceil", [](double x) { return std::ceil(x); }},
    {"trunc", [](double x) { return std::trunc(x); }},
    {"rint", [](double x) { return std::nearbyint(x); }},
    // np.round / np.around with the default decimals=0 round half to even, as rint.
    {"round", [](double x) { return std::nearbyint(x); }},
    {"around", [](double x) { return std::nearbyint(x); }},
    {"isnan", [](double x) { return std::isnan(x) ? 1.0 : 0.0; }},
    {"nan_to_num",
     [](double x) {
       if (std::isnan(x)) return 0.0;
       if (std::isinf(x)) return x > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
       return x;
     }},
};

}  // namespace

UnaryFunction NumpyUnaryFunction(std::string_view name) {
  for (const auto& f : kUnaryFunctions) {
    if (f.name == name) return f.fn;
  }
  return nullptr;
}

}  // namespace skbridge::kernels

namespace skbridge::kernels {
namespace {

// numpy's DOUBLE_LT: NaN sorts after everything.
inline bool Lt(double a, double b) { return a < b || (b != b && a == a); }

struct ArgSelect {
  const double* v;
  std::size_t* t;  // tosort
  double V(std::ptrdiff_t i) const { return v[t[i]]; }
  void Swap(std::ptrdiff_t a, std::ptrdiff_t b) const { std::swap(t[a], t[b]); }
};

void DumbSelect(const double* v, std::size_t* t, std::ptrdiff_t num, std::ptrdiff_t kth) {
  for (std::ptrdiff_t i = 0; i <= kth; ++i) {
    std::ptrdiff_t minidx = i;
    double minval = v[t[i]];
    for (std::ptrdiff_t k = i + 1; k < num; ++k) {
      if (Lt(v[t[k]], minval)) {
        minidx = k;
        minval = v[t[k]];
      }
    }
    std::swap(t[i], t[minidx]);
  }
}

std::ptrdiff_t Median5(const double* v, std::size_t* t) {
  auto lt = [&](int a, int b) { return Lt(v[t[a]], v[t[b]]); };
  auto sw = [&](int a, int b) { std::swap(t[a], t[b]); };
  if (lt(1, 0)) sw(1, 0);
  if (lt(4, 3)) sw(4, 3);
  if (lt(3, 0)) sw(3, 0);
  if (lt(4, 1)) sw(4, 1);
  if (lt(2, 1)) sw(2, 1);
  if (lt(3, 2)) return lt(3, 1) ? 1 : 3;
  return 2;
}

void Introselect(const double* v, std::size_t* t, std::ptrdiff_t num, std::ptrdiff_t kth);

std::ptrdiff_t MedianOfMedian5(const double* v, std::size_t* t, std::ptrdiff_t num) {
  const std::ptrdiff_t nmed = num / 5;
  for (std::ptrdiff_t i = 0, sub = 0; i < nmed; ++i, sub += 5) {
    std::ptrdiff_t m = Median5(v, t + sub);
    std::swap(t[sub + m], t[i]);
  }
  if (nmed > 2) Introselect(v, t, nmed, nmed / 2);
  return nmed / 2;
}

void Introselect(const double* v, std::size_t* t, std::ptrdiff_t num, std::ptrdiff_t kth) {
  ArgSelect s{v, t};
  std::ptrdiff_t low = 0, high = num - 1;
  if (kth - low < 3) {
    DumbSelect(v, t + low, high - low + 1, kth - low);
    return;
  }
  if (kth == num - 1) {
    // numpy's shortcut for the last element: the (last) maximum moves to kth.
    std::ptrdiff_t maxidx = low;
    double maxval = s.V(low);
    for (std::ptrdiff_t k = low + 1; k < num; ++k) {
      if (!Lt(s.V(k), maxval)) {
        maxidx = k;
        maxval = s.V(k);
      }
    }
    s.Swap(kth, maxidx);
    return;
  }
  int depth_limit = 0;
  for (std::size_t u = static_cast<std::size_t>(num); u >>= 1;) ++depth_limit;
  depth_limit *= 2;
  while (low + 1 < high) {
    std::ptrdiff_t ll = low + 1, hh = high;
    if (depth_limit > 0 || hh - ll < 5) {
      const std::ptrdiff_t mid = low + (high - low) / 2;
      if (Lt(s.V(high), s.V(mid))) s.Swap(high, mid);
      if (Lt(s.V(high), s.V(low))) s.Swap(high, low);
      if (Lt(s.V(low), s.V(mid))) s.Swap(low, mid);
      s.Swap(mid, low + 1);
    } else {
      std::ptrdiff_t mid = ll + MedianOfMedian5(v, t + ll, hh - ll);
      s.Swap(mid, low);
      --ll;
      ++hh;
    }
    --depth_limit;
    const double pivot = s.V(low);
    for (;;) {
      do ++ll;
      while (Lt(s.V(ll), pivot));
      do --hh;
      while (Lt(pivot, s.V(hh)));
      if (hh < ll) break;
      s.Swap(ll, hh);
    }
    s.Swap(low, hh);
    if (hh >= kth) high = hh - 1;
    if (hh <= kth) low = ll;
  }
  if (high == low + 1 && Lt(s.V(high), s.V(low))) s.Swap(high, low);
}

}  // namespace

void NumpyArgPartition(const double* v, std::size_t n, std::size_t kth, std::size_t* idx) {
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  if (n == 0) return;
  Introselect(v, idx, static_cast<std::ptrdiff_t>(n), static_cast<std::ptrdiff_t>(kth));
}

}  // namespace skbridge::kernels

namespace skbridge::kernels {
namespace {

// A 512-bit register of 8 doubles and its companion register of 8 indices.
struct Reg {
  double k[8];
  std::uint64_t i[8];
};

constexpr std::uint64_t kIndexMax = ~std::uint64_t{0};

// The lane permutations x86-simd-sort uses (lane l takes lane P[l]).
constexpr int kSwap2[8] = {1, 0, 3, 2, 5, 4, 7, 6};     // swap_n<2> / reverse_n<2>
constexpr int kRev4[8] = {3, 2, 1, 0, 7, 6, 5, 4};      // reverse_n<4>
constexpr int kSwap4[8] = {2, 3, 0, 1, 6, 7, 4, 5};     // swap_n<4>
constexpr int kRev8[8] = {7, 6, 5, 4, 3, 2, 1, 0};      // reverse_n<8>, reverse
constexpr int kSwap8[8] = {4, 5, 6, 7, 0, 1, 2, 3};     // swap_n<8>

inline double VMin(double a, double b) { return a < b ? a : b; }  // _mm512_min_pd(a, b)
inline double VMax(double a, double b) { return a > b ? a : b; }  // _mm512_max_pd(a, b)

// cmp_merge (key-value): lanes in `mask` take max(in, partner), the others min; an index follows
// its key unless the merged key differs from the lane's own.
void CmpMerge(Reg& r, const int* perm, unsigned mask) {
  Reg p;
  for (int l = 0; l < 8; ++l) {
    p.k[l] = r.k[perm[l]];
    p.i[l] = r.i[perm[l]];
  }
  for (int l = 0; l < 8; ++l) {
    double mn = VMin(p.k[l], r.k[l]), mx = VMax(p.k[l], r.k[l]);
    double t = (mask >> l) & 1 ? mx : mn;
    if (!(t == r.k[l])) r.i[l] = p.i[l];
    r.k[l] = t;
  }
}

void SortReg8(Reg& r) {
  CmpMerge(r, kSwap2, 0xAA);
  CmpMerge(r, kRev4, 0xCC);
  CmpMerge(r, kSwap2, 0xAA);
  CmpMerge(r, kRev8, 0xF0);
  CmpMerge(r, kSwap4, 0xCC);
  CmpMerge(r, kSwap2, 0xAA);
}

void BitonicMergeReg8(Reg& r) {
  CmpMerge(r, kSwap8, 0xF0);
  CmpMerge(r, kSwap4, 0xCC);
  CmpMerge(r, kSwap2, 0xAA);
}

void Reverse(Reg& r) {
  Reg t = r;
  for (int l = 0; l < 8; ++l) {
    r.k[l] = t.k[kRev8[l]];
    r.i[l] = t.i[kRev8[l]];
  }
}

// COEX of two registers: lane-wise min to a, max to b; indices swap only where b's key was smaller.
void Coex(Reg& a, Reg& b) {
  for (int l = 0; l < 8; ++l) {
    double mn = VMin(a.k[l], b.k[l]), mx = VMax(a.k[l], b.k[l]);
    bool eq = mn == a.k[l];
    std::uint64_t i1 = eq ? a.i[l] : b.i[l], i2 = eq ? b.i[l] : a.i[l];
    a.k[l] = mn;
    b.k[l] = mx;
    a.i[l] = i1;
    b.i[l] = i2;
  }
}

void BitonicMergeNVec(Reg* r, int n) {
  if (n == 2) {
    Reverse(r[1]);
    Coex(r[0], r[1]);
    Reverse(r[1]);
  } else if (n > 2) {
    for (int i = 0; i < n / 2; ++i) {
      Reverse(r[n - i - 1]);
      Coex(r[i], r[n - i - 1]);
      Reverse(r[n - i - 1]);
    }
  }
  for (int num = n / 2; num >= 2; num /= 2) {
    for (int j = 0; j < n; j += num) {
      for (int i = 0; i < num / 2; ++i) Coex(r[i + j], r[i + j + num / 2]);
    }
  }
  for (int i = 0; i < n; ++i) BitonicMergeReg8(r[i]);
}

// argsort_n<zmm, 256>: sorts the N <= 256 indices in arg by v with bitonic networks.
void ArgsortN(const double* v, std::size_t* arg, int N) {
  int nvec = 32;
  while (nvec > 1 && N * 2 <= nvec * 8) nvec /= 2;
  Reg r[32];
  for (int i = 0; i < nvec; ++i) {
    int avail = i < nvec / 2 ? 8 : std::min(std::max(0, N - i * 8), 8);
    for (int l = 0; l < 8; ++l) {
      if (l < avail) {
        r[i].i[l] = arg[i * 8 + l];
        r[i].k[l] = v[arg[i * 8 + l]];
      } else {
        r[i].i[l] = kIndexMax;
        r[i].k[l] = std::numeric_limits<double>::infinity();
      }
    }
  }
  for (int i = 0; i < nvec; ++i) SortReg8(r[i]);
  for (int per = 2; per <= nvec; per *= 2) {
    for (int i = 0; i < nvec / per; ++i) BitonicMergeNVec(r + i * per, per);
  }
  for (int i = 0; i < nvec; ++i) {
    int avail = i < nvec / 2 ? 8 : std::min(std::max(0, N - i * 8), 8);
    for (int l = 0; l < avail; ++l) arg[i * 8 + l] = static_cast<std::size_t>(r[i].i[l]);
  }
}

// partition_vec_avx512: lanes below the pivot compress-stored at l_store, the others at the end
// of [.., right_end). Returns how many were >= pivot.
int PartitionVec(std::size_t* arg, std::size_t l_store, std::size_t right_end, const std::size_t* idx, const double* key,
                 double pivot, double* mn, double* mx) {
  int gt = 0;
  for (int l = 0; l < 8; ++l) gt += key[l] >= pivot;
  std::size_t a = l_store, b = right_end - static_cast<std::size_t>(gt);
  for (int l = 0; l < 8; ++l) {
    if (key[l] >= pivot) arg[b++] = idx[l];
    else arg[a++] = idx[l];
    mn[l] = VMin(key[l], mn[l]);
    mx[l] = VMax(key[l], mx[l]);
  }
  return gt;
}

// argpartition_unrolled<zmm, 4> for right - left > 256. (GCC 12's loop vectoriser crashes on this
// function at -O3, and vectorising it gains nothing.)
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
std::size_t ArgPartitionUnrolled(const double* v, std::size_t* arg, std::size_t left, std::size_t right, double pivot,
                                 double* smallest, double* biggest) {
  constexpr std::size_t kU = 4, kL = 8;
  for (std::size_t i = (right - left) % (kU * kL); i > 0; --i) {
    double x = v[arg[left]];
    *smallest = x < *smallest ? x : *smallest;  // std::min(smallest, x, <)
    *biggest = *biggest < x ? x : *biggest;     // std::max(biggest, x, <)
    if (!(x < pivot)) std::swap(arg[left], arg[--right]);
    else ++left;
  }
  if (left == right) return left;
  double mn[8], mx[8];
  for (int l = 0; l < 8; ++l) {
    mn[l] = *smallest;
    mx[l] = *biggest;
  }
  std::size_t lidx[kU][kL], ridx[kU][kL];
  double lkey[kU][kL], rkey[kU][kL];
  for (std::size_t ii = 0; ii < kU; ++ii) {
    for (std::size_t l = 0; l < kL; ++l) {
      lidx[ii][l] = arg[left + kL * ii + l];
      lkey[ii][l] = v[lidx[ii][l]];
      ridx[ii][l] = arg[right - kL * (kU - ii) + l];
      rkey[ii][l] = v[ridx[ii][l]];
    }
  }
  std::size_t r_store = right - kL, l_store = left;
  left += kU * kL;
  right -= kU * kL;
  while (right != left) {
    std::size_t cidx[kU][kL];
    double ckey[kU][kL];
    std::size_t from;
    if ((r_store + kL) - right < left - l_store) {
      right -= kU * kL;
      from = right;
    } else {
      from = left;
      left += kU * kL;
    }
    for (std::size_t ii = 0; ii < kU; ++ii) {
      for (std::size_t l = 0; l < kL; ++l) {
        cidx[ii][l] = arg[from + ii * kL + l];
        ckey[ii][l] = v[cidx[ii][l]];
      }
    }
    for (std::size_t ii = 0; ii < kU; ++ii) {
      int gt = PartitionVec(arg, l_store, r_store + kL, cidx[ii], ckey[ii], pivot, mn, mx);
      l_store += kL - static_cast<std::size_t>(gt);
      r_store -= static_cast<std::size_t>(gt);
    }
  }
  for (std::size_t ii = 0; ii < kU; ++ii) {
    int gt = PartitionVec(arg, l_store, r_store + kL, lidx[ii], lkey[ii], pivot, mn, mx);
    l_store += kL - static_cast<std::size_t>(gt);
    r_store -= static_cast<std::size_t>(gt);
  }
  for (std::size_t ii = 0; ii < kU; ++ii) {
    int gt = PartitionVec(arg, l_store, r_store + kL, ridx[ii], rkey[ii], pivot, mn, mx);
    l_store += kL - static_cast<std::size_t>(gt);
    r_store -= static_cast<std::size_t>(gt);
  }
  // _mm512_reduce_min_pd / max (no NaN here, so the order of the reduction does not matter).
  *smallest = *std::min_element(mn, mn + 8);
  *biggest = *std::max_element(mx, mx + 8);
  return l_store;
}

double Pivot64(const double* v, const std::size_t* arg, std::size_t left, std::size_t right) {
  if (right - left >= 8) {
    std::size_t size = (right - left) / 8;
    double s[8];
    for (std::size_t j = 0; j < 8; ++j) s[j] = v[arg[left + (j + 1) * size]];
    std::sort(s, s + 8);
    return s[4];
  }
  return v[arg[right]];
}

void ArgSelect64(const double* v, std::size_t* arg, std::size_t pos, std::size_t left, std::size_t right,
                 std::int64_t max_iters) {
  for (;;) {
    if (max_iters <= 0) {
      std::sort(arg + left, arg + right + 1, [v](std::size_t a, std::size_t b) { return v[a] < v[b]; });
      return;
    }
    if (right + 1 - left <= 256) {
      ArgsortN(v, arg + left, static_cast<int>(right + 1 - left));
      return;
    }
    double pivot = Pivot64(v, arg, left, right);
    double smallest = std::numeric_limits<double>::infinity(), biggest = -std::numeric_limits<double>::infinity();
    std::size_t p = ArgPartitionUnrolled(v, arg, left, right + 1, pivot, &smallest, &biggest);
    --max_iters;
    if (pivot != smallest && pos < p) right = p - 1;
    else if (pivot != biggest && pos >= p) left = p;
    else return;
  }
}

}  // namespace

void X86SimdArgSelect(const double* v, std::size_t n, std::size_t kth, std::size_t* idx) {
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  if (n <= 1) return;
  bool has_nan = false;
  for (std::size_t i = 0; i < n && !has_nan; ++i) has_nan = std::isnan(v[i]);
  if (has_nan) {
    std::nth_element(idx, idx + kth, idx + n, [v](std::size_t a, std::size_t b) {
      if (!std::isnan(v[a]) && !std::isnan(v[b])) return v[a] < v[b];
      return !std::isnan(v[a]);
    });
    return;
  }
  ArgSelect64(v, idx, kth, 0, n - 1, 2 * static_cast<std::int64_t>(std::log2(static_cast<double>(n))));
}

}  // namespace skbridge::kernels
