import joblib, numpy as np, sklearn
v = sklearn.__version__
for scores in ([1,2,2,2,3,4], [5,5,5,5,5,5], [np.nan,1,1,1,2,np.nan]):
    m = joblib.load(f'/work/tests/fixtures/{v}/SelectPercentile.joblib')
    m.scores_ = np.array(scores, dtype=float)
    print(v, 'pct', m.get_support(indices=True).tolist())
for scores in ([1,3,3,2,3,0], [np.nan, 2, np.nan, 2, 1, 0]):
    m = joblib.load(f'/work/tests/fixtures/{v}/SelectKBest_f_classif.joblib')
    m.scores_ = np.array(scores, dtype=float); m.k = 3
    print(v, 'kbest', m.get_support(indices=True).tolist())
