// The safety table for globals. skbridge never imports or calls a global; this table only decides
// what `inspect` reports and what later stages may interpret. Three classes:
//   data      — reconstructors and classes that only rebuild data (numpy, scipy.sparse, sklearn ...)
//   dangerous — known code-execution gadgets (checked first: they win over any allowlist rule)
//   unknown   — everything else (third-party or user classes), reported, never trusted
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "skbridge/reader.h"

namespace skbridge {
namespace {

struct Name {
  std::string_view module;
  std::string_view name;  // "*" matches every name in the module
};

// Whole modules (and their submodules) whose globals can run code, touch files or the network.
constexpr std::array<std::string_view, 48> kDangerousModules = {
    "os", "posix", "nt", "subprocess", "sys", "socket", "runpy", "pty", "pickle", "_pickle",
    "cPickle", "marshal", "importlib", "shutil", "webbrowser", "code", "codeop", "ctypes",
    "multiprocessing", "asyncio", "pkgutil", "io", "_io", "http", "httplib", "urllib", "urllib2",
    "requests", "aiohttp", "timeit", "pdb", "bdb", "profile", "cProfile", "trace", "commands",
    "popen2", "dill", "cloudpickle", "joblib.externals.cloudpickle", "_posixsubprocess",
    "_interpreters", "_xxsubinterpreters", "tempfile", "zipimport", "smtplib", "ftplib", "telnetlib",
};

constexpr std::array<Name, 32> kDangerousNames = {{
    {"builtins", "eval"}, {"builtins", "exec"}, {"builtins", "compile"}, {"builtins", "open"},
    {"builtins", "getattr"}, {"builtins", "setattr"}, {"builtins", "delattr"}, {"builtins", "__import__"},
    {"builtins", "breakpoint"}, {"builtins", "input"}, {"builtins", "globals"}, {"builtins", "vars"},
    {"builtins", "execfile"}, {"builtins", "file"}, {"builtins", "reload"}, {"builtins", "apply"},
    {"functools", "partial"}, {"functools", "reduce"}, {"operator", "*"}, {"_operator", "*"},
    {"types", "FunctionType"}, {"types", "CodeType"}, {"types", "MethodType"}, {"numpy.f2py", "*"},
    {"numpy", "load"}, {"numpy", "loads"}, {"numpy.lib.npyio", "*"}, {"numpy.testing", "*"},
    {"joblib", "load"}, {"sklearn.externals.joblib", "load"}, {"pandas", "read_pickle"}, {"pandas.io", "*"},
}};

// Exact data-only names.
constexpr std::array<Name, 56> kDataNames = {{
    {"numpy.core.multiarray", "_reconstruct"}, {"numpy._core.multiarray", "_reconstruct"},
    {"numpy.core.multiarray", "scalar"}, {"numpy._core.multiarray", "scalar"},
    {"numpy.core.numeric", "_frombuffer"}, {"numpy._core.numeric", "_frombuffer"},
    {"numpy.core._multiarray_umath", "_reconstruct"}, {"numpy._core._multiarray_umath", "_reconstruct"},
    {"numpy.core.multiarray", "_ufunc_reconstruct"}, {"numpy._core.multiarray", "_ufunc_reconstruct"},
    {"numpy.core", "_ufunc_reconstruct"}, {"numpy._core", "_ufunc_reconstruct"},
    {"numpy", "ndarray"}, {"numpy", "dtype"}, {"numpy", "matrix"}, {"numpy.ma.core", "_mareconstruct"},
    {"numpy.ma.core", "MaskedArray"}, {"numpy.random._pickle", "__randomstate_ctor"},
    {"numpy.random._pickle", "__bit_generator_ctor"}, {"numpy.random._pickle", "__generator_ctor"},
    {"numpy.random", "__RandomState_ctor"}, {"numpy.random.mtrand", "RandomState"},
    {"numpy.random._mt19937", "MT19937"}, {"numpy.random._pcg64", "PCG64"},
    {"numpy.random.bit_generator", "SeedSequence"}, {"numpy.random._generator", "Generator"},
    {"copyreg", "_reconstructor"}, {"copy_reg", "_reconstructor"}, {"copyreg", "__newobj__"},
    {"copy_reg", "__newobj__"}, {"copyreg", "__newobj_ex__"}, {"_codecs", "encode"},
    {"collections", "OrderedDict"}, {"collections", "defaultdict"}, {"collections", "deque"},
    {"collections", "Counter"}, {"datetime", "datetime"}, {"datetime", "date"}, {"datetime", "time"},
    {"datetime", "timedelta"}, {"datetime", "timezone"}, {"decimal", "Decimal"}, {"fractions", "Fraction"},
    {"joblib.numpy_pickle", "NumpyArrayWrapper"}, {"joblib.numpy_pickle", "NDArrayWrapper"},
    {"joblib.numpy_pickle_compat", "NDArrayWrapper"}, {"joblib.numpy_pickle_compat", "ZNDArrayWrapper"},
    {"joblib.numpy_pickle", "ZNDArrayWrapper"},
    {"sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"},
    {"sklearn.externals.joblib.numpy_pickle", "NDArrayWrapper"},
    {"sklearn.externals.joblib.numpy_pickle", "ZNDArrayWrapper"},
    {"sklearn.externals.joblib.numpy_pickle_compat", "NDArrayWrapper"},
    {"sklearn.externals.joblib.numpy_pickle_compat", "ZNDArrayWrapper"},
    {"re", "_compile"}, {"_sre", "compile"}, {"numpy.core.numeric", "_frombuffer"},
}};

// Builtins that only build data.
constexpr std::array<std::string_view, 17> kDataBuiltins = {
    "set", "frozenset", "slice", "complex", "bytearray", "bytes", "list", "dict", "tuple", "int",
    "float", "str", "bool", "object", "range", "unicode", "long",
};

// numpy functions a FunctionTransformer may hold (ufuncs and a few reductions): data, not gadgets.
constexpr std::array<std::string_view, 40> kNumpyFunctions = {
    "log1p", "expm1", "log", "log2", "log10", "exp", "exp2", "sqrt", "cbrt", "square", "abs",
    "absolute", "fabs", "sign", "negative", "reciprocal", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "floor", "ceil", "rint",
    "trunc", "clip", "round", "around", "isnan", "nan_to_num", "sum", "mean", "identity",
};

bool InModule(std::string_view module, std::string_view prefix) {
  return module == prefix || (module.size() > prefix.size() && module.starts_with(prefix) && module[prefix.size()] == '.');
}

bool IsClassName(std::string_view name) { return !name.empty() && name[0] >= 'A' && name[0] <= 'Z'; }

// The tables alone, for one module/name split.
bool IsDangerousName(std::string_view module, std::string_view name) {
  if (module == "__builtin__") module = "builtins";
  for (auto m : kDangerousModules) {
    if (InModule(module, m)) return true;
  }
  for (const auto& n : kDangerousNames) {
    if ((n.name == "*" ? InModule(module, n.module) : module == n.module && name == n.name)) return true;
  }
  return false;
}

bool IsDangerous(std::string_view module, std::string_view name) {
  if (IsDangerousName(module, name)) return true;
  if (module == "__builtin__") module = "builtins";
  // Protocol 4 qualified names are attribute paths from the module: `numpy` + `testing.os.system`
  // reaches os through numpy. A path is a gadget when any step is a dunder or names a dangerous
  // module, or when any module/name split of the whole path is dangerous.
  if (name.find('.') == std::string_view::npos) return false;
  for (std::size_t start = 0; start <= name.size();) {
    std::size_t end = std::min(name.find('.', start), name.size());
    std::string_view part = name.substr(start, end - start);
    if (part.starts_with("__")) return true;
    if (std::find(kDangerousModules.begin(), kDangerousModules.end(), part) != kDangerousModules.end()) return true;
    start = end + 1;
  }
  std::string full = std::string(module) + "." + std::string(name);
  for (std::size_t dot = full.find('.', module.size() + 1); dot != std::string::npos; dot = full.find('.', dot + 1)) {
    if (IsDangerousName(std::string_view(full).substr(0, dot), std::string_view(full).substr(dot + 1))) return true;
  }
  return false;
}

bool IsData(std::string_view module, std::string_view name) {
  for (const auto& n : kDataNames) {
    if (module == n.module && name == n.name) return true;
  }
  if (module == "builtins" || module == "__builtin__") {
    return std::find(kDataBuiltins.begin(), kDataBuiltins.end(), name) != kDataBuiltins.end();
  }
  // numpy scalar types and dtypes (numpy.float64, numpy.int64, numpy.bool_, numpy.str_ ...)
  if (module == "numpy" || module == "numpy.core.multiarray" || module == "numpy._core.multiarray" ||
      module == "numpy.core.numerictypes" || module == "numpy._core.numerictypes" || module == "numpy.dtypes") {
    if (std::find(kNumpyFunctions.begin(), kNumpyFunctions.end(), name) != kNumpyFunctions.end()) return true;
    static constexpr std::array<std::string_view, 10> kTypePrefixes = {"float", "int", "uint", "bool", "complex",
                                                                        "str_", "bytes_", "object_", "void", "longdouble"};
    for (auto p : kTypePrefixes) {
      if (name.starts_with(p)) return true;
    }
    if (name.ends_with("DType")) return true;  // numpy.dtypes.Float64DType ...
    return false;
  }
  if (InModule(module, "scipy.sparse")) {
    return IsClassName(name) || name.ends_with("_matrix") || name.ends_with("_array");
  }
  if (InModule(module, "sklearn")) {
    if (InModule(module, "sklearn.externals")) return false;  // only the joblib wrappers, listed above
    if (InModule(module, "sklearn.datasets") || InModule(module, "sklearn.utils._testing")) return false;
    if (IsClassName(name) || name.starts_with("__pyx_unpickle_")) return true;
    // Score functions and kernels stored by reference (SelectKBest(f_classif), kernel='rbf' callables).
    return InModule(module, "sklearn.feature_selection") || InModule(module, "sklearn.metrics");
  }
  if (InModule(module, "pandas")) {
    // pandas' own reconstructors rebuild frames, indexes and blocks from arrays.
    return IsClassName(name) || name.starts_with("_new_") || name.starts_with("_unpickle") ||
           name == "new_block" || name == "_reconstruct_object";
  }
  return false;
}

}  // namespace

GlobalSafety ClassifyGlobal(std::string_view module, std::string_view name) {
  if (IsDangerous(module, name)) return GlobalSafety::kDangerous;
  if (IsData(module, name)) return GlobalSafety::kData;
  return GlobalSafety::kUnknown;
}

}  // namespace skbridge
