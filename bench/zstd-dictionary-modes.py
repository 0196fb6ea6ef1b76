#!/usr/bin/env python3
"""How zstd uses a pack's dictionary, and what each way costs, on the archive benchmark's lake.

For an input larger than a small cutoff (8 KB at level 1), zstd copies the dictionary's tables into
the context and compresses in "extDict" mode; below it, it attaches them ("dictMatchState"). zstd-jni
cannot choose (it has no setter for ZSTD_c_forceAttachDict), so this probe calls the system libzstd
through ctypes and compresses the same objects, one frame each as pack entries are, with the mode
left to zstd (what the job gets), forced to attach, forced to copy, forced to reload the dictionary
per frame, and with no dictionary. One thread; the median of --runs. The dictionary is trained on the
first 8 MiB, as the job trains a pack's (zstd's default trainer here, fastCover in the job). A last
case compresses each kind with the other kind's dictionary: a pack whose members change format after
its first 8 MiB.

  python3 bench/zstd-dictionary-modes.py [--dir /tmp/lakevault-bench-archive/lake-200000] [--per-kind 12000] [--runs 5]

Run `bench/run ArchiveBench` once first: it writes the lake. See bench/README.md (archive).
"""
import argparse
import ctypes
import ctypes.util
import glob
import os
import statistics
import sys
import time

ZSTD_C_COMPRESSION_LEVEL = 100
ZSTD_C_FORCE_ATTACH_DICT = 1001  # ZSTD_c_experimentalParam4 in zstd.h (static linking only)
MODES = {"zstd's choice (the job's)": 0, "forced attach": 1, "forced copy": 2, "forced reload": 3}
DICT_SIZE = 112_640
SAMPLE_BYTES = 8 << 20


def load():
    name = ctypes.util.find_library("zstd")
    if name is None:
        sys.exit("zstd-dictionary-modes: libzstd not found (Debian: apt-get install libzstd1)")
    z = ctypes.CDLL(name)
    z.ZSTD_versionString.restype = ctypes.c_char_p
    z.ZSTD_createCCtx.restype = ctypes.c_void_p
    z.ZSTD_freeCCtx.argtypes = [ctypes.c_void_p]
    z.ZSTD_CCtx_setParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    z.ZSTD_CCtx_setParameter.restype = ctypes.c_size_t
    z.ZSTD_CCtx_loadDictionary.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    z.ZSTD_CCtx_loadDictionary.restype = ctypes.c_size_t
    z.ZSTD_compress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    z.ZSTD_compress2.restype = ctypes.c_size_t
    z.ZSTD_isError.argtypes = [ctypes.c_size_t]
    z.ZSTD_getErrorName.argtypes = [ctypes.c_size_t]
    z.ZSTD_getErrorName.restype = ctypes.c_char_p
    z.ZDICT_trainFromBuffer.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_size_t), ctypes.c_uint]
    z.ZDICT_trainFromBuffer.restype = ctypes.c_size_t
    z.ZDICT_isError.argtypes = [ctypes.c_size_t]
    return z


def check(z, code, what):
    if z.ZSTD_isError(code):
        sys.exit(f"zstd-dictionary-modes: {what}: {z.ZSTD_getErrorName(code).decode()}")
    return code


def train(z, objects):
    samples, sampled = [], 0
    for o in objects:
        if sampled >= SAMPLE_BYTES:
            break
        samples.append(o)
        sampled += len(o)
    sizes = (ctypes.c_size_t * len(samples))(*map(len, samples))
    out = ctypes.create_string_buffer(DICT_SIZE)
    n = z.ZDICT_trainFromBuffer(out, DICT_SIZE, b"".join(samples), sizes, len(samples))
    if z.ZDICT_isError(n):
        sys.exit("zstd-dictionary-modes: dictionary training failed")
    return out.raw[:n]


def compress_all(z, objects, dictionary, mode, level):
    cctx = z.ZSTD_createCCtx()
    try:
        check(z, z.ZSTD_CCtx_setParameter(cctx, ZSTD_C_COMPRESSION_LEVEL, level), "level")
        if dictionary is not None:
            check(z, z.ZSTD_CCtx_setParameter(cctx, ZSTD_C_FORCE_ATTACH_DICT, mode), "forceAttachDict")
            check(z, z.ZSTD_CCtx_loadDictionary(cctx, dictionary, len(dictionary)), "dictionary")
        out = ctypes.create_string_buffer(256 << 10)
        stored = 0
        t0 = time.perf_counter()
        for o in objects:
            stored += check(z, z.ZSTD_compress2(cctx, out, len(out), o, len(o)), "compress")
        return time.perf_counter() - t0, stored
    finally:
        z.ZSTD_freeCCtx(cctx)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default="/tmp/lakevault-bench-archive/lake-200000")
    p.add_argument("--per-kind", type=int, default=12000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--level", type=int, default=1, help="the job's level with a dictionary")
    a = p.parse_args()
    z = load()
    source = os.path.join(a.dir, "store", "bench-src")
    if not os.path.isdir(source):
        sys.exit(f"zstd-dictionary-modes: no lake at {source}: run `bench/run ArchiveBench` once first")
    print(f"libzstd {z.ZSTD_versionString().decode()}, level {a.level}, median of {a.runs}")
    kinds = {}
    for prefix in ("logs", "transactions"):
        files = sorted(glob.glob(os.path.join(source, prefix, "*", "*", "*", "*")))[: a.per_kind]
        objects = [open(f, "rb").read() for f in files]
        kinds[prefix] = (objects, train(z, objects))
    for prefix, (objects, dictionary) in kinds.items():
        size = sum(map(len, objects))
        other = next(k for k in kinds if k != prefix)
        print(f"{prefix}/: {len(objects):,} objects, {size / 1e6:.1f} MB, dictionary of {len(dictionary):,} bytes")
        cases = [(name, dictionary, mode) for name, mode in MODES.items()] + [("no dictionary", None, 0),
                                                                              (f"{other}/'s dictionary", kinds[other][1], 0)]
        for name, d, mode in cases:
            compress_all(z, objects, d, mode, a.level)  # warm-up: the pages of zstd's tables
            runs = [compress_all(z, objects, d, mode, a.level) for _ in range(a.runs)]
            secs = statistics.median(r[0] for r in runs)
            print(f"  {name:28s} {size / 1e6 / secs:7.1f} MB/s  ratio {size / runs[0][1]:.3f}")


if __name__ == "__main__":
    main()
