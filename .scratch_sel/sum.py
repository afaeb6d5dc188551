import numpy as np
rng = np.random.RandomState(1)
for n in (5, 9, 17, 130, 300):
    a = rng.standard_normal(n) * 10.0 ** rng.randint(-8, 8, size=n)
    seq = 0.0
    for x in a: seq += x
    print(n, float(np.sum(a)).hex(), float(seq).hex(), float(np.mean(a)).hex())
np.save('/work/.scratch_sel/sum_inputs.npy', np.concatenate([rng.standard_normal(0)] + []))
