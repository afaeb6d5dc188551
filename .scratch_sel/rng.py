import numpy as np, sklearn
rs = np.random.RandomState(0)
print(sklearn.__version__, np.__version__)
print([float(x).hex() for x in rs.random_sample(3)])
print(np.random.RandomState(0).randint(3, size=10).tolist())
print(np.random.RandomState(7).randint(5, size=10).tolist())
p = np.array([0.3625,0.35,0.2875])
print(np.random.RandomState(0).multinomial(1, p, size=12).argmax(1).tolist())
print(np.random.RandomState(3).multinomial(1, np.array([0.2,0.7,0.1]), size=12).argmax(1).tolist())
a = np.array([0.1*i+1/3 for i in range(20)])
print(float(np.sum(a)).hex(), float(np.sum(a[:9])).hex())
s=0.0
for x in a: s+=x
print(float(s).hex())
