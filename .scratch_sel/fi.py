import joblib, sklearn, json, os, glob
v = sklearn.__version__
out = {}
for name in ["DecisionTreeClassifier_binary","DecisionTreeClassifier_multiclass","DecisionTreeRegressor_multioutput","DecisionTreeRegressor_regression","ExtraTreeClassifier","ExtraTreeRegressor","ExtraTreesClassifier_binary","ExtraTreesClassifier_multiclass","ExtraTreesRegressor_multioutput","ExtraTreesRegressor_regression","GradientBoostingClassifier_binary","GradientBoostingClassifier_multiclass","GradientBoostingRegressor_huber","GradientBoostingRegressor_squared_error","RandomForestClassifier_binary","RandomForestClassifier_multiclass","RandomForestClassifier_multilabel","RandomForestRegressor_multioutput","RandomForestRegressor_regression","RandomTreesEmbedding","SelectFromModel_RandomForest"]:
    p = f"/work/tests/fixtures/{v}/{name}.joblib"
    if not os.path.exists(p): continue
    m = joblib.load(p)
    if name.startswith("SelectFromModel"): m = m.estimator_
    try:
        out[name] = [float(x).hex() for x in m.feature_importances_]
    except Exception as e:
        out[name] = str(e)
json.dump(out, open(f"/work/.scratch_sel/fi_{v}.json","w"), indent=0)
print(v, len(out))
