#!/usr/bin/env python3
"""Writes tests/data/plain/plain.p<N>.pkl: one object of plain Python data pickled with protocols
0 to 5 by the host's python3 (no numpy needed). src/pickle/plain_test.cc checks every value.

    python3 tests/data/make_plain_pickles.py

Only pickle.dump is used (writing); the files hold no globals beyond builtins, copyreg, _codecs and
collections.OrderedDict.
"""
import collections
import os
import pickle

HERE = os.path.dirname(os.path.abspath(__file__))


def make():
    shared = ["x"]
    cycle = []
    cycle.append(cycle)
    return {
        "int": 42,
        "neg": -7,
        "int32": -2**31,
        "int64": 2**63 - 1,
        "big": 2**100,
        "bigneg": -(10**30),
        "float": 1.5,
        "tiny": 5e-324,
        "nan": float("nan"),
        "ninf": float("-inf"),
        "str": "h\u00e9llo \u20ac \U0001f600\n\\",
        "bytes": b"\x00\xff\x80a",
        "bytearray": bytearray(b"ab\xff"),
        "none": None,
        "true": True,
        "false": False,
        "list": [1, 2, 3],
        "tuple": (1, "a"),
        "set": {3},
        "frozenset": frozenset({4}),
        "complex": complex(1.5, -2.0),
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
        "shared": [shared, shared],
        "empty": ((), [], {}, ""),
        "cycle": cycle,
        "long_list": list(range(1500)),
        "long_str": "q" * 300,
    }


def main():
    out = os.path.join(HERE, "plain")
    os.makedirs(out, exist_ok=True)
    obj = make()
    for proto in range(6):
        with open(os.path.join(out, "plain.p%d.pkl" % proto), "wb") as f:
            pickle.dump(obj, f, protocol=proto)


if __name__ == "__main__":
    main()
