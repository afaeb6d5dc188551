// skbridge port, CalibratedClassifierCV: _CalibratedClassifier layouts across 1.0.
#include <fmt/format.h>

#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- CalibratedClassifierCV -----------------------------------------------------------------
//
// predict_proba averages calibrated_classifiers_ (every version). Each _CalibratedClassifier
// calibrates the decision_function (else predict_proba) of its estimator one class at a time:
//   0.23     base_estimator, calibrators_, classes_ (= label_encoder_.classes_, the classes given),
//            label_encoder_, classes, method; n_classes = len(classes_)
//   1.0+     estimator, calibrators, classes, method; n_classes = len(classes), the class indices
//            from LabelEncoder().fit(classes)
// (calibration.py of 0.23 / 1.2 / 1.9). The classes are the outer LabelEncoder's (sorted, unique),
// so a LabelEncoder fitted on them reproduces the 0.23 label_encoder_. Normalisation agrees: a
// zero row sum gives 0/0 = NaN -> 1/n_classes in 0.23, the uniform row in 1.0+.
void Porter::CalibratedClassifiers(const Obj& o) {
  if (ShortName(o.class_path) != "CalibratedClassifierCV") return;
  const Value* list = o.state->Get("calibrated_classifiers_");
  if (!list || list->kind != Kind::kList) return;
  const Version tgt = *target_.sklearn;
  const bool tgt_new = tgt >= Version{1, 0, 0};
  int converted = 0;
  for (const Value* item : list->items) {
    Value* st = Mut(StateOf(item));
    auto refuse = [&](std::string_view why) {
      throw Error::Unsupported(fmt::format("{}: a calibrated classifier {}", o.path, why));
    };
    if (!st) refuse("without a state dict");
    const bool src_new = st->Get("calibrators") != nullptr;
    if (src_new == tgt_new) continue;
    const Value* method = st->Get("method");
    if (!method || !method->is_text() || (method->text != "sigmoid" && method->text != "isotonic"))
      refuse(fmt::format("with method {}: only 'sigmoid' and 'isotonic' exist in scikit-learn {}",
                         method && method->is_text() ? std::string(method->text) : "?", tgt.Str()));
    const Value* estimator = st->Get(src_new ? "estimator" : "base_estimator");
    const Value* calibrators = st->Get(src_new ? "calibrators" : "calibrators_");
    const Value* classes = st->Get(src_new ? "classes" : "classes_");
    if (!estimator || !calibrators || calibrators->kind != Kind::kList || !classes || classes->kind != Kind::kArray || classes->array->ndim() != 1)
      refuse("lacks its estimator, calibrators or classes array");
    st->entries.clear();  // in place: objects_ holds this dict
    if (tgt_new) {
      Set(st, "estimator", estimator), Set(st, "calibrators", calibrators), Set(st, "classes", classes), Set(st, "method", method);
    } else {
      Value* encoder = NewObj("sklearn.preprocessing._label", "LabelEncoder",
                              Dict({{"classes_", classes}, {"_sklearn_version", Str(tgt.Str())}}));
      Set(st, "base_estimator", estimator), Set(st, "method", method), Set(st, "classes", classes);
      Set(st, "label_encoder_", encoder), Set(st, "classes_", classes), Set(st, "calibrators_", calibrators);
    }
    ++converted;
  }
  if (converted) {
    Change(o.path, fmt::format("{} calibrated classifier(s): {}", converted,
                               tgt_new ? "base_estimator / calibrators_ / classes_ -> estimator / calibrators / classes (1.0+ layout)"
                                       : "estimator / calibrators / classes -> base_estimator / calibrators_ / classes_ + label_encoder_ (0.23 layout)"));
  }
}

}  // namespace skbridge::port_detail
