// Composition: Pipeline. Steps run in order; every step but the last transforms.
#include "estimators/estimator.h"

namespace skbridge::est {
namespace {

class Pipeline : public Estimator {
 public:
  std::vector<std::shared_ptr<const Estimator>> transforms;  // nullptr = 'passthrough' / None
  std::shared_ptr<const Estimator> last;                     // nullptr = 'passthrough' / None

  bool Has(Method m) const override {
    if (!last) return m == Method::kTransform;
    return last->Has(m);
  }

  Output Run(Method m, const Table& x) const override {
    Table t = x;
    for (const auto& step : transforms) {
      if (!step) continue;
      Output o = step->Run(Method::kTransform, t);
      t = Table::Dense(o.rows, o.cols == 0 ? 1 : o.cols, std::move(o.values), std::move(o.column_names));
    }
    if (!last) return NumericOutput(t.rows, t.cols, t.ToDense().dense);
    return last->Run(m, t);
  }
};

bool IsPassthrough(const Value& v) { return v.is_none() || (v.is_text() && (v.text == "passthrough" || v.text == "drop")); }

}  // namespace

std::shared_ptr<Estimator> DecodePipeline(Fields& f) {
  auto e = std::make_shared<Pipeline>();
  f.ReadCommon(e.get(), false);
  const Value& steps = f.Get("steps");
  if (steps.kind != Kind::kList && steps.kind != Kind::kTuple) f.Fail("steps", "expected a list of (name, estimator)");
  if (steps.items.empty()) f.Fail("steps", "is empty");
  for (std::size_t i = 0; i < steps.items.size(); ++i) {
    const Value* step = steps.items[i];
    if ((step->kind != Kind::kTuple && step->kind != Kind::kList) || step->items.size() != 2 || !step->items[0]->is_text()) {
      f.Fail("steps", fmt::format("item {} is not a (name, estimator) pair", i));
    }
    std::string sub = fmt::format("{}.steps[{}].{}", f.path(), i, step->items[0]->text);
    std::shared_ptr<const Estimator> est = IsPassthrough(*step->items[1]) ? nullptr : f.ctx().Decode(*step->items[1], sub);
    if (i + 1 == steps.items.size()) e->last = est;
    else e->transforms.push_back(est);
  }
  // The pipeline's input is its first real step's input; its classes are the last step's.
  for (const auto& t : e->transforms) {
    if (t) {
      e->input = t->input;
      break;
    }
  }
  if (e->transforms.empty() || !e->input.n_features) {
    if (e->last && e->transforms.empty()) e->input = e->last->input;
  }
  if (e->last) e->classes = e->last->classes;
  return e;
}

}  // namespace skbridge::est
