// skbridge port, globals: module paths the target resolves (RenameGlobals), numpy-level rewrites
// (numpy.random objects, numpy 2's removed aliases) and Cython loss pickles.
#include <fmt/format.h>

#include <map>
#include <set>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- 2. globals ------------------------------------------------------------------------------

/// The nodes reachable from the root: rewrites (the loss objects) leave the replaced nodes behind.
std::set<const Value*> Porter::Reachable() {
  std::set<const Value*> seen;
  std::vector<const Value*> todo{file_.graph.root};
  auto push = [&](const Value* v) { if (v && !seen.count(v)) todo.push_back(v); };
  while (!todo.empty()) {
    const Value* v = todo.back();
    todo.pop_back();
    if (!v || !seen.insert(v).second) continue;
    for (const Value* i : v->items) push(i);
    for (const auto& [k, x] : v->entries) push(k), push(x);
    if (v->kind == Kind::kObject && v->object) {
      push(v->object->callable), push(v->object->args), push(v->object->kwargs), push(v->object->state);
      for (const Value* i : v->object->list_items) push(i);
      for (const auto& [k, x] : v->object->dict_items) push(k), push(x);
    }
  }
  return seen;
}

void Porter::RenameGlobals() {
  const std::set<const Value*> live = Reachable();
  bool numpy2 = numpy_.major >= 2;
  std::map<std::string, std::string> renamed;  // old -> new, reported once each
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    Value* g = file_.graph.node(i);
    if (g->kind != Kind::kGlobal || !live.count(g)) continue;
    std::string module(g->text), name(g->name);
    std::string path = module + "." + name;
    std::string new_module = module;
    if (module == "numpy.core" || module.starts_with("numpy.core.")) {
      if (numpy2) new_module = "numpy._core" + module.substr(10);
    } else if (module == "numpy._core" || module.starts_with("numpy._core.")) {
      if (!numpy2) new_module = "numpy.core" + module.substr(11);
    } else if (module.starts_with("sklearn") || module.starts_with("scipy")) {
      auto it = env_->resolves.find(path);
      if (it != env_->resolves.end() && it->second) continue;
      std::string best = compat::TargetPathFor(*env_, module, name);
      if (!best.empty() && !best.ends_with("." + name)) {  // renamed in the target (1.3's *Distance64)
        name = best.substr(best.rfind('.') + 1);
        g->name = file_.graph.Store(name);
      }
      if (best.empty()) {
        if (it == env_->resolves.end() && !module.starts_with("sklearn")) continue;  // unmeasured scipy: keep
        if (it == env_->resolves.end()) {
          throw Error::Unsupported(fmt::format("{} was not measured in scikit-learn {}: cannot tell whether it exists there", path,
                                               target_.sklearn->Str()));
        }
        throw Error::Unsupported(fmt::format("{} does not exist in scikit-learn {} under any module path (a class or function "
                                             "added later or removed): no faithful port",
                                             path, target_.sklearn->Str()));
      }
      new_module = best.substr(0, best.size() - name.size() - 1);
    }
    if (new_module != module && module.starts_with("numpy")) {
      auto old_ok = env_->resolves.find(path);
      auto new_ok = env_->resolves.find(new_module + "." + name);
      if (old_ok != env_->resolves.end() && old_ok->second && (new_ok == env_->resolves.end() || !new_ok->second)) new_module = module;
    }
    if (new_module == module && std::string_view(g->name) == path.substr(module.size() + 1)) continue;
    g->text = file_.graph.Store(new_module);
    std::string to = new_module + "." + name;
    if (renamed.emplace(path, to).second) Change("file", fmt::format("global {} -> {}", path, to));
  }
}

