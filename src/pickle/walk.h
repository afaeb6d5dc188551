// Depth-first walk over the objects of a value graph, each visited once, with the attribute path a
// user would write (`pipeline.steps[1].clf.coef_`). Depth is bounded (Error::Limit), cycles are
// visited once. Used by the doctor and the port transforms.
#pragma once

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <string>
#include <unordered_set>

#include "skbridge/error.h"
#include "skbridge/value.h"

namespace skbridge {

/// The name of the root in paths: the lowercased class name ("pipeline"), or "model".
inline std::string RootName(const Value* root) {
  const Value* cls = root ? root->Class() : nullptr;
  if (!cls) return "model";
  std::string out;
  for (char c : cls->name) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

/// Calls visit(path, object) for every kObject node reachable from root (state dicts, lists,
/// tuples, dict values, object arrays), parents before children.
inline void WalkObjects(const Value* root, std::size_t max_depth,
                        const std::function<void(const std::string& path, const Value& object)>& visit) {
  std::unordered_set<const Value*> seen;
  std::function<void(const Value*, const std::string&, std::size_t)> go = [&](const Value* v, const std::string& path,
                                                                               std::size_t depth) {
    if (!v || !seen.insert(v).second) return;
    if (depth > max_depth) throw Error::Limit(fmt::format("nesting deeper than {} levels at {}", max_depth, path.substr(0, 200)));
    switch (v->kind) {
      case Kind::kObject: {
        visit(path, *v);
        const Value* state = v->State();
        if (state && state->kind == Kind::kDict) {
          for (const auto& [k, val] : state->entries) {
            if (k->is_text()) go(val, path + "." + std::string(k->text), depth + 1);
          }
        } else if (state) {
          go(state, path + ".__state__", depth + 1);
        }
        if (v->object->args) go(v->object->args, path + ".__args__", depth + 1);
        return;
      }
      case Kind::kList:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kFrozenSet:
        for (std::size_t i = 0; i < v->items.size(); ++i) {
          const Value* item = v->items[i];
          if (item->kind == Kind::kTuple && item->items.size() >= 2 && item->items[0]->kind == Kind::kStr &&
              item->items[1]->kind == Kind::kObject) {
            go(item->items[1], fmt::format("{}[{}].{}", path, i, item->items[0]->text), depth + 1);
            for (std::size_t k = 2; k < item->items.size(); ++k) go(item->items[k], fmt::format("{}[{}][{}]", path, i, k), depth + 1);
          } else {
            go(item, fmt::format("{}[{}]", path, i), depth + 1);
          }
        }
        return;
      case Kind::kDict:
        for (const auto& [k, val] : v->entries) go(val, fmt::format("{}[{}]", path, k->Repr(40)), depth + 1);
        return;
      case Kind::kArray:
        for (std::size_t i = 0; i < v->array->objects.size(); ++i) go(v->array->objects[i], fmt::format("{}[{}]", path, i), depth + 1);
        return;
      default: return;
    }
  };
  go(root, RootName(root), 0);
}

}  // namespace skbridge
