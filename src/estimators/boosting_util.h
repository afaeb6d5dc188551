// Shared by the boosting family (boosting.cc, hist_gradient_boosting.cc, ensemble_meta.cc): the loss
// objects gradient boosting stores across scikit-learn versions, reduced to the link function that
// maps raw predictions to predictions, and small helpers for class labels and outputs.
#pragma once

#include <string>
#include <vector>

#include "estimators/estimator.h"

namespace skbridge::est::boosting {

/// The inverse link applied to raw predictions.
enum class Link {
  kIdentity,   ///< regression losses with identity link (squared, absolute, huber, quantile ...)
  kLog,        ///< poisson / gamma / tweedie: exp(raw)
  kLogit,      ///< binomial: expit(raw)
  kHalfLogit,  ///< exponential loss: expit(2 raw)
  kSoftmax,    ///< multinomial
};

struct LossInfo {
  std::string class_name;  ///< "HalfBinomialLoss", "BinomialDeviance", ... or "" when only the param was found
  std::string attr;        ///< the attribute it was read from ("_loss", "loss_") or "loss" for the parameter
  Link link = Link::kIdentity;
  /// The raw-prediction layout of the loss module: true for the old per-estimator loss classes
  /// (sklearn.ensemble._gb_losses / _hist_gradient_boosting.loss) whose multiclass probabilities are
  /// exp(raw - logsumexp(raw)); false for sklearn._loss (softmax).
  bool legacy = false;
};

/// Reads the fitted loss of a gradient-boosting estimator: `_loss`, else `loss_`, else the `loss`
/// parameter; the link comes from the loss class (cross-checked with its `link` object when it
/// has one). n_classes: 0 for regressors. Fails naming the attribute when the loss is unknown.
LossInfo ReadLoss(const Fields& f, std::size_t n_classes);

/// The class of an object value without its module ("HalfBinomialLoss"), or "".
std::string ClassName(const Value& v);

/// Labels output for predict of a classifier from class indices.
Output LabelsOutput(const Labels& classes, std::vector<std::size_t> idx);
/// A numeric output with class names as column names.
Output ProbaOutput(const Labels& classes, std::size_t rows, std::vector<double> p);

/// scipy.special.logit as recent SciPy computes it (log1p form near 0.5).
double Logit(double p);

}  // namespace skbridge::est::boosting
