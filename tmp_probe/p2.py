import pickle, pickletools, sklearn, numpy as np
from sklearn.neighbors import KNeighborsClassifier
X = np.random.RandomState(0).rand(30,3); y=(X[:,0]>.5).astype(int)
k = KNeighborsClassifier(algorithm='kd_tree').fit(X,y)
print("VER", sklearn.__version__)
dm = k._tree.__getstate__()[11]
print(dm.__reduce__())
print("effective_metric_", k.effective_metric_, "params", k.effective_metric_params_)
