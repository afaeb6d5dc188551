#include "kernels/encoders.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace skbridge::kernels {
namespace {

// A whole-cell decimal number ("3", "-2.5", "1e3", "nan"); surrounding blanks allowed.
bool ParseNumber(std::string_view s, double* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

double Sign(double x) { return std::isnan(x) ? x : (x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0)); }
double Square(double x) { return x * x; }
double Reciprocal(double x) { return 1.0 / x; }
double Negative(double x) { return -x; }
double Rint(double x) { return std::nearbyint(x); }
double Exp(double x) { return std::exp(x); }
double Exp2(double x) { return std::exp2(x); }
double Expm1(double x) { return std::expm1(x); }
double Log(double x) { return std::log(x); }
double Log2(double x) { return std::log2(x); }
double Log10(double x) { return std::log10(x); }
double Log1p(double x) { return std::log1p(x); }
double Sqrt(double x) { return std::sqrt(x); }
double Cbrt(double x) { return std::cbrt(x); }
double Fabs(double x) { return std::fabs(x); }
double Floor(double x) { return std::floor(x); }
double Ceil(double x) { return std::ceil(x); }
double Trunc(double x) { return std::trunc(x); }
double Sin(double x) { return std::sin(x); }
double Cos(double x) { return std::cos(x); }
double Tan(double x) { return std::tan(x); }
double Asin(double x) { return std::asin(x); }
double Acos(double x) { return std::acos(x); }
double Atan(double x) { return std::atan(x); }
double Sinh(double x) { return std::sinh(x); }
double Cosh(double x) { return std::cosh(x); }
double Tanh(double x) { return std::tanh(x); }
double Asinh(double x) { return std::asinh(x); }
double Acosh(double x) { return std::acosh(x); }
double Atanh(double x) { return std::atanh(x); }

}  // namespace

void CategoryLookup::SetText(std::vector<std::string> values, std::vector<std::int32_t> positions) {
  text_ = true;
  by_text_.clear();
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::int32_t p = positions[i];
    if (names_.size() <= static_cast<std::size_t>(p)) names_.resize(p + 1);
    names_[p] = values[i];
    by_text_.emplace(std::move(values[i]), p);
  }
}

void CategoryLookup::SetNumbers(std::vector<double> values, std::vector<std::int32_t> positions) {
  text_ = false;
  by_number_.clear();
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::int32_t p = positions[i];
    if (names_.size() <= static_cast<std::size_t>(p)) names_.resize(p + 1);
    double v = values[i];
    names_[p] = v == std::floor(v) && std::fabs(v) < 1e15 ? fmt::format("{}", static_cast<std::int64_t>(v)) : fmt::format("{}", v);
    by_number_.emplace_back(v == 0 ? 0.0 : v, p);  // -0.0 == 0.0
  }
  std::sort(by_number_.begin(), by_number_.end());
}

void CategoryLookup::SetMissing(std::int32_t nan_position, std::int32_t none_position) {
  nan_ = nan_position;
  none_ = none_position;
  for (auto [p, name] : {std::pair{nan_, "nan"}, std::pair{none_, "None"}}) {
    if (p == kUnknown) continue;
    if (names_.size() <= static_cast<std::size_t>(p)) names_.resize(p + 1);
    names_[p] = name;
  }
}

std::int32_t CategoryLookup::FindText(std::string_view s) const {
  if (!text_) {
    double v;
    return ParseNumber(s, &v) ? FindNumber(v) : kUnknown;
  }
  auto it = by_text_.find(s);
  return it == by_text_.end() ? kUnknown : it->second;
}

std::int32_t CategoryLookup::FindNumber(double v) const {
  if (std::isnan(v)) return missing();
  if (text_) return kUnknown;
  auto it = std::lower_bound(by_number_.begin(), by_number_.end(), v,
                             [](const std::pair<double, std::int32_t>& a, double b) { return a.first < b; });
  return it != by_number_.end() && it->first == v ? it->second : kUnknown;
}

void CategoryLookup::Encode(const Table& x, std::size_t c, std::int32_t* out, std::size_t stride) const {
  if (x.is_dense()) {
    const double* p = x.dense.data() + c;
    for (std::size_t r = 0; r < x.rows; ++r) out[r * stride] = FindNumber(p[r * x.cols]);
    return;
  }
  const Column& col = x.columns[c];
  if (!col.is_string) {
    for (std::size_t r = 0; r < x.rows; ++r) out[r * stride] = FindNumber(col.numbers[r]);
    return;
  }
  const bool has_missing = !col.missing.empty();
  for (std::size_t r = 0; r < x.rows; ++r) {
    out[r * stride] = has_missing && col.missing[r] ? missing() : FindText(col.strings[r]);
  }
}

std::string CategoryLookup::Name(std::int32_t pos) const {
  return pos >= 0 && static_cast<std::size_t>(pos) < names_.size() ? names_[pos] : "?";
}

std::string CategoryLookup::Describe(std::size_t max_items) const {
  std::string s;
  std::size_t n = std::min(max_items, names_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    bool quote = text_ && static_cast<std::int32_t>(i) != nan_ && static_cast<std::int32_t>(i) != none_;
    s += quote ? "'" + names_[i] + "'" : names_[i];
  }
  if (names_.size() > n) s += fmt::format(" ... ({} more)", names_.size() - n);
  return s;
}

std::string CellText(const Table& x, std::size_t r, std::size_t c) {
  auto number = [](double v) { return std::isnan(v) ? std::string("a missing value (NaN)") : fmt::format("{}", v); };
  if (x.is_dense()) return number(x.dense[r * x.cols + c]);
  const Column& col = x.columns[c];
  if (!col.is_string) return number(col.numbers[r]);
  if (!col.missing.empty() && col.missing[r]) return "a missing value";
  return "'" + col.strings[r] + "'";
}

std::string ColumnLabel(const Table& x, std::size_t c, const std::vector<std::string>& fallback) {
  std::string name;
  if (!x.is_dense() && !x.columns[c].name.empty()) name = x.columns[c].name;
  else if (c < x.names.size() && !x.names[c].empty()) name = x.names[c];
  else if (c < fallback.size()) name = fallback[c];
  return name.empty() ? fmt::format("#{}", c + 1) : fmt::format("'{}' (#{})", name, c + 1);
}

UnaryFn NumpyUnary(std::string_view name) {
  static constexpr std::pair<std::string_view, UnaryFn> kTable[] = {
      {"exp", &Exp},         {"exp2", &Exp2},       {"expm1", &Expm1},     {"log", &Log},
      {"log2", &Log2},       {"log10", &Log10},     {"log1p", &Log1p},     {"sqrt", &Sqrt},
      {"cbrt", &Cbrt},       {"square", &Square},   {"abs", &Fabs},        {"absolute", &Fabs},
      {"fabs", &Fabs},       {"sign", &Sign},       {"negative", &Negative}, {"reciprocal", &Reciprocal},
      {"rint", &Rint},       {"floor", &Floor},     {"ceil", &Ceil},       {"trunc", &Trunc},
      {"sin", &Sin},         {"cos", &Cos},         {"tan", &Tan},         {"arcsin", &Asin},
      {"arccos", &Acos},     {"arctan", &Atan},     {"sinh", &Sinh},       {"cosh", &Cosh},
      {"tanh", &Tanh},       {"arcsinh", &Asinh},   {"arccosh", &Acosh},   {"arctanh", &Atanh},
  };
  for (const auto& [n, fn] : kTable) {
    if (n == name) return fn;
  }
  return nullptr;
}

}  // namespace skbridge::kernels
