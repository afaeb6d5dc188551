// skbridge port, attributes: the one derivation table (AttrRules) and the stage that applies it.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compat/rules.h"
#include "port/porter.h"
#include "skbridge/error.h"

namespace skbridge::port_detail {

// ---- 4. attributes ---------------------------------------------------------------------------

const std::vector<AttrRule>& Porter::AttrRules() {
  if (!attr_rules_.empty()) return attr_rules_;
  const Version tgt = *target_.sklearn;
  auto get = [](const Obj& o, const char* k) { return o.state->Get(k); };
  auto copy = [&](const char* from) { return [from, get](const Obj& o) { return get(o, from); }; };
  auto none = [this](const Obj&) -> const Value* { return None(); };
  auto boolean = [this](bool b) { return [this, b](const Obj&) -> const Value* { return Bool(b); }; };
  auto integer = [this](std::int64_t i) { return [this, i](const Obj&) -> const Value* { return Int(i); }; };
  auto real = [this](double d) { return [this, d](const Obj&) -> const Value* { return Float(d); }; };
  auto text = [this](std::string_view t) { return [this, t](const Obj&) -> const Value* { return Str(t); }; };
  auto int_of = [](const Value* v) -> std::optional<std::int64_t> {
    if (v && v->kind == Kind::kInt) return v->integer;
    return std::nullopt;
  };
  auto glm_features = [this, get](const Obj& o) -> const Value* {
    const Value* c = get(o, "coef_");
    return c && c->kind == Kind::kArray && c->array->ndim() == 1 ? Int(c->array->shape[0]) : nullptr;
  };
  attr_rules_ = {
      // removed hyperparameters an older target still holds; the value reproduces what the newer
      // model did (it never had them).
      {"*", "normalize", boolean(false), "removed in 1.2 (Lars family 1.4): a newer model never normalized; 0.23/1.2 "
                                         "LinearModel._decision_function reads coef_/intercept_ only"},
      {"*", "min_impurity_split", none, "0.23 BaseDecisionTree reads it in fit only (None = off, as newer models)"},
      {"*", "n_jobs", none, "parallelism only; default None"},
      {"*", "verbose", [this, tgt](const Obj& o) -> const Value* {
         // SimpleImputer 1.1-1.2: 'deprecated' (1.2.1 _validate_input warns on anything else)
         if (ShortName(o.class_path) == "SimpleImputer" && tgt >= Version{1, 1, 0}) return Str("deprecated");
         return Int(0);
       }, "logging only, default 0 (SimpleImputer 1.1-1.2: 'deprecated')"},
      {"*", "C", [this](const Obj& o) -> const Value* {
         std::string_view c = ShortName(o.class_path);
         return c.starts_with("SGD") || c == "Perceptron" ? Float(1.0) : nullptr;
       }, "1.9 SGD*/Perceptron/PassiveAggressive no longer hold C; older BaseSGD reads it in fit only (default 1.0)"},
      {"LinearRegression", "tol", real(1e-6), "1.9 LinearRegression: tol only for the sparse lsqr fit (default 1e-6)"},
      {"*", "copy", boolean(true), "copies input only"},
      {"*", "copy_X", boolean(true), "copies input only"},
      {"*", "iid", text("deprecated"), "0.23 BaseSearchCV: iid read in fit only"},
      {"IsolationForest", "behaviour", text("deprecated"), "0.23 IsolationForest: behaviour read in fit only"},
      {"AdaBoostClassifier", "algorithm", [this, tgt](const Obj&) -> const Value* { return tgt >= Version{1, 4, 0} ? Str("SAMME") : nullptr; },
       "1.9 always applies SAMME; 1.4-1.5 default to SAMME.R, so the value must be SAMME. Into < 1.4 (whose SAMME votes "
       "differ) AdaBoostSamme rewrites the model as SAMME.R"},
      {"*", "presort", text("deprecated"), "0.23 BaseDecisionTree: presort read in fit only ('deprecated' default)"},
      // hyperparameters added after the model was written (real files of 0.18-0.21 in the wild corpus);
      // the default is what the older model did
      {"SVC", "break_ties", boolean(false), "0.22: break_ties=False is the older one-vs-one vote"},
      {"NuSVC", "break_ties", boolean(false), "0.22: break_ties=False is the older one-vs-one vote"},
      {"LogisticRegression", "l1_ratio", none, "0.21: elastic-net mixing, read in fit only; None = no elastic net, as before"},
      {"GaussianNB", "priors", none, "0.17-era files lack it; None = priors from the training data (class_prior_), as they did"},
      {"SGDClassifier", "early_stopping", boolean(false), "0.20: fit only; False as before"},
      {"SGDRegressor", "early_stopping", boolean(false), "0.20: fit only; False as before"},
      {"*", "ccp_alpha", real(0.0), "0.22: minimal cost-complexity pruning, in fit only; 0.0 = none, as before"},
      {"GradientBoostingClassifier", "validation_fraction", real(0.1), "0.20: early stopping, fit only"},
      {"GradientBoostingRegressor", "validation_fraction", real(0.1), "0.20: early stopping, fit only"},
      {"GradientBoostingClassifier", "n_iter_no_change", none, "0.20: early stopping, fit only; None = off, as before"},
      {"GradientBoostingRegressor", "n_iter_no_change", none, "0.20: early stopping, fit only; None = off, as before"},
      {"GradientBoostingClassifier", "tol", real(1e-4), "0.20: early stopping tolerance, fit only"},
      {"GradientBoostingRegressor", "tol", real(1e-4), "0.20: early stopping tolerance, fit only"},
      {"SGDClassifier", "validation_fraction", real(0.1), "0.20: fit only (early stopping)"},
      {"SGDRegressor", "validation_fraction", real(0.1), "0.20: fit only (early stopping)"},
      {"SGDClassifier", "n_iter_no_change", integer(5), "0.20: fit only (early stopping)"},
      {"SGDRegressor", "n_iter_no_change", integer(5), "0.20: fit only (early stopping)"},
      {"LogisticRegression", "solver", text("liblinear"), "a file without solver predates 0.15, when liblinear was the only solver "
                                                           "(predict_proba's 'auto' one-vs-rest test reads it)"},
      {"LogisticRegression", "max_iter", integer(100), "0.17-era files lack it; fit only, default 100"},
      {"LogisticRegression", "warm_start", boolean(false), "0.17-era files lack it; fit only, default False"},
      {"SGDClassifier", "max_iter", integer(1000), "0.19 replaced n_iter by max_iter; fit only, default 1000"},
      {"SGDRegressor", "max_iter", integer(1000), "0.19 replaced n_iter by max_iter; fit only, default 1000"},
      {"SGDClassifier", "tol", none, "0.19: stopping tolerance, fit only; None = no tolerance, as the older model"},
      {"SGDRegressor", "tol", none, "0.19: stopping tolerance, fit only; None = no tolerance, as the older model"},
      {"GaussianNB", "var_smoothing", real(1e-9), "0.20: added to the variances at fit only; predict reads the fitted variances"},
      {"CountVectorizer", "_stop_words_id", none, "1.x transform memoises its stop-word check by id(stop_words) via getattr (None: check once)"},
      {"TfidfVectorizer", "_stop_words_id", none, "1.x transform memoises its stop-word check by id(stop_words) via getattr (None: check once)"},
      {"SimpleImputer", "_fill_dtype", [this, get](const Obj& o) -> const Value* {
         return get(o, "_fit_dtype") ? get(o, "_fit_dtype") : Derive(o, "_fit_dtype");
       }, "1.9 renamed _fit_dtype (X.dtype at fit) to _fill_dtype"},
      {"OneHotEncoder", "feature_name_combiner", text("concat"), "1.3+: read by get_feature_names_out only; default 'concat'"},
      {"OneHotEncoder", "sparse", [this, tgt, get](const Obj& o) -> const Value* {
         if (tgt >= Version{1, 2, 0}) return Str("deprecated");  // 1.2.1 fit: sparse != 'deprecated' overrides sparse_output
         const Value* so = get(o, "sparse_output");
         return so && so->kind == Kind::kBool ? so : nullptr;
       }, "renamed sparse_output in 1.2; < 1.2 transform reads sparse"},
      {"*", "max_categories", none, "infrequent categories off (the source had none)"},
      {"*", "min_frequency", none, "infrequent categories off (the source had none)"},
      {"*", "encoded_missing_value", real(std::nan("")), "1.1 OrdinalEncoder default; a 0.23 encoder rejected missing values"},
      {"ColumnTransformer", "_has_str_cols", [this, get](const Obj& o) -> const Value* {
         const Value* t = get(o, "transformers_");
         if (!t || (t->kind != Kind::kList && t->kind != Kind::kTuple)) return nullptr;
         bool str = false;
         for (const Value* item : t->items) {
           if (item->items.size() < 3) return nullptr;
           const Value* cols = item->items[2];
           if (cols->is_text()) str = true;
           if ((cols->kind == Kind::kList || cols->kind == Kind::kTuple) && !cols->items.empty() && cols->items[0]->is_text()) str = true;
         }
         return Bool(str);
       }, "0.23 ColumnTransformer.fit: any column selection given as strings (only guards column reordering)"},
      {"ColumnTransformer", "_n_features", copy("n_features_in_"), "<= 1.2 fit: X.shape[1], = n_features_in_"},
      {"KNNImputer", "_valid_mask", [this, get](const Obj& o) { return KnnValidMask(get(o, "_mask_fit_X")); },
       "1.1+ fit: ~np.all(_mask_fit_X, axis=0); 0.23 transform computed the same mask from _mask_fit_X"},
      {"TfidfTransformer", "_idf_diag", [this](const Obj& o) { return TfidfIdfDiag(o); },
       "<= 1.4 fit: sp.diags(idf_, format='csr'); 1.5+ holds idf_ itself"},
      {"TfidfTransformer", "n_features_in_", [this](const Obj& o) -> const Value* {
         const Value* idf = o.state->Get("idf_") ? o.state->Get("idf_") : Derive(o, "idf_");
         return idf && idf->kind == Kind::kArray && idf->array->ndim() == 1 ? Int(idf->array->size()) : nullptr;
       }, "1.0+ fit: the vocabulary size = the length of idf_"},
      {"ColumnTransformer", "_transformer_to_input_indices", [this](const Obj& o) { return CtInputIndices(o); },
       "1.2+ fit: {name: _get_column_indices(X, columns)} plus 'remainder'; resolved from transformers_ / _remainder"},
      {"ColumnTransformer", "feature_names_in_", [get](const Obj& o) -> const Value* {
         const Value* f = get(o, "_feature_names_in");
         return f && f->kind == Kind::kArray ? f : nullptr;
       }, "0.23 _feature_names_in: the DataFrame's column names (renamed in 1.0)"},
      {"ColumnTransformer", "verbose_feature_names_out", boolean(true), "1.0+ default; prefixes output names (get_feature_names_out, "
                                                                       "pandas output) only"},
      {"ColumnTransformer", "output_indices_", {}, "1.2-1.9 _column_transformer.py: transform never reads it (get_feature_names_out "
                                                   "fallback and set_output bookkeeping only)"},
      {"PCA", "n_oversamples", integer(10), "randomized svd in fit only; default 10"},
      {"TruncatedSVD", "n_oversamples", integer(10), "randomized svd in fit only; default 10"},
      {"PCA", "power_iteration_normalizer", text("auto"), "randomized svd in fit only; default 'auto'"},
      {"TruncatedSVD", "power_iteration_normalizer", text("auto"), "randomized svd in fit only; default 'auto'"},
      {"DummyClassifier", "n_features_in_", [this, tgt](const Obj&) -> const Value* { return tgt < Version{1, 0, 0} ? None() : nullptr; },
       "0.23 Dummy*.fit sets it to None (no input validation)"},
      {"DummyRegressor", "n_features_in_", [this, tgt](const Obj&) -> const Value* { return tgt < Version{1, 0, 0} ? None() : nullptr; },
       "0.23 Dummy*.fit sets it to None (no input validation)"},
      {"KBinsDiscretizer", "dtype", none, "1.2+ transform: None keeps float64/float32 as 0.23 did"},
      {"KBinsDiscretizer", "quantile_method", text("linear"), "1.9: fit only; np.percentile's linear method as before"},
      {"GaussianNB", "var_", copy("sigma_"), "renamed from sigma_ in 1.0 (same variances)"},
      {"GaussianNB", "sigma_", copy("var_"), "0.23 name of var_"},
      {"MLPClassifier", "best_validation_score_", none, "None unless early stopping (the source did not stop early)"},
      {"MLPRegressor", "best_validation_score_", none, "None unless early stopping (the source did not stop early)"},
      {"PolynomialFeatures", "_max_degree", [&, int_of, get](const Obj& o) -> const Value* {
         auto d = int_of(get(o, "degree"));
         return d ? Int(*d) : nullptr;
       }, "1.0+ fit: _max_degree = degree for an int degree"},
      {"PolynomialFeatures", "_min_degree", [&, int_of, get](const Obj& o) -> const Value* {
         return int_of(get(o, "degree")) ? Int(0) : nullptr;
       }, "1.0+ fit: _min_degree = 0 for an int degree"},
      {"TfidfVectorizer", "norm", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("norm") : nullptr; },
       "0.23 TfidfVectorizer.norm is a property of its _tfidf"},
      {"TfidfVectorizer", "use_idf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("use_idf") : nullptr; },
       "0.23 property of _tfidf"},
      {"TfidfVectorizer", "smooth_idf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("smooth_idf") : nullptr; },
       "0.23 property of _tfidf"},
      {"TfidfVectorizer", "sublinear_tf", [get](const Obj& o) { const Value* s = StateOf(get(o, "_tfidf")); return s ? s->Get("sublinear_tf") : nullptr; },
       "0.23 property of _tfidf"},
      {"GradientBoostingClassifier", "_loss", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 3, 0} ? get(o, "loss_") : nullptr; },
       "1.1-1.2 renamed loss_ (the same _gb_losses object) to _loss"},
      {"GradientBoostingRegressor", "_loss", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 3, 0} ? get(o, "loss_") : nullptr; },
       "1.1-1.2 renamed loss_ (the same _gb_losses object) to _loss"},
      {"GradientBoostingClassifier", "loss_", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 0, 0} ? get(o, "_loss") : nullptr; },
       "0.23 name of the same _gb_losses object (1.1-1.3 _loss)"},
      {"GradientBoostingRegressor", "loss_", [tgt, get](const Obj& o) -> const Value* { return tgt < Version{1, 0, 0} ? get(o, "_loss") : nullptr; },
       "0.23 name of the same _gb_losses object (1.1-1.3 _loss)"},
      {"GradientBoostingClassifier", "oob_scores_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
      {"GradientBoostingRegressor", "oob_scores_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
      {"GradientBoostingClassifier", "oob_score_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
      {"GradientBoostingRegressor", "oob_score_", {}, "1.3+ fit: only with subsample < 1; predict never reads it"},
      {"GradientBoostingClassifier", "_rng", {}, "1.x fit: the RandomState for subsampling (0.20 files lack it); predict never reads it"},
      {"GradientBoostingRegressor", "_rng", {}, "1.x fit: the RandomState for subsampling (0.20 files lack it); predict never reads it"},
      {"StackingClassifier", "_label_encoder", copy("_le"), "renamed from _le in 1.0 (the same LabelEncoder)"},
      {"StackingClassifier", "_le", copy("_label_encoder"), "0.23 name of _label_encoder"},
      {"*", "importance_getter", text("auto"), "'auto' reads coef_ / feature_importances_ as < 0.24 did"},
      {"*", "class_weight_", [this](const Obj& o) -> const Value* {
         std::string c(ShortName(o.class_path));
         return c == "SVR" || c == "NuSVR" || c == "OneClassSVM" ? Float64Array({}) : nullptr;
       }, "0.23 BaseLibSVM.fit: regression models hold np.empty(0)"},
      {"*", "_effective_probability", [this, get](const Obj& o) -> const Value* {
         const Value* p = get(o, "probability");
         return p && p->kind == Kind::kBool ? p : Bool(false);
       }, "1.9 BaseLibSVM.fit: = probability (False when 'deprecated')"},
      {"*", "classes_", [get](const Obj& o) -> const Value* {
         std::string c(ShortName(o.class_path));
         if (c != "RidgeClassifier" && c != "RidgeClassifierCV") return nullptr;
         const Value* s = StateOf(get(o, "_label_binarizer"));
         return s ? s->Get("classes_") : nullptr;
       }, "< 1.9 RidgeClassifier.classes_ was the property _label_binarizer.classes_"},
      {"NearestCentroid", "class_prior_", [this, get](const Obj& o) -> const Value* {
         const Value* c = get(o, "classes_");
         if (!c || c->kind != Kind::kArray || c->array->ndim() != 1 || c->array->size() == 0) return nullptr;
         std::int64_t n = c->array->size();
         return Float64Array(std::vector<double>(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n)));
       }, "1.9 predict: uniform priors take the plain nearest-centroid path the source used"},
      {"LogisticRegressionCV", "use_legacy_attributes", boolean(true), "1.9 default True: the attribute layout of older versions"},
      {"MissingIndicator", "_precomputed", [this](const Obj& o) -> const Value* { return Bool(o.path.ends_with(".indicator_")); },
       "1.0+: an imputer's indicator_ is fitted on (and transforms) the precomputed missing mask; a standalone one is not"},
      {"MissingIndicator", "n_features_in_", copy("_n_features"), "the same count"},
      {"*", "force_alpha", boolean(false), "1.2+ _check_alpha in fit only; False = the alpha clipping older versions did"},
      {"BayesianRidge", "max_iter", copy("n_iter"), "renamed from n_iter in 1.3"},
      {"ARDRegression", "max_iter", copy("n_iter"), "renamed from n_iter in 1.3"},
      {"BayesianRidge", "n_iter", copy("max_iter"), "older name of max_iter"},
      {"ARDRegression", "n_iter", copy("max_iter"), "older name of max_iter"},
      {"GaussianProcessRegressor", "n_targets", none, "1.3+: used by sample_y before fit only"},
      {"IsotonicRegression", "X_thresholds_", copy("_necessary_X_"), "renamed in 0.24"},
      {"IsotonicRegression", "y_thresholds_", copy("_necessary_y_"), "renamed in 0.24"},
      {"IsotonicRegression", "_necessary_X_", copy("X_thresholds_"), "0.23 name"},
      {"IsotonicRegression", "_necessary_y_", copy("y_thresholds_"), "0.23 name"},
      {"MiniBatchKMeans", "_batch_size", copy("batch_size"), "1.0+ fit: min(batch_size, n_samples); used in fit only"},
      {"NMF", "_beta_loss", [&, get](const Obj& o) -> const Value* {
         const Value* b = get(o, "beta_loss");
         if (b && b->is_text()) {
           if (b->text == "frobenius") return Float(2.0);
           if (b->text == "kullback-leibler") return Float(1.0);
           if (b->text == "itakura-saito") return Float(0.0);
         }
         return b && (b->kind == Kind::kFloat || b->kind == Kind::kInt) ? b : nullptr;
       }, "1.0+ _check_params: _beta_check(beta_loss)"},
      {"RBFSampler", "_gamma", [get](const Obj& o) -> const Value* {
         const Value* g = get(o, "gamma");
         return g && (g->kind == Kind::kFloat || g->kind == Kind::kInt) ? g : nullptr;
       }, "1.2+ fit: _gamma = gamma for a numeric gamma"},
      {"FastICA", "_whiten", [this, get](const Obj& o) -> const Value* {
         const Value* w = get(o, "whiten");
         if (w && w->kind == Kind::kBool) return w->boolean ? Str("arbitrary-variance") : Bool(false);
         return w && w->is_text() && w->text != "warn" ? w : nullptr;
       }, "1.1+ fit: True -> 'arbitrary-variance'"},
      {"FastICA", "whiten_solver", text("svd"), "1.2+ fit only; 'svd' as before"},
      {"*", "alpha_per_target", boolean(false), "1.0+: one alpha for all targets, as before"},
      {"*", "store_cv_results", copy("store_cv_values"), "renamed in 1.5"},
      {"*", "store_cv_values", copy("store_cv_results"), "renamed in 1.5"},
      {"KernelPCA", "eigenvalues_", copy("lambdas_"), "renamed in 1.0"},
      {"KernelPCA", "eigenvectors_", copy("alphas_"), "renamed in 1.0"},
      {"KernelPCA", "lambdas_", copy("eigenvalues_"), "0.23 name"},
      {"KernelPCA", "alphas_", copy("eigenvectors_"), "0.23 name"},
      {"ClassifierChain", "chain_method", text("predict"), "1.6+ default: chains predict() as before"},
      {"*", "compute_inverse_components", boolean(false), "1.1+: inverse_transform computes pinv on demand"},
      {"GaussianRandomProjection", "dense_output", boolean(true), "0.23 GaussianRandomProjection passes dense_output=True"},
      {"LassoLarsIC", "noise_variance", none, "1.1+ fit only; None = estimated as before"},
      {"FactorAnalysis", "rotation", none, "0.24+: None = no rotation, as before"},
      {"RobustScaler", "unit_variance", boolean(false), "0.24+ default: no extra scaling, as before"},
      {"SplineTransformer", "handle_missing", text("error"), "1.8+ default"},
      {"SplineTransformer", "sparse_output", boolean(false), "1.2+ default: dense, as before"},
      {"*", "n_alphas", [&, get, int_of](const Obj& o) -> const Value* {
         auto a = int_of(get(o, "alphas"));
         return Int(a ? *a : 100);
       }, "1.9 merged n_alphas into alphas; fit only"},
      {"QuadraticDiscriminantAnalysis", "covariance_estimator", none, "1.9 default: empirical covariance, as before"},
      {"*", "_predict_1d", boolean(false), "1.3+ PLS: ravel a 1d target's prediction; older versions always returned 2d"},
      {"PolynomialFeatures", "_n_out_full", [&, int_of, get](const Obj& o) -> const Value* {
         return int_of(get(o, "degree")) ? get(o, "n_output_features_") : nullptr;
       }, "1.0+ fit: with _min_degree 0, _n_out_full = n_output_features_"},
      {"KBinsDiscretizer", "random_state", none, "1.1+: subsampling in fit only"},
      {"OneHotEncoder", "sparse_output", [tgt, get](const Obj& o) -> const Value* { return tgt >= Version{1, 2, 0} ? get(o, "sparse") : nullptr; },
       "1.2 renamed sparse to sparse_output"},
      {"*", "validation_scores_", none, "None unless early stopping (the source did not stop early)"},
      {"*", "covariance_estimator", none, "0.24+ default: the empirical / shrunk covariance, as before"},
      {"QuadraticDiscriminantAnalysis", "shrinkage", none, "1.9 default: no shrinkage, as before"},
      {"OrdinalEncoder", "handle_unknown", text("error"), "0.24+ default; 0.23 always raised on unknown categories"},
      {"OrdinalEncoder", "unknown_value", none, "0.24+ default with handle_unknown='error'"},
      {"GradientBoostingClassifier", "_n_classes", copy("n_classes_"), "1.1-1.2: the same count"},
      {"GradientBoostingRegressor", "n_classes_", integer(1), "0.23 GradientBoostingRegressor._validate_y: always 1"},
      {"IsolationForest", "_average_path_length_per_tree", [this](const Obj& o) { return IforestPerTree(o, /*average=*/true); },
       "1.3+ fit: per tree, _average_path_length(tree_.n_node_samples)"},
      {"IsolationForest", "_decision_path_lengths", [this](const Obj& o) { return IforestPerTree(o, /*average=*/false); },
       "1.3+ fit: per tree, tree_.compute_node_depths() (the root at depth 1)"},
      {"RandomTreesEmbedding", "_n_features_out", [this, get](const Obj& o) -> const Value* {
         // 1.0+ fit_transform: the one-hot output width = one column per leaf category (no drop)
         const Value* enc = StateOf(get(o, "one_hot_encoder_"));
         const Value* cats = enc ? enc->Get("categories_") : nullptr;
         const Value* drop = enc ? enc->Get("drop_idx_") : nullptr;
         if (!cats || (cats->kind != Kind::kList && cats->kind != Kind::kTuple) || (drop && !drop->is_none())) return nullptr;
         std::int64_t n = 0;
         for (const Value* c : cats->items) {
           if (c->kind != Kind::kArray || c->array->ndim() != 1) return nullptr;
           n += c->array->size();
         }
         return Int(n);
       }, "1.0+ fit_transform: one_hot_encoder_ output width, the sum of its categories_ sizes"},
      {"PoissonRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
      {"GammaRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
      {"TweedieRegressor", "n_features_in_", glm_features, "0.24+ fit: X.shape[1] = len(coef_)"},
      {"KernelPCA", "gamma_", [this, get](const Obj& o) -> const Value* {
         const Value* g = get(o, "gamma");
         if (g && (g->kind == Kind::kFloat || g->kind == Kind::kInt)) return g;
         const Value* x = get(o, "X_fit_");
         if (g && g->kind == Kind::kNone && x && x->kind == Kind::kArray && x->array->ndim() == 2 && x->array->shape[1] > 0)
           return Float(1.0 / static_cast<double>(x->array->shape[1]));
         return nullptr;
       }, "1.3+ fit: gamma_ = gamma, or 1 / n_features (what pairwise_kernels used for gamma=None)"},
      {"KernelPCA", "iterated_power", text("auto"), "1.0+: randomized eigensolver in fit only"},
      {"NMF", "_n_components", [this, get](const Obj& o) -> const Value* {
         const Value* c = get(o, "components_");
         return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? Int(c->array->shape[0]) : nullptr;
       }, "1.0+ _check_params: n_components, or n_features for None = components_ rows"},
      {"KMeans", "precompute_distances", text("deprecated"), "0.23: deprecated, fit only"},
      {"ClassifierChain", "chain_method_", [this, get](const Obj& o) -> const Value* {
         const Value* c = get(o, "chain_method");
         return c && c->is_text() ? c : Str("predict");
       }, "1.6+ fit: the resolved chain_method ('predict' before 1.6)"},
      {"CategoricalNB", "min_categories", none, "0.24+ default: categories from the data, as before"},
      {"*", "_missing_indices", [this](const Obj& o) -> const Value* {
         // encoders before 0.24 rejected missing values: no category is NaN / None
         return WrittenBy(&o) < Version{0, 24, 0} ? file_.graph.New(Kind::kDict) : nullptr;
       }, "1.1+ _fit: {feature: index of the missing category}; empty for a pre-0.24 encoder (no missing support)"},
      {"OneHotEncoder", "_n_features_outs", [this, get](const Obj& o) -> const Value* {
         const Value* cats = get(o, "categories_");
         const Value* drop = get(o, "drop_idx_");
         if (!cats || (cats->kind != Kind::kList && cats->kind != Kind::kTuple)) return nullptr;
         const std::int64_t n_features = static_cast<std::int64_t>(cats->items.size());
         // drop_idx_: None, or per feature the dropped index (an int array, or 0.23+ object array
         // whose None means nothing dropped, as drop='if_binary' leaves non-binary features)
         auto dropped = [&](std::size_t i) -> std::optional<bool> {
           if (!drop || drop->kind == Kind::kNone) return false;
           if (drop->kind != Kind::kArray || drop->array->ndim() != 1 || drop->array->size() != n_features) return std::nullopt;
           if (drop->array->dtype.kind == DTypeKind::kInt) return true;
           if (drop->array->dtype.kind != DTypeKind::kObject || i >= drop->array->objects.size()) return std::nullopt;
           const Value* d = drop->array->objects[i];
           if (d->kind == Kind::kNone) return false;
           return d->kind == Kind::kInt ? std::optional<bool>(true) : std::nullopt;
         };
         Value* out = file_.graph.New(Kind::kList);
         for (std::size_t i = 0; i < cats->items.size(); ++i) {
           const Value* c = cats->items[i];
           auto d = dropped(i);
           if (c->kind != Kind::kArray || c->array->ndim() != 1 || !d) return nullptr;
           out->items.push_back(Int(c->array->size() - (*d ? 1 : 0)));
         }
         return out;
       }, "1.1+ _compute_n_features_outs: len(categories_[i]), minus 1 where a category is dropped (no infrequent ones)"},
      {"KBinsDiscretizer", "subsample", none, "1.1+: subsampling in fit only; None = all samples, as 0.23"},
      {"NearestCentroid", "priors", text("uniform"), "1.5+: fit computes class_prior_ from it; 'uniform' = the old plain rule"},
      {"QuadraticDiscriminantAnalysis", "solver", text("svd"), "1.9: fit only; 'svd' as before"},
      {"HistGradientBoostingClassifier", "max_features", real(1.0), "1.4+: feature subsampling while growing trees in fit; 1.0 = all, as before"},
      {"HistGradientBoostingRegressor", "max_features", real(1.0), "1.4+: feature subsampling while growing trees in fit; 1.0 = all, as before"},
      // ---- MiniBatchKMeans: 0.23 predict (_labels_inertia_minibatch) reads cluster_centers_, batch_size, verbose;
      // 1.0+ predict reads cluster_centers_, _n_threads. The rest is fit / partial_fit state.
      {"MiniBatchKMeans", "_n_since_last_reassign", {}, "1.0+ _kmeans.py: random reassignment in fit / partial_fit only"},
      {"MiniBatchKMeans", "n_steps_", {}, "1.0+ _kmeans.py: fit diagnostics (partial_fit counts on from it with getattr)"},
      {"MiniBatchKMeans", "_algorithm", {}, "0.23 _kmeans.py: KMeans._check_params sets it for KMeans.fit; MiniBatchKMeans never reads it"},
      {"MiniBatchKMeans", "counts_", {}, "0.23 _kmeans.py: partial_fit state only (1.0+ _counts)"},
      {"MiniBatchKMeans", "init_size_", {}, "0.23 _kmeans.py: fit only"},
      // 0.23 MiniBatchKMeans.__init__ passes only some parameters to KMeans.__init__: the others hold
      // KMeans' defaults, read by KMeans.fit only
      {"MiniBatchKMeans", "algorithm", text("auto"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
      {"MiniBatchKMeans", "copy_x", boolean(true), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
      {"MiniBatchKMeans", "n_jobs", text("deprecated"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
      {"MiniBatchKMeans", "precompute_distances", text("deprecated"), "0.23 KMeans.__init__ default (MiniBatchKMeans cannot set it)"},
      // ---- NMF: the regularisation of W in transform (update_H=False; H's terms unused there)
      {"NMF", "alpha_W", [this](const Obj& o) { return NmfAlphaW(o); }, "0.23 alpha scaled by n_features (see NmfAlphaW)"},
      {"NMF", "alpha_H", text("same"), "0.23 regularized W and H alike (regularization='both'); transform never reads H's terms"},
      {"NMF", "alpha", [this](const Obj& o) { return NmfAlpha(o); }, "1.0+ alpha_W scaled by n_features (see NmfAlpha)"},
      // ---- AdditiveChi2Sampler: the interval fit resolved (0.23-1.2 sample_interval_, 1.3-1.4
      // _sample_interval; 1.5+ holds neither and transform resolves it from the parameters)
      {"AdditiveChi2Sampler", "sample_interval_", [this](const Obj& o) { return Chi2Interval(o); }, "see Chi2Interval"},
      {"AdditiveChi2Sampler", "_sample_interval", [this](const Obj& o) { return Chi2Interval(o); }, "see Chi2Interval"},
      // ---- KernelPCA: 1.4+ fit builds KernelCenterer().set_output(transform="default")
      {"KernelCenterer", "_sklearn_output_config", [this](const Obj& o) -> const Value* {
         if (!o.path.ends_with("._centerer")) return nullptr;
         Value* d = file_.graph.New(Kind::kDict);
         d->entries.emplace_back(Str("transform"), Str("default"));
         return d;
       }, "1.4+ _kernel_pca.py fit: the centerer's output pinned to 'default' (numpy), as older centerers returned"},
      {"KernelCenterer", "_sklearn_output_config", {}, "set by set_output only: absent = the global transform_output, as before"},
      // ---- CategoricalNB
      {"CategoricalNB", "n_categories_", [this](const Obj& o) { return CategoricalNbCounts(o); },
       "1.0+ fit (min_categories None): X.max(axis=0) + 1 per feature = the columns of feature_log_prob_[i]; read by fit only"},
      // ---- BayesianRidge / ARDRegression (0.23 ARD holds neither; see BayesStd for their values)
      {"ARDRegression", "X_offset_", [this](const Obj& o) { return BayesFilled(o, 0.0); },
       "1.0-1.4 predict never reads it; zeros keep a later 1.9 std uncentred, as the 0.23 std was"},
      {"ARDRegression", "X_scale_", [this](const Obj& o) { return BayesFilled(o, 1.0); }, "1.0+: ones (no normalize)"},
      // ---- CalibratedClassifierCV (the inner classifiers: CalibratedClassifiers)
      {"CalibratedClassifierCV", "ensemble", boolean(true), "1.0+ fit only: 0.23 always kept one calibrated classifier per fold "
       "(ensemble=True); predict_proba averages calibrated_classifiers_ either way"},
      // fit-only attributes: absent is fine
      {"MiniBatchKMeans", "_ewa_inertia", {}, "1.0+ _kmeans.py: early stopping in fit only"},
      {"MiniBatchKMeans", "_ewa_inertia_min", {}, "1.0+ _kmeans.py: early stopping in fit only"},
      {"MiniBatchKMeans", "_no_improvement", {}, "1.0+ _kmeans.py: early stopping in fit only"},
      {"*", "oob_score_", {}, "fit diagnostics"},
      {"*", "_n_samples_bootstrap", {}, "1.4+ _forest.py: read by _get_estimators_indices (estimators_samples_, oob) only"},
      {"*", "_is_categorical_remapped", {}, "1.4 / 1.9 gradient_boosting.py: passed to the grower in fit only"},
      {"*", "n_iter_", {}, "fit diagnostics (BaseLibSVM, ARD): never read when predicting"},
      {"RidgeClassifier", "solver_", {}, "1.9 _ridge.py: set by fit, never read"},
      {"RidgeClassifierCV", "solver_", {}, "1.9 _ridge.py: set by fit, never read"},
      {"NearestCentroid", "deviations_", {}, "1.9 _nearest_centroid.py: shrinkage computation in fit only"},
      {"NearestCentroid", "within_class_std_dev_", {}, "1.5+ _nearest_centroid.py: read by decision_function / predict_proba / "
       "predict_log_proba only, methods an older model never had (absent there: AttributeError, never an answer); predict "
       "with the uniform class_prior_ derived above takes the plain nearest centroid"},
      {"*", "_n_feature_outs", {}, "1.2-1.9 _stacking.py: written by _concatenate_predictions, read by get_feature_names_out only"},
      {"_ConstantPredictor", "n_features_in_", {}, "1.2-1.9 _check_n_features(reset=False) skips the check when absent"},
      {"*", "oob_improvement_", {}, "GradientBoosting: fit diagnostics"},
      {"MiniBatchKMeans", "_counts", {}, "1.0+ _kmeans.py: partial_fit state only"},
      {"LassoLarsIC", "noise_variance_", {}, "1.1+: the criterion in fit only"},
      {"Birch", "partial_fit_", {}, "0.23 birch.py: partial_fit bookkeeping"},
      {"*", "_loss_function_", {}, "1.2-1.9 _stochastic_gradient.py: read only in fit_binary / _fit_one_class (predict uses coef_)"},
      {"*", "loss_function_", {}, "0.23-1.2 _stochastic_gradient.py: read only in fit_binary / _fit_one_class"},
      {"*", "_n_samples", {}, "1.4+ _forest.py: read by _get_estimators_indices (estimators_samples_, oob) only"},
      {"*", "_sample_weight", {}, "1.9 _bagging.py/_forest.py: read by estimators_samples_ only"},
      {"*", "lower_bounds_", {}, "1.9 mixture/_base.py: fit history"},
      {"*", "_best_coefs", {}, "1.9 _multilayer_perceptron.py: early stopping in fit only"},
      {"*", "_best_intercepts", {}, "1.9 _multilayer_perceptron.py: early stopping in fit only"},
      {"*", "stop_words_", {}, "0.23-1.4 text.py: set by fit (_limit_features) only, never read"},
      {"*", "_feature_subsample_rng", {}, "1.4+ HistGradientBoosting: read while growing trees in fit only"},
      {"*", "_num_iter", {}, "1.1+ BaseLibSVM: fit bookkeeping for n_iter_"},
      {"*", "cv_results_", {}, "RFECV: cross-validation record only"},
      {"*", "grid_scores_", {}, "RFECV: cross-validation record only"},
      {"*", "_checked_cv_orig", {}, "1.9 BaseSearchCV: fit bookkeeping"},
      {"DummyClassifier", "n_features_in_", {}, "1.9 dummy.py: predict* never validate X"},
      {"DummyRegressor", "n_features_in_", {}, "1.9 dummy.py: predict never validates X"},
      {"Birch", "fit_", {}, "0.23 birch.py: partial_fit bookkeeping"},
  };
  HgbAttrRules(&attr_rules_);
  return attr_rules_;
}

// HistGradientBoosting rows (see section 3b, hist_gradient_boosting.cc).
void Porter::HgbAttrRules(std::vector<AttrRule>* rules) {
  auto get = [](const Obj& o, const char* k) { return o.state->Get(k); };
  for (std::string_view cls : {"HistGradientBoostingClassifier", "HistGradientBoostingRegressor"}) {
    rules->push_back({cls, "_n_features", [get](const Obj& o) { return get(o, "n_features_in_"); }, "0.24+ _raw_predict: X.shape[1], = n_features_in_"});
    rules->push_back({cls, "n_features_", [get](const Obj& o) { return get(o, "_n_features") ? get(o, "_n_features") : get(o, "n_features_in_"); },
                      "0.23 name of _n_features"});
    rules->push_back({cls, "is_categorical_", [this](const Obj& o) -> const Value* { return WrittenBy(&o) < Version{0, 24, 0} ? None() : nullptr; },
                      "None: no categorical features (0.23 had no categorical support)"});
    rules->push_back({cls, "categorical_features", [this](const Obj&) -> const Value* { return None(); },
                      "fit only; None = no categorical features, as the source had none"});
    rules->push_back({cls, "interaction_cst", [this](const Obj&) -> const Value* { return None(); }, "1.2+: fit only; None = no constraints, as before"});
    rules->push_back({cls, "_preprocessor", [this](const Obj&) -> const Value* { return None(); },
                      "1.4+ _preprocess_X: None validates X and predicts on the raw values, as every version before 1.4 did "
                      "(including 1.2's categorical splits on raw category values)"});
    rules->push_back({cls, "_scorer", [this](const Obj&) -> const Value* { return None(); }, "early stopping in fit only"});
    rules->push_back({cls, "scorer_", [this](const Obj&) -> const Value* { return None(); }, "0.23: early stopping in fit only"});
  }
  rules->push_back({"HistGradientBoostingClassifier", "class_weight", [this](const Obj&) -> const Value* { return None(); },
                    "1.2+: sample weights in fit only; None = unweighted, as before"});
  rules->push_back({"HistGradientBoostingRegressor", "quantile", [this](const Obj&) -> const Value* { return None(); },
                    "1.1+: read by the quantile loss only (the source's loss is another)"});
  rules->push_back({"HistGradientBoostingClassifier", "_label_encoder", [this, get](const Obj& o) -> const Value* {
                      const Value* classes = get(o, "classes_");
                      if (!classes || classes->kind != Kind::kArray) return nullptr;
                      return NewObj("sklearn.preprocessing._label", "LabelEncoder",
                                    Dict({{"classes_", classes}, {"_sklearn_version", Str(target_.sklearn->Str())}}));
                    },
                    "1.9 _encode_y: the LabelEncoder fitted on y, whose classes_ are classes_ (read in fit / warm start only)"});
  rules->push_back({"_BinMapper", "is_categorical_", [this, get](const Obj& o) -> const Value* {
                      const Value* n = get(o, "n_bins_non_missing_");
                      return n && n->kind == Kind::kArray && n->array->ndim() == 1 ? HgbUInt8Zeros(n->array->size()) : nullptr;
                    },
                    "0.24+ make_known_categories_bitsets: one uint8 flag per feature; all 0 for a 0.23 binner (no categorical support)"});
  rules->push_back({"_BinMapper", "is_categorical", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: None = no categorical features"});
  rules->push_back({"_BinMapper", "known_categories", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: None = no categorical features"});
  rules->push_back({"_BinMapper", "n_threads", [this](const Obj&) -> const Value* { return None(); }, "0.24+ parameter: binning threads in fit only"});
}

/// A table row for (class, key): class-specific rows first, then '*'.
const AttrRule* Porter::FindRule(const Obj& o, const std::string& key, bool derivable) {
  std::string_view cls = ShortName(o.class_path);
  const AttrRule* any = nullptr;
  for (const auto& r : AttrRules()) {
    if (r.key != key || static_cast<bool>(r.derive) != derivable) continue;
    if (r.cls == cls) return &r;
    if (r.cls == "*" && !any) any = &r;
  }
  return any;
}

/// A value for `key` of object `o` derived from what it holds, or nullptr.
const Value* Porter::Derive(const Obj& o, const std::string& key) {
  const Value* s = o.state;
  auto get = [&](const char* k) { return s->Get(k); };
  std::string cls(ShortName(o.class_path));
  if (const AttrRule* r = FindRule(o, key, true)) {
    if (const Value* v = r->derive(o)) return v;
  }
  if (key == "n_estimators_" && cls.starts_with("GradientBoosting")) {
    // 0.20 added early stopping: the stages actually fitted, one row of estimators_ each
    const Value* est = get("estimators_");
    return est && est->kind == Kind::kArray && est->array->ndim() == 2 ? Int(est->array->shape[0]) : nullptr;
  }
  if (key == "n_features_in_") {
    if (get("n_features_")) return get("n_features_");
    // a linear model fitted before 0.23: coef_ has one column per input feature
    const Value* coef = get("coef_");
    if (coef && coef->kind == Kind::kArray && (coef->array->ndim() == 1 || coef->array->ndim() == 2)) {
      return Int(coef->array->shape[coef->array->ndim() - 1]);
    }
    return nullptr;
  }
  if (key == "n_features_") {
    if (cls.starts_with("Bagging") || cls.find("Forest") != std::string::npos || cls.starts_with("ExtraTrees") ||
        cls.starts_with("GradientBoosting") || cls.starts_with("DecisionTree") || cls.starts_with("ExtraTree") ||
        cls.starts_with("RandomTrees") || cls.starts_with("IsolationForest") || cls.ends_with("NB")) {
      return get("n_features_in_");
    }
    return nullptr;
  }
  for (const auto& group : std::vector<std::vector<const char*>>{{"estimator", "base_estimator"}, {"estimator_", "base_estimator_", "_estimator"}}) {
    if (std::find_if(group.begin(), group.end(), [&](const char* g) { return key == g; }) == group.end()) continue;
    for (const char* g : group) {
      if (key != g && get(g)) {
        const Value* v = get(g);
        // 'deprecated' / 'warn' placeholders are not estimators
        if (v->is_text()) continue;
        return v;
      }
    }
    return nullptr;
  }
  if (key == "n_input_features_" && cls == "PolynomialFeatures") return get("n_features_in_");
  if (key == "keep_empty_features") return Bool(false);
  if (key == "_feature_names_in" && cls == "ColumnTransformer") return get("feature_names_in_") ? get("feature_names_in_") : None();
  if (key == "monotonic_cst") return None();
  if (key == "clip") return Bool(false);
  if (key == "positive") return Bool(false);
  if (key == "_infrequent_enabled") return Bool(false);
  if (key == "feature_names_out") return None();
  if (key == "_drop_idx_after_grouping") return get("drop_idx_");
  if (key == "_n_features_out") {
    // LinearDiscriminantAnalysis: _max_components; Birch: subcluster_centers_ rows; random
    // projections: n_components_; PLS: x_rotations_ columns; kernel samplers: n_components
    if (cls == "LinearDiscriminantAnalysis") return get("_max_components");
    if (cls == "Birch") {
      const Value* c = get("subcluster_centers_");
      return c && c->kind == Kind::kArray && c->array->ndim() == 2 ? Int(c->array->shape[0]) : nullptr;
    }
    if (cls.ends_with("RandomProjection")) return get("n_components_");
    if (cls == "SkewedChi2Sampler" || cls == "RBFSampler") {
      const Value* w = get("random_weights_");
      return w && w->kind == Kind::kArray && w->array->ndim() == 2 ? Int(w->array->shape[1]) : nullptr;
    }
    if (cls.starts_with("PLS") || cls == "CCA") {
      const Value* r = get("x_rotations_");
      return r && r->kind == Kind::kArray && r->array->ndim() == 2 ? Int(r->array->shape[1]) : nullptr;
    }
    for (const char* k : {"components_", "cluster_centers_"}) {
      const Value* c = get(k);
      if (c && c->kind == Kind::kArray && c->array->ndim() == 2) return Int(c->array->shape[0]);
    }
    return nullptr;
  }
  if (key == "multi_class") {
    if (!cls.starts_with("LogisticRegression")) return nullptr;
    const Value* classes = get("classes_");
    const Value* solver = get("solver");
    if (!classes || classes->kind != Kind::kArray) return nullptr;
    if (classes->array->size() <= 2) return Str("auto");
    // a >= 1.8 multiclass model is multinomial (softmax); liblinear would be one-vs-rest in old versions
    if (solver && solver->is_text() && solver->text == "liblinear") return nullptr;
    return Str("multinomial");
  }
  if (key == "_fit_dtype") {
    const Value* st = get("statistics_");
    if (!st || st->kind != Kind::kArray) return nullptr;
    const DType& d = st->array->dtype;
    if (d.kind != DTypeKind::kFloat && d.kind != DTypeKind::kInt && d.kind != DTypeKind::kObject) return nullptr;
    std::string type = d.kind == DTypeKind::kObject ? "O8" : fmt::format("{}{}", d.kind == DTypeKind::kFloat ? 'f' : 'i', d.itemsize);
    Value* dt = file_.graph.New(Kind::kObject);
    dt->object->form = ObjectForm::kReduce;
    dt->object->callable = Global("numpy", "dtype");
    dt->object->args = Tuple({Str(type), Bool(false), Bool(true)});
    dt->object->state = Tuple({Int(3), Str(d.kind == DTypeKind::kObject ? "|" : "<"), None(), None(), None(), Int(-1), Int(-1),
                               Int(d.kind == DTypeKind::kObject ? 63 : 0)});
    return dt;
  }
  if (key == "idf_") {
    const Value* diag = get("_idf_diag");
    if (!diag || diag->kind != Kind::kObject) return nullptr;
    const Value* ds = diag->State();
    if (!ds || ds->kind != Kind::kDict) return nullptr;
    const Value* data = ds->Get("data");
    const Value* indices = ds->Get("indices");
    const Value* shape = ds->Get("_shape");
    if (!data || !indices || !shape || data->kind != Kind::kArray || indices->kind != Kind::kArray || shape->kind != Kind::kTuple ||
        shape->items.size() != 2 || shape->items[0]->kind != Kind::kInt)
      return nullptr;
    std::int64_t n = shape->items[0]->integer;
    if (data->array->size() != n || data->array->dtype.kind != DTypeKind::kFloat || indices->array->dtype.kind != DTypeKind::kInt)
      return nullptr;
    // a csr diagonal: row i holds column i
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t col = indices->array->dtype.itemsize == 4 ? indices->array->view<std::int32_t>()[i] : indices->array->view<std::int64_t>()[i];
      if (col != i) return nullptr;
    }
    return data;
  }
  return nullptr;
}

void Porter::Attributes() {
  static const std::set<std::string> kMethods = {"predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
                                                 "score_samples", "inverse_transform", "fit", "kneighbors"};
  for (auto& o : objects_) {
    if (!o.state || !o.class_path.starts_with("sklearn.")) continue;
    std::string cls(ShortName(o.class_path));
    // a 0.23 TfidfTransformer's only fitted state is the private _idf_diag (or nothing, without idf)
    if (cls == "TfidfTransformer") TfidfWithoutIdf(o);
    if (!compat::IsFitted(*o.state) && !(cls == "TfidfTransformer" && o.state->Get("_idf_diag"))) {
      // an unfitted estimator (a meta-estimator's template): its parameters, as the target's
      // get_params / clone read them; derived where the table can, never a refusal
      auto r = env_->state_keys.find(o.class_path);
      if (r == env_->state_keys.end()) continue;
      std::vector<std::string> added;
      for (const auto& key : r->second) {
        if (key.empty() || key.back() == '_' || key.front() == '_' || o.state->Get(key)) continue;
        const Value* v = Derive(o, key);
        if (!v) continue;
        Set(o.state, key, v);
        added.push_back(key);
      }
      if (!added.empty()) {
        std::string list;
        for (const auto& k : added) list += (list.empty() ? "" : ", ") + k;
        Change(o.path, "parameters added: " + list);
      }
      continue;
    }
    std::set<std::string> wanted, required;
    if (auto r = env_->predict_reads.find(cls); r != env_->predict_reads.end()) {
      for (const auto& k : r->second) {
        if (kMethods.count(k) || k.find('(') != std::string::npos) continue;
        wanted.insert(k);
        required.insert(k);
      }
    }
    if (auto r = env_->state_keys.find(o.class_path); r != env_->state_keys.end()) {
      wanted.insert(r->second.begin(), r->second.end());
      required.insert(r->second.begin(), r->second.end());  // the target always holds them: assume it reads them
    }
    Version tgt = *target_.sklearn;
    bool tree_family = cls.starts_with("DecisionTree") || cls.starts_with("ExtraTree") || cls.find("Forest") != std::string::npos ||
                       cls.starts_with("GradientBoosting") || cls.starts_with("Bagging") || cls.starts_with("RandomTrees");
    if (tree_family && tgt < Version{1, 2, 0} && o.state->Get("n_features_in_")) wanted.insert("n_features_");
    if (cls == "PolynomialFeatures" && tgt < Version{1, 0, 0}) wanted.insert("n_input_features_"), required.insert("n_input_features_");
    if (cls == "GaussianNB" && tgt < Version{1, 0, 0}) wanted.insert("sigma_"), required.insert("sigma_");
    // encoders: 1.1+ transform reads _missing_indices (and OneHotEncoder _n_features_outs), which
    // the measured state_keys miss; measured live (AttributeError) from a 0.23 source
    if ((cls == "OneHotEncoder" || cls == "OrdinalEncoder") && tgt >= Version{1, 1, 0} && WrittenBy(&o) < Version{1, 0, 0}) {
      wanted.insert("_missing_indices"), required.insert("_missing_indices");
      if (cls == "OneHotEncoder") wanted.insert("_n_features_outs"), required.insert("_n_features_outs");
    }
    if (cls == "ColumnTransformer" && tgt >= Version{1, 0, 0} && o.state->Get("_feature_names_in")) wanted.insert("feature_names_in_");
    if (const Value* u = o.state->Get("use_idf"); cls == "TfidfTransformer" && u && u->kind == Kind::kBool && !u->boolean) {
      wanted.erase("idf_"), required.erase("idf_");  // 1.9 text.py: fit sets idf_ only with use_idf, transform uses it if present
    }
    if (cls == "SGDClassifier") SgdLoss(o);
    Pls(o);  // renames the statistics the target reads
    CalibratedClassifiers(o);  // the inner _CalibratedClassifier layout
    if (cls == "OneHotEncoder") OneHotInfrequent(o);
    if (cls == "SimpleImputer") SimpleImputerConstant(o);
    if (cls == "RidgeClassifier" || cls == "RidgeClassifierCV") RidgeBinaryCoef(o);
    if (cls == "ColumnTransformer") CtPassthrough(o);
    std::vector<std::string> added;
    for (const auto& key : wanted) {
      if (o.state->Get(key)) continue;
      if (cls == "IsotonicRegression" && key == "f_") continue;  // rebuilt by __setstate__
      const Value* v = Derive(o, key);
      if (!v && FindRule(o, key, false)) continue;  // unused by prediction (see the table's evidence)
      if (!v) {
        if (required.count(key)) {
          throw Error::Unsupported(fmt::format("{}: {} lacks {}, which scikit-learn {} reads when predicting, and skbridge cannot "
                                               "derive it from the attributes it holds",
                                               o.path, cls, key, target_.sklearn->Str()));
        }
        continue;
      }
      Set(o.state, key, v);
      added.push_back(key);
    }
    BayesStd(o);
    if (!added.empty()) {
      std::string list;
      for (const auto& k : added) list += (list.empty() ? "" : ", ") + k;
      Change(o.path, "attributes added: " + list);
    }
  }
}

}  // namespace skbridge::port_detail
