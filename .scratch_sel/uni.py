import joblib, numpy as np, sklearn
v = sklearn.__version__
m = joblib.load(f'/work/tests/fixtures/{v}/DummyClassifier_most_frequent_str.joblib')
X = np.load(f'/work/tests/fixtures/{v}/inputs/multiclass.npy', allow_pickle=True)
print(v, m.classes_, m.class_prior_)
m.strategy = 'uniform'; m._strategy = 'uniform'; m.random_state = 7
print(list(m.predict(X)))
m.strategy = 'stratified'; m._strategy = 'stratified'; m.random_state = 3
print(list(m.predict(X)))
m.strategy = 'constant'; m._strategy = 'constant'; m.constant = m.classes_[1]
print(list(m.predict(X)), m.predict_proba(X)[0])
