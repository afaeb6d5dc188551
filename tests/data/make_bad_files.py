#!/usr/bin/env python3
"""Writes the hand-made malicious and broken files under tests/data/ and their manifest.

    python3 tests/data/make_bad_files.py            # from the repository root

This script only WRITES bytes. It assembles every pickle opcode by opcode and never imports, loads
or calls anything from them (do not "check" these files with pickle.load: the malicious ones would
run their payload). Each malicious payload, if it ever ran, would create /tmp/skbridge-pwned-<name>;
src/pickle/bad_files_test.cc reads every file with skbridge and asserts those sentinels never appear.

The manifest tests/data/expectations.json maps each file to what skbridge must report:
  outcome "ok"      the file reads; "dangerous" lists the globals that must be reported as dangerous
                    (with "called": true when the stream calls them, as REDUCE/NEWOBJ/INST/OBJ do)
  outcome "error"   reading fails with skbridge::Error of "code" whose message contains "message"
                    (and, when given, at byte "offset")
  outcome "ok_or_limit"  reading succeeds or fails with a limit error, never crashes
  "max_nodes"       upper bound on the value graph's node count (memo bombs must stay small)
"""
import gzip
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


class P:
    """A pickle assembler: each method appends one opcode with its operand."""

    def __init__(self):
        self.b = bytearray()

    def raw(self, data):
        self.b += data
        return self

    def proto(self, n):
        return self.raw(b"\x80" + bytes([n]))

    def stop(self):
        return self.raw(b".")

    def mark(self):
        return self.raw(b"(")

    def none(self):
        return self.raw(b"N")

    def str(self, s):
        data = s.encode("utf-8")
        if len(data) < 256:
            return self.raw(b"\x8c" + bytes([len(data)]) + data)
        return self.raw(b"X" + struct.pack("<I", len(data)) + data)

    def binunicode(self, s):
        data = s.encode("utf-8")
        return self.raw(b"X" + struct.pack("<I", len(data)) + data)

    def bytes(self, data):
        return self.raw(b"C" + bytes([len(data)]) + data if len(data) < 256 else b"B" + struct.pack("<I", len(data)) + data)

    def binint(self, v):
        return self.raw(b"J" + struct.pack("<i", v))

    def binint1(self, v):
        return self.raw(b"K" + bytes([v]))

    def glob(self, module, name):
        return self.raw(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def stack_global(self, module, name):
        return self.str(module).str(name).raw(b"\x93")

    def tuple1(self):
        return self.raw(b"\x85")

    def tuple2(self):
        return self.raw(b"\x86")

    def tuple3(self):
        return self.raw(b"\x87")

    def tuple(self):
        return self.raw(b"t")

    def empty_tuple(self):
        return self.raw(b")")

    def empty_list(self):
        return self.raw(b"]")

    def empty_dict(self):
        return self.raw(b"}")

    def reduce(self):
        return self.raw(b"R")

    def build(self):
        return self.raw(b"b")

    def newobj(self):
        return self.raw(b"\x81")

    def setitem(self):
        return self.raw(b"s")

    def setitems(self):
        return self.raw(b"u")

    def append(self):
        return self.raw(b"a")

    def binput(self, k):
        return self.raw(b"q" + bytes([k]))

    def binget(self, k):
        return self.raw(b"h" + bytes([k]))

    def newtrue(self):
        return self.raw(b"\x88")

    def newfalse(self):
        return self.raw(b"\x89")

    def data(self):
        return bytes(self.b)


def touch(name):
    return "touch /tmp/skbridge-pwned-" + name


def sentinel(name):
    return "/tmp/skbridge-pwned-" + name


def dtype(p, code, endian, elsize=-1, align=-1, flags=0):
    p.glob("numpy", "dtype").str(code).newfalse().newtrue().tuple3().reduce()
    p.mark().binint1(3).str(endian).none().none().none().binint(elsize).binint(align).binint(flags).tuple().build()


def object_wrapper(p):
    """joblib's NumpyArrayWrapper for an object array; the nested pickle must follow its BUILD."""
    p.stack_global("joblib.numpy_pickle", "NumpyArrayWrapper").empty_tuple().newobj()
    p.empty_dict().mark()
    p.str("subclass").stack_global("numpy", "ndarray")
    p.str("shape").binint1(1).tuple1()
    p.str("order").str("C")
    p.str("dtype")
    dtype(p, "O8", "|", -1, -1, 63)
    p.str("allow_mmap").newfalse()
    p.str("numpy_array_alignment_bytes").binint1(16)
    p.setitems().build()


def object_array(p, element):
    """numpy's own pickle of a 1-element object array: _reconstruct + BUILD, element in its list."""
    p.glob("numpy.core.multiarray", "_reconstruct").glob("numpy", "ndarray").binint1(0).tuple1().bytes(b"b").tuple3().reduce()
    p.mark().binint1(1).binint1(1).tuple1()
    dtype(p, "O8", "|", -1, -1, 63)
    p.newfalse()
    p.empty_list()
    element(p)
    p.append()
    p.tuple().build()


def malicious():
    files = {}

    def add(name, data, dangerous, outcome="ok", **extra):
        files["malicious/" + name] = (data, dict(outcome=outcome, dangerous=dangerous,
                                                 sentinel=sentinel(name.split(".")[0]), **extra))

    def called(path, is_called=True):
        return {"global": path, "called": is_called}

    n = "os_system_global"
    add(n + ".pkl", P().proto(2).glob("os", "system").binunicode(touch(n)).tuple1().reduce().stop().data(),
        [called("os.system")])
    n = "os_system_stack_global"
    add(n + ".pkl", P().proto(4).stack_global("os", "system").str(touch(n)).tuple1().reduce().stop().data(),
        [called("os.system")])
    n = "posix_system"
    add(n + ".pkl", b"cposix\nsystem\n(S'" + touch(n).encode() + b"'\ntR.", [called("posix.system")])
    n = "nt_system"
    add(n + ".pkl", b"cnt\nsystem\n(S'" + touch(n).encode() + b"'\ntR.", [called("nt.system")])
    n = "builtins_eval"
    add(n + ".pkl", P().proto(2).glob("builtins", "eval")
        .binunicode("__import__('os').system('%s')" % touch(n)).tuple1().reduce().stop().data(), [called("builtins.eval")])
    n = "builtins_exec"
    add(n + ".pkl", P().proto(4).stack_global("builtins", "exec")
        .str("import os; os.system('%s')" % touch(n)).tuple1().reduce().stop().data(), [called("builtins.exec")])
    # getattr(__import__('os'), 'system')('touch ...')
    n = "builtins_getattr"
    add(n + ".pkl", P().proto(2).glob("builtins", "getattr").glob("builtins", "__import__").binunicode("os").tuple1().reduce()
        .binunicode("system").tuple2().reduce().binunicode(touch(n)).tuple1().reduce().stop().data(),
        [called("builtins.getattr"), called("builtins.__import__")])
    # Python 2 spelling, protocol 0.
    n = "builtin_import"
    add(n + ".pkl", b"c__builtin__\n__import__\n(S'os'\ntR.", [called("__builtin__.__import__")])
    n = "subprocess_popen"
    add(n + ".pkl", P().proto(2).glob("subprocess", "Popen").mark().str("touch").str(sentinel(n)).raw(b"l").tuple1().reduce()
        .stop().data(), [called("subprocess.Popen")])
    n = "subprocess_check_output"
    add(n + ".pkl", P().proto(4).stack_global("subprocess", "check_output").mark().str("touch").str(sentinel(n)).raw(b"l")
        .tuple1().reduce().stop().data(), [called("subprocess.check_output")])
    n = "importlib_import_module"
    add(n + ".pkl", P().proto(4).stack_global("builtins", "getattr").stack_global("importlib", "import_module").str("os")
        .tuple1().reduce().str("system").tuple2().reduce().str(touch(n)).tuple1().reduce().stop().data(),
        [called("importlib.import_module"), called("builtins.getattr")])
    # pickle.loads(b'<a pickle that runs os.system>'): the inner stream is only bytes to skbridge.
    n = "nested_pickle_loads"
    inner = P().proto(2).glob("os", "system").binunicode(touch(n)).tuple1().reduce().stop().data()
    add(n + ".pkl", P().proto(3).glob("pickle", "loads").bytes(inner).tuple1().reduce().stop().data(), [called("pickle.loads")])
    n = "runpy_run_code"
    add(n + ".pkl", P().proto(4).stack_global("runpy", "_run_code").str("import os; os.system('%s')" % touch(n))
        .empty_dict().tuple2().reduce().stop().data(), [called("runpy._run_code")])
    # functools.partial(os.system, 'touch ...')()
    n = "functools_partial"
    add(n + ".pkl", P().proto(2).glob("functools", "partial").glob("os", "system").binunicode(touch(n)).tuple2().reduce()
        .empty_tuple().reduce().stop().data(), [called("functools.partial"), called("os.system", False)])
    # operator.attrgetter('system')(__import__('os'))('touch ...')
    n = "operator_attrgetter"
    add(n + ".pkl", P().proto(2).glob("operator", "attrgetter").binunicode("system").tuple1().reduce()
        .glob("builtins", "__import__").binunicode("os").tuple1().reduce().tuple1().reduce()
        .binunicode(touch(n)).tuple1().reduce().stop().data(),
        [called("operator.attrgetter"), called("builtins.__import__")])
    # Protocol 4 qualified names walk attributes: sklearn.base.__builtins__... and numpy.testing.os.system
    n = "dotted_attribute_chain"
    add(n + ".pkl", P().proto(4).stack_global("numpy", "testing.os.system").str(touch(n)).tuple1().reduce()
        .stack_global("sklearn.base", "BaseEstimator.__init__.__globals__").tuple2().stop().data(),
        [called("numpy.testing.os.system"), called("sklearn.base.BaseEstimator.__init__.__globals__", False)])
    n = "dotted_module_chain"
    add(n + ".pkl", P().proto(4).stack_global("sklearn.utils", "_joblib.os.system").str(touch(n)).tuple1().reduce().stop().data(),
        [called("sklearn.utils._joblib.os.system")])
    # A joblib file whose object array holds, in its nested pickle, a call of os.system.
    n = "joblib_object_array_gadget"
    p = P().proto(4)
    object_wrapper(p)
    p.proto(2)
    object_array(p, lambda q: q.glob("os", "system").binunicode(touch(n)).tuple1().reduce())
    p.stop()  # nested stream
    p.stop()  # outer stream
    add(n + ".joblib", p.data(), [called("os.system")])
    # A plain pickle whose object array element is a call of subprocess.Popen.
    n = "object_array_gadget"
    p = P().proto(2)
    object_array(p, lambda q: q.glob("subprocess", "Popen").mark().str("touch").str(sentinel(n)).raw(b"l").tuple1().reduce())
    p.stop()
    add(n + ".pkl", p.data(), [called("subprocess.Popen")])
    n = "newobj_ex_gadget"
    add(n + ".pkl", P().proto(4).stack_global("subprocess", "Popen").mark().str("touch").str(sentinel(n)).raw(b"l").tuple1()
        .empty_dict().str("shell").newfalse().setitem().raw(b"\x92").stop().data(), [called("subprocess.Popen")])
    n = "inst_gadget"
    add(n + ".pkl", b"(S'" + touch(n).encode() + b"'\nios\nsystem\n.", [called("os.system")])
    n = "obj_gadget"
    add(n + ".pkl", b"(cos\nsystem\nS'" + touch(n).encode() + b"'\no.", [called("os.system")])
    # BUILD gadget: the first BUILD sets obj.__setstate__ = os.system, the second calls it.
    n = "build_setstate_gadget"
    add(n + ".pkl", P().proto(2).glob("types", "SimpleNamespace").empty_tuple().reduce()
        .none().empty_dict().binunicode("__setstate__").glob("os", "system").setitem().tuple2().build()
        .binunicode(touch(n)).build().stop().data(), [called("os.system")])
    # Legacy joblib: the side-file name would read outside the model's folder.
    n = "legacy_wrapper_traversal"
    p = P().proto(2).glob("joblib.numpy_pickle", "NDArrayWrapper").empty_tuple().newobj()
    p.empty_dict().mark().binunicode("filename").binunicode("../../etc/passwd").binunicode("subclass").glob("numpy", "ndarray")
    p.binunicode("allow_mmap").newfalse().setitems().build().stop()
    add(n + ".pkl", p.data(), [], outcome="error", code="unsafe",
        message="side-file name '../../etc/passwd' is not a plain file name")
    n = "legacy_wrapper_absolute"
    p = P().proto(2).glob("sklearn.externals.joblib.numpy_pickle", "NDArrayWrapper").empty_tuple().newobj()
    p.empty_dict().binunicode("filename").binunicode("/etc/passwd").setitem().build().stop()
    add(n + ".pkl", p.data(), [], outcome="error", code="unsafe", message="side-file name '/etc/passwd' is not a plain file name")
    return files


def broken():
    files = {}

    def add(name, data, outcome="error", **extra):
        files["broken/" + name] = (data, dict(outcome=outcome, **extra))

    # Billion laughs: each level is a list of ten references to the level below. Shared references
    # stay shared, so the graph has a few dozen nodes, not 10**10.
    p = P().proto(2).binunicode("lol").binput(0).raw(b"0")
    for level in range(1, 11):
        p.empty_list().binput(level).mark()
        for _ in range(10):
            p.binget(level - 1)
        p.raw(b"e0")  # APPENDS, POP (the memo keeps it)
    p.binget(10).stop()
    add("billion_laughs.pkl", p.data(), outcome="ok", max_nodes=100)
    # 100000 nested lists: MARK x N, then LIST x N.
    add("deep_nesting.pkl", b"(" * 100000 + b"l" * 100000 + b".", outcome="ok_or_limit")
    # 100000 nested single-item tuples and dicts, built from the inside out.
    p = P().proto(2).none()
    for _ in range(100000):
        p.tuple1()
    add("deep_tuples.pkl", p.stop().data(), outcome="ok_or_limit")
    # {'k': ({'k': (... ,)},)}: memoise the inner value, pop it, then MARK 'k' GET DICT, TUPLE1.
    p = P().proto(2).none()
    for _ in range(20000):
        p.binput(0).raw(b"0").mark().str("k").binget(0).raw(b"d").tuple1()
    add("deep_dicts_tuples.pkl", p.stop().data(), outcome="ok_or_limit")
    # Lengths far beyond the input.
    add("binbytes8_huge.pkl", P().proto(4).raw(b"\x8e" + struct.pack("<Q", 1 << 62)).stop().data(), code="format",
        message="needs 4611686018427387904 bytes", offset=2)
    add("binunicode8_huge.pkl", P().proto(4).raw(b"\x8d" + struct.pack("<Q", 1 << 62)).stop().data(), code="format",
        message="needs 4611686018427387904 bytes", offset=2)
    add("bytearray8_huge.pkl", P().proto(5).raw(b"\x96" + struct.pack("<Q", (1 << 64) - 1)).stop().data(), code="format",
        message="needs 18446744073709551615 bytes", offset=2)
    add("long4_huge.pkl", P().proto(2).raw(b"\x8b" + struct.pack("<I", 0x7FFFFFFF)).stop().data(), code="format",
        message="needs 2147483647 bytes", offset=2)
    add("frame_huge.pkl", P().proto(4).raw(b"\x95" + struct.pack("<Q", 1 << 62)).none().stop().data(), code="format",
        message="frame of 4611686018427387904 bytes", offset=2)
    add("long_binput_huge.pkl", P().proto(2).none().raw(b"r" + struct.pack("<I", 0xFFFFFFF0)).stop().data(), code="limit",
        message="memo key 4294967280 exceeds the limit", offset=3)
    # joblib wrapper claiming 10**12 float64 elements with ten bytes of data after it.
    p = P().proto(4).stack_global("joblib.numpy_pickle", "NumpyArrayWrapper").empty_tuple().newobj()
    p.empty_dict().mark().str("subclass").stack_global("numpy", "ndarray").str("shape").mark().raw(b"\x8a\x06\x00\x10\xa5\xd4\xe8\x00").tuple()
    p.str("order").str("C").str("dtype")
    dtype(p, "f8", "<")
    p.str("allow_mmap").newfalse().setitems().build().raw(b"0123456789").stop()
    add("joblib_huge_shape.joblib", p.data(), code="format", message="needs 8000000000000 bytes, only 11 remain")
    # Shape whose element count overflows 64 bits.
    p = P().proto(4).stack_global("joblib.numpy_pickle", "NumpyArrayWrapper").empty_tuple().newobj()
    p.empty_dict().mark().str("shape").mark().binint(0x7FFFFFFF).binint(0x7FFFFFFF).binint(0x7FFFFFFF).tuple()
    p.str("order").str("C").str("dtype")
    dtype(p, "f8", "<")
    p.setitems().build().stop()
    add("joblib_overflow_shape.joblib", p.data(), code="format", message="array shape is too large")
    # A structured dtype whose field type is the dtype itself (a cycle through the memo).
    p = P().proto(2)
    p.glob("numpy.core.multiarray", "_reconstruct").glob("numpy", "ndarray").binint1(0).tuple1().bytes(b"b").tuple3().reduce()
    p.mark().binint1(1).binint1(1).tuple1()
    p.glob("numpy", "dtype").str("V8").newfalse().newtrue().tuple3().reduce().binput(0)
    p.mark().binint1(3).str("|").none().str("a").tuple1().empty_dict().str("a").binget(0).binint1(0).tuple2().setitem()
    p.binint1(8).binint1(1).binint1(16).tuple().build()
    p.newfalse().bytes(b"\0" * 8).tuple().build().stop()
    add("dtype_cycle.pkl", p.data(), code="limit", message="nested deeper than")
    # Object arrays nested 100 deep, each a joblib wrapper whose nested pickle holds the next one.
    p = P().proto(4)
    for _ in range(100):
        object_wrapper(p)
    p.stop()
    add("nested_object_arrays.joblib", p.data(), code="limit", message="nested pickles")
    # Classic VM misuse.
    add("unknown_opcode.pkl", b"\x80\x02\xff.", code="format", message="unknown opcode 0xff", offset=2)
    add("memo_get_undefined.pkl", b"\x80\x02h\x07.", code="format", message="memo key 7 was never defined", offset=2)
    add("stack_underflow.pkl", b"\x80\x02\x87.", code="format", message="TUPLE3: stack underflow", offset=2)
    add("pop_mark_without_mark.pkl", b"\x80\x02N1.", code="format", message="POP_MARK: no MARK on the stack", offset=3)
    add("odd_setitems.pkl", b"\x80\x02}(K\x01K\x02K\x03u.", code="format", message="odd number of items (3)", offset=10)
    add("build_on_int.pkl", b"\x80\x02K\x05}b.", code="format", message="BUILD on a int", offset=5)
    add("stop_missing.pkl", b"\x80\x02]K\x01a", code="format", message="ends before its STOP opcode", offset=6)
    add("protocol_6.pkl", b"\x80\x06N.", code="unsupported", message="protocol 6 is newer than 5", offset=0)
    add("extension_code.pkl", b"\x80\x02\x82\x01.", code="unsupported", message="extension code 1 is not registered", offset=2)
    add("persistent_id.pkl", b"\x80\x02X\x07\x00\x00\x00storageQ.", code="unsupported", message="persistent IDs", offset=14)
    # Containers: wrong magic, truncated and corrupt compressed streams.
    add("wrong_magic.pkl", b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'}", code="format", message="stack underflow", offset=0)
    add("empty.pkl", b"", code="format", message="the file is empty")
    # A zip archive (torch.save, .npz): P is PERSID, which names what it is not.
    add("zip_archive.pkl", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", code="unsupported", message="zip archive", offset=0)
    whole = gzip.compress(P().proto(4).str("x" * 5000).stop().data(), mtime=0)
    add("truncated.gz", whole[: len(whole) // 2], code="format", message="truncated gzip stream")
    bad = bytearray(zlib.compress(P().proto(4).str("abc" * 3000).stop().data()))
    bad[20:40] = b"\xff" * 20
    add("corrupt.z", bytes(bad), code="format", message="corrupt zlib stream")
    add("bz2_garbage.bz2", b"BZh91AY&SY" + b"\x00" * 40, code="format", message="bz2")
    add("xz_garbage.xz", b"\xfd7zXZ\x00" + b"\x01" * 40, code="format", message="xz")
    return files


def main():
    files = {}
    files.update(malicious())
    files.update(broken())
    manifest = {}
    for rel, (data, expectation) in sorted(files.items()):
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        manifest[rel] = expectation
    with open(os.path.join(HERE, "expectations.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %d files and expectations.json" % len(files), file=sys.stderr)


if __name__ == "__main__":
    main()
