import numpy as np, math
for n in (5, 9, 17, 130, 300):
    a = np.array([math.ldexp(((i*7919)%1000 - 500) + 1/3, (i*37)%40 - 20) for i in range(n)])
    seq = 0.0
    for x in a: seq += x
    print(n, float(np.sum(a)).hex(), float(seq).hex(), float(np.mean(a)).hex(), float(np.median(a)).hex(), float(np.percentile(a, 37)).hex(), float(np.percentile(a, 50)).hex())
    m = a.reshape(-1, 1) if n%2 else None
