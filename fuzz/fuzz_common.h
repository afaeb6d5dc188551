// Shared by the fuzz targets: small limits, and a walk over everything a read produced so that
// ASan sees every byte the graph and its arrays claim to own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "skbridge/reader.h"
#include "skbridge/value.h"

namespace skbridge::fuzz {

inline ReadOptions SmallLimits() {
  ReadOptions o;
  o.compute_sha256 = false;
  o.limits.max_depth = 200;
  o.limits.max_memo_index = 1 << 16;
  o.limits.max_stack = 1 << 16;
  o.limits.alloc_factor = 8;
  o.limits.alloc_allowance = 8u << 20;
  o.limits.decompress_factor = 64;
  o.limits.decompress_allowance = 4u << 20;
  return o;
}

// Touches every node and every array byte; returns a checksum so nothing is optimised away.
inline std::uint64_t Walk(const ModelFile& f) {
  std::uint64_t sum = 0;
  for (const auto& g : f.globals) sum += g.Path().size() + static_cast<unsigned>(g.safety) + g.called;
  auto& graph = const_cast<Graph&>(f.graph);
  for (std::size_t i = 0; i < graph.node_count(); ++i) {
    const Value* v = graph.node(i);
    sum += v->Repr(60).size() + v->GlobalPath().size();
    for (const Value* item : v->items) sum += static_cast<unsigned>(item->kind);
    for (const auto& [k, val] : v->entries) sum += static_cast<unsigned>(k->kind) + static_cast<unsigned>(val->kind);
    if (v->kind == Kind::kStr || v->kind == Kind::kBytes || v->kind == Kind::kByteArray) {
      for (char c : v->text) sum += static_cast<unsigned char>(c);
    }
    if (v->kind == Kind::kInt && v->is_big_int() && v->text.size() <= 256) sum += v->IntDecimal().size();
    if (v->kind == Kind::kObject) {
      const ObjectData& o = *v->object;
      sum += (o.callable ? static_cast<unsigned>(o.callable->kind) : 0) + o.list_items.size() + o.dict_items.size();
      if (o.args) sum += o.args->items.size();
      if (o.state) sum += static_cast<unsigned>(o.state->kind);
    }
    if (v->kind == Kind::kArray && v->array) {
      const NdArray& a = *v->array;
      sum += a.dtype.Str().size() + a.dtype.Name().size() + a.ShapeString().size() + static_cast<std::uint64_t>(a.size());
      for (std::size_t b = 0; b < a.nbytes; ++b) sum += std::to_integer<std::uint8_t>(a.data[b]);
      for (const Value* o : a.objects) sum += static_cast<unsigned>(o->kind);
    }
  }
  if (f.graph.root) sum += f.graph.root->Repr().size();
  return sum;
}

}  // namespace skbridge::fuzz
