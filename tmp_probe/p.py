import pickle, pickletools, sklearn, numpy as np, io
from sklearn.neighbors import KNeighborsClassifier
X = np.random.RandomState(0).rand(30,3); y=(X[:,0]>.5).astype(int)
k = KNeighborsClassifier(algorithm='kd_tree').fit(X,y)
print("VER", sklearn.__version__)
t = k._tree
dm = t.dist_metric if hasattr(t,'dist_metric') else None
print("tree", type(t), "dm", type(dm), dm.__reduce__() if dm is not None else None)
print("tree reduce", [type(a) for a in t.__reduce__()], t.__reduce__()[0], t.__reduce__()[1])
st = t.__getstate__()
print("tree state len", len(st), [type(s).__name__ for s in st])
print("kdtree dm in state:", [repr(s)[:80] for s in st[-6:]])