// numpy.random objects, by the numpy that pickled them (numpy/random/_pickle.py):
//   < 1.24     __randomstate_ctor(name) / __generator_ctor(name), then BUILD with the state dict;
//   1.24-1.26  the same with a second argument, the bit generator constructor (numpy PR 22014);
//   >= 2.0     the bit generator object itself, __bit_generator_ctor(<class>) with BUILD (state dict,
//              seed sequence), and a Generator without a state of its own (numpy PR 26260).
// A numpy 1 target gets the one-argument form, which every numpy reads; the state dict carries
// the whole generator state (the seed sequence only serves spawn(), which a fitted model never
// calls), so the rebuilt generator continues the same stream.
void Porter::RandomStates() {
  if (numpy_.major >= 2) return;
  auto is_ctor = [](const Value* v, std::string_view name) {
    const Value* c = v && v->kind == Kind::kObject ? v->object->callable : nullptr;
    return c && c->kind == Kind::kGlobal && c->text == "numpy.random._pickle" && c->name == name;
  };
  std::set<std::string> known = {"MT19937", "PCG64", "Philox", "SFC64"};
  if (numpy_ >= Version{1, 21, 0}) known.insert("PCG64DXSM");  // added in numpy 1.21
  auto name_of = [&](const Value* arg) -> std::string {
    std::string name = arg && arg->kind == Kind::kGlobal ? std::string(arg->name) : arg && arg->is_text() ? std::string(arg->text) : "";
    if (name.empty()) throw Error::Unsupported("a numpy.random object whose bit generator is neither a name nor a class");
    if (!known.count(name)) {
      throw Error::Unsupported(fmt::format("a numpy.random bit generator {} that numpy {} does not have", name, numpy_.Str()));
    }
    return name;
  };
  int rewritten = 0;
  // bit generators first: a RandomState / Generator takes its name and state from them
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    Value* v = file_.graph.node(i);
    if (!is_ctor(v, "__bit_generator_ctor")) continue;
    const Value* args = v->object->args;
    if (!args || args->kind != Kind::kTuple || args->items.empty()) continue;
    bool numpy2 = args->items[0]->kind == Kind::kGlobal;
    if (!numpy2 && args->items.size() == 1) continue;
    v->object->args = Tuple({Str(name_of(args->items[0]))});
    const Value* st = v->object->state;
    if (st && st->kind == Kind::kTuple && !st->items.empty()) v->object->state = st->items[0];  // (state dict, seed sequence)
    ++rewritten;
  }
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    Value* v = file_.graph.node(i);
    bool random_state = is_ctor(v, "__randomstate_ctor");
    if (!random_state && !is_ctor(v, "__generator_ctor")) continue;
    const Value* args = v->object->args;
    if (!args || args->kind != Kind::kTuple || args->items.empty()) continue;
    const Value* first = args->items[0];
    if (first->is_text() && args->items.size() == 1) continue;
    if (is_ctor(first, "__bit_generator_ctor")) {
      const Value* bargs = first->object->args;
      if (!bargs || bargs->kind != Kind::kTuple || bargs->items.size() != 1) throw Error::Unsupported("an unexpected numpy.random bit generator pickle");
      if (!v->object->state || v->object->state->is_none()) v->object->state = first->object->state;  // a numpy 2 Generator
      first = bargs->items[0];
    }
    if (!v->object->state || v->object->state->kind != Kind::kDict) {
      throw Error::Unsupported("a numpy.random generator pickled without its state dict");
    }
    v->object->args = Tuple({Str(name_of(first))});
    ++rewritten;
  }
  if (rewritten) Change("file", fmt::format("{} numpy.random object(s) rebuilt by bit generator name, as numpy {} reads them", rewritten, numpy_.Str()));
}

// ---- FunctionTransformer ---------------------------------------------------------------------
//
// A FunctionTransformer (or TransformedTargetRegressor) holds its func / inverse_func as a
// pickled global. NumPy 2.0 removed these aliases (NEP 52, the numpy 2.0 migration guide), so a
// function numpy 1 pickled under the alias name does not load there; numpy 1 defined each as a
// call of the function that keeps its name in numpy 2 (numpy/core/fromnumeric.py).
void Porter::NumpyRemovedAliases() {
  if (numpy_.major < 2) return;
  static const std::map<std::string_view, std::string_view> kAliases = {
      {"round_", "round"}, {"product", "prod"}, {"cumproduct", "cumprod"}, {"sometrue", "any"}, {"alltrue", "all"}};
  const std::set<const Value*> live = Reachable();
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    Value* g = file_.graph.node(i);
    if (g->kind != Kind::kGlobal || !live.count(g) || (g->text != "numpy" && g->text != "numpy.core.fromnumeric")) continue;
    auto it = kAliases.find(g->name);
    if (it == kAliases.end()) continue;
    Change("file", fmt::format("global {}.{} -> numpy.{} (the alias numpy 2.0 removed)", std::string(g->text), std::string(g->name), it->second));
    g->text = file_.graph.Store("numpy");
    g->name = file_.graph.Store(std::string(it->second));
  }
}

// ---- Cython loss pickles -------------------------------------------------------------------

// Cython pickles a stateless extension type as __pyx_unpickle_CyX(CyX, checksum, ()) up to 1.4;
// 1.9 has no __pyx_unpickle_ for most of them and pickles them as CyX() (CyX(param) for the
// parametrised ones, _loss.pyx.tp __reduce__). Calling the class builds the same object in every
// version from 1.2 on.
void Porter::CyPickles() {
  for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
    Value* v = file_.graph.node(i);
    if (v->kind != Kind::kObject || v->object->form != ObjectForm::kReduce || !v->object->callable || v->object->state) continue;
    const Value* c = v->object->callable;
    if (c->kind != Kind::kGlobal || c->text != "sklearn._loss._loss" || !std::string_view(c->name).starts_with("__pyx_unpickle_Cy")) continue;
    auto own = env_->resolves.find(fmt::format("{}.{}", std::string(c->text), std::string(c->name)));
    if (own != env_->resolves.end() && own->second) continue;
    const Value* args = v->object->args;
    if (!args || args->kind != Kind::kTuple || args->items.size() != 3 || args->items[0]->kind != Kind::kGlobal ||
        args->items[2]->kind != Kind::kTuple)
      continue;
    // a parametrised loss (CyHuberLoss delta, CyPinballLoss quantile, CyHalfTweedieLoss power) pickles
    // its one double as the state; 1.9 pickles it as CyX(param), which 1.4's constructor also takes
    const auto& state = args->items[2]->items;
    if (state.size() > 1 || (state.size() == 1 && state[0]->kind != Kind::kFloat)) continue;
    v->object->callable = args->items[0];
    v->object->args = Tuple(state);
    Change("file", fmt::format("{}.{}(...) -> {}({}) (a Cython loss)", std::string(c->text), std::string(c->name),
                               std::string(args->items[0]->name), state.empty() ? "" : state[0]->Repr()));
  }
}

}  // namespace skbridge::port_detail
