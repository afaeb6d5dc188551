import numpy as np, joblib, json, os, sklearn, warnings
warnings.filterwarnings("ignore")
from sklearn.feature_selection import *
from sklearn.linear_model import LogisticRegression, Lasso, ElasticNet, LinearRegression, Ridge
from sklearn.ensemble import RandomForestClassifier, GradientBoostingRegressor, ExtraTreesClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.tree import DecisionTreeClassifier
v = sklearn.__version__
V = tuple(int(x) for x in v.split('.')[:2])
out = f"/work/.scratch_sel/gen_{v}"
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
X = rng.normal(size=(40, 10))
X[:, 3] = X[:, 2]            # duplicate column -> tied scores
X[:, 7] = X[:, 2]
yc = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
y3 = np.digitize(X[:, 0] + 0.5 * X[:, 4], [-0.5, 0.5])
yr = X[:, 0] * 2 + X[:, 1] - X[:, 5] + 0.1 * rng.normal(size=40)
Xc = np.abs(np.round(X * 3))
manifest = []
def save(name, est, Xin, methods=("transform",)):
    joblib.dump(est, f"{out}/{name}.joblib")
    np.save(f"{out}/{name}.X.npy", Xin)
    ms = []
    for m in methods:
        try:
            r = getattr(est, m)(Xin)
        except Exception as e:
            ms.append([m, "error: " + str(e)[:200]]); continue
        np.save(f"{out}/{name}.{m}.npy", np.asarray(r))
        ms.append([m, "ok"])
    manifest.append([name, ms])
def sfm(name, base, y, Xin=X, **kw):
    try:
        est = SelectFromModel(base, **kw).fit(Xin, y)
    except TypeError as e:
        manifest.append([name, [["fit", "error: " + str(e)[:200]]]]); return
    save(name, est, Xin)

from sklearn.feature_selection import f_classif, chi2, f_regression
save("kbest_ties", SelectKBest(f_classif, k=4).fit(X, yc), X)
save("kbest_all", SelectKBest(f_classif, k="all").fit(X, yc), X)
save("kbest_0", SelectKBest(f_classif, k=0).fit(X, yc), X)
s = SelectKBest(f_classif, k=5).fit(X, yc); s.scores_ = s.scores_.copy(); s.scores_[[1, 6]] = np.nan
save("kbest_nan", s, X)
for p in (10, 25, 30, 33.3, 50, 75, 90, 99):
    save(f"pct_{p}", SelectPercentile(f_classif, percentile=p).fit(X, yc), X)
s = SelectPercentile(f_classif, percentile=35).fit(X, yc); s.scores_ = np.round(s.scores_); save("pct_rounded", s, X)
s = SelectPercentile(f_classif, percentile=50).fit(X, yc); s.scores_ = np.array([1.,2,2,2,2,3,3,3,3,4]); save("pct_manyties", s, X)
for mode, param in (("percentile", 30), ("k_best", 2), ("fpr", 0.05), ("fdr", 0.1), ("fwe", 0.05), ("k_best", "all")):
    save(f"gus_{mode}_{param}", GenericUnivariateSelect(f_classif, mode=mode, param=param).fit(X, yc), X)
save("fpr", SelectFpr(f_classif, alpha=0.2).fit(X, yc), X)
save("fdr", SelectFdr(f_classif, alpha=0.3).fit(X, yc), X)
save("fwe", SelectFwe(f_classif, alpha=0.3).fit(X, yc), X)
save("kbest_chi2", SelectKBest(chi2, k=3).fit(Xc, y3), Xc)
save("vt_default", VarianceThreshold().fit(np.c_[X, np.ones(40)]), np.c_[X, np.ones(40)])
sfm("sfm_lr_multi_mean", LogisticRegression(max_iter=1000), y3)
sfm("sfm_lr_multi_norm2", LogisticRegression(max_iter=1000), y3, norm_order=2)
sfm("sfm_lr_multi_norm3", LogisticRegression(max_iter=1000), y3, norm_order=3, threshold="0.8*median")
sfm("sfm_lr_multi_inf", LogisticRegression(max_iter=1000), y3, norm_order=np.inf, threshold="1.25*mean")
sfm("sfm_lr_multi_neginf", LogisticRegression(max_iter=1000), y3, norm_order=-np.inf, threshold="median")
sfm("sfm_lr_bin", LogisticRegression(max_iter=1000), yc, threshold=0.3)
sfm("sfm_lr_l1", LogisticRegression(penalty="l1", solver="liblinear"), yc)
sfm("sfm_enet1", ElasticNet(alpha=0.1, l1_ratio=1.0), yr)
sfm("sfm_enet5", ElasticNet(alpha=0.1, l1_ratio=0.5), yr)
sfm("sfm_ridge_maxf", Ridge(), yr, max_features=3)
sfm("sfm_ridge_maxf_thr", Ridge(), yr, max_features=5, threshold="median")
sfm("sfm_rf_mean", RandomForestClassifier(n_estimators=5, random_state=0, max_depth=3), yc)
sfm("sfm_et", ExtraTreesClassifier(n_estimators=4, random_state=0), y3, threshold="0.5*mean", max_features=4)
sfm("sfm_gb", GradientBoostingRegressor(n_estimators=5, random_state=0), yr, threshold="median")
sfm("sfm_dt", DecisionTreeClassifier(random_state=0), y3)
pre = LogisticRegression(max_iter=1000).fit(X, y3)
save("sfm_prefit", SelectFromModel(pre, prefit=True, threshold="mean"), X)
if V >= (0, 24):
    sfm("sfm_getter_pipe", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), y3, importance_getter="named_steps.logisticregression.coef_")
    from sklearn.compose import TransformedTargetRegressor
    sfm("sfm_getter_ttr", TransformedTargetRegressor(regressor=Ridge()), yr, importance_getter="regressor_.coef_")
# RFE on a regressor; RFE with multiclass
save("rfe_reg", RFE(Ridge(), n_features_to_select=4).fit(X, yr), X, ("transform", "predict"))
save("rfe_multi", RFE(LogisticRegression(max_iter=1000), n_features_to_select=3, step=2).fit(X, y3), X, ("transform", "predict", "predict_proba", "decision_function"))
# Dummy variants
save("dummy_uniform", DummyClassifier(strategy="uniform", random_state=11).fit(X, y3), X, ("predict", "predict_proba"))
save("dummy_strat_multi", DummyClassifier(strategy="stratified", random_state=5).fit(X, np.c_[y3, yc]), X, ("predict",))
save("dummy_const", DummyClassifier(strategy="constant", constant=2).fit(X, y3), X, ("predict", "predict_proba"))
save("dummy_mf_multi", DummyClassifier(strategy="most_frequent").fit(X, np.c_[y3, yc]), X, ("predict",))
save("dummyr_median", DummyRegressor(strategy="median").fit(X, yr), X, ("predict",))
save("dummyr_const_multi", DummyRegressor(strategy="constant", constant=[1.5, 2]).fit(X, np.c_[yr, yr]), X, ("predict",))
save("dummyr_mean_multi", DummyRegressor().fit(X, np.c_[yr, yr * 2]), X, ("predict",))
json.dump(manifest, open(f"{out}/manifest.json", "w"), indent=0)
print(v, len(manifest))
