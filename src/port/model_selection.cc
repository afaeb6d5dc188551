// skbridge port, searches: the scoring=None scorer_ across 1.4.
#include <fmt/format.h>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// A search fitted with scoring=None holds scorer_ = check_scoring(estimator): up to 1.3 the
// function sklearn.metrics._scorer._passthrough_scorer, from 1.4 a _PassthroughScorer object
// holding the search's (unfitted) estimator (1.4 / 1.9 _scorer.py). Either calls estimator.score;
// only score() reads scorer_, never predict.
void Porter::PassthroughScorers() {
  auto has = [&](const char* path) {
    auto r = env_->resolves.find(path);
    return r != env_->resolves.end() && r->second;
  };
  const bool want_object = has("sklearn.metrics._scorer._PassthroughScorer");
  const bool want_function = has("sklearn.metrics._scorer._passthrough_scorer");
  int n = 0;
  if (want_function && !want_object) {
    for (std::size_t i = 0; i < file_.graph.node_count(); ++i) {
      Value* v = file_.graph.node(i);
      const Value* cls = v->kind == Kind::kObject ? v->Class() : nullptr;
      if (!cls || cls->text != "sklearn.metrics._scorer" || cls->name != "_PassthroughScorer") continue;
      v->kind = Kind::kGlobal;  // in place: every reference now names the function
      v->text = file_.graph.Store("sklearn.metrics._scorer");
      v->name = file_.graph.Store("_passthrough_scorer");
      ++n;
    }
  } else if (want_object && !want_function) {
    for (const auto& o : objects_) {
      if (!o.state || !o.class_path.ends_with("SearchCV")) continue;
      const Value* scorer = o.state->Get("scorer_");
      if (!scorer || scorer->kind != Kind::kGlobal || scorer->text != "sklearn.metrics._scorer" || scorer->name != "_passthrough_scorer") continue;
      const Value* estimator = o.state->Get("estimator");
      if (!estimator) throw Error::Unsupported(o.path + ": a search without its estimator");
      Set(o.state, "scorer_", NewObj("sklearn.metrics._scorer", "_PassthroughScorer", Dict({{"_estimator", estimator}})));
      ++n;
    }
  }
  if (n) {
    Change("file", fmt::format("{} search scorer(s) scoring=None -> {}", n,
                               want_object ? "_PassthroughScorer(estimator) (1.4+)" : "_passthrough_scorer (before 1.4)"));
  }
}

}  // namespace skbridge::port_detail
