#!/usr/bin/env python3
"""Tests worker.py against the golden vectors of the matmul payload.

The vectors (examples/pocsubnet/matmul/testdata/vectors.json) are written by
the Go package that both the subnet module and the Go worker use, so passing
here means this worker answers every job byte for byte like them, and fails
every invalid job with the same text (ASCII ">=" and "<=" for Go's "≥" and
"≤"). Every backend that can start on this machine is tested; the pure-Python
one always is. Run directly (python3 test_worker.py) or through the Go test
TestPythonWorkerMatchesGoldenVectors in that package.

MATMUL_REQUIRE_BACKENDS (comma-separated worker.py --device names of single
backends: numpy, torch-cpu, torch-cuda, cupy) makes the run fail when one of
them cannot start, instead of leaving it out; the Go test sets it, so that CI
(where scripts/test.sh installs NumPy and PyTorch) fails rather than skips.
The backends tested and those left out, with the reason, go to stderr as
"backends tested: ..." and "backend left out: ..." lines.
"""

import io
import json
import os
import struct
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import worker  # noqa: E402

VECTORS = os.path.join(HERE, "..", "..", "pocsubnet", "matmul", "testdata", "vectors.json")

# The single backends, by worker.py --device name.
SINGLE = ("cpu-pure", "numpy", "torch-cpu", "torch-cuda", "cupy")

REQUIRE_ENV = "MATMUL_REQUIRE_BACKENDS"


def load_vectors():
    with open(VECTORS) as f:
        return json.load(f)


def required_backends():
    return [x.strip() for x in os.environ.get(REQUIRE_ENV, "").split(",") if x.strip()]


def start_backends():
    """({name: backend} for those that start here, {name: why not} for the others)."""
    started, missing = {}, {}
    for name in SINGLE:
        try:
            started[name] = worker.BACKENDS[name]()
        except Exception as e:  # ImportError, no CUDA, ...
            missing[name] = "%s: %s" % (type(e).__name__, e)
    return started, missing


# Filled once by setUpModule: starting torch takes a while.
STARTED, MISSING = {}, {}


def setUpModule():
    started, missing = start_backends()
    STARTED.update(started)
    MISSING.update(missing)
    print("\nbackends tested: %s" % " ".join(STARTED), file=sys.stderr)
    for name, why in MISSING.items():
        print("backend left out: %s (%s)" % (name, why), file=sys.stderr)


def ascii_error(text):
    return text.replace("≥", ">=").replace("≤", "<=")


def job(n, k, m, p, a, b):
    return struct.pack("<4I", n, k, m, p) + struct.pack("<%dI" % len(a), *a) + struct.pack("<%dI" % len(b), *b)


class Backends(unittest.TestCase):
    def test_required_backends_started(self):
        req = required_backends()
        for name in req:
            with self.subTest(backend=name):
                self.assertIn(name, SINGLE, "%s names an unknown backend %r" % (REQUIRE_ENV, name))
                self.assertIn(name, STARTED, "required backend %s did not start: %s" % (name, MISSING.get(name)))

    def test_single_devices_do_not_fall_back(self):
        """--device torch-cpu and friends run that backend or nothing."""
        want = {"cpu-pure": "cpu-pure", "numpy": "numpy", "torch-cpu": "torch-cpu",
                "torch-cuda": "torch-cuda:0", "cupy": "cupy-cuda"}
        for name, b in STARTED.items():
            self.assertEqual(b.name, want[name])


class GoldenVectors(unittest.TestCase):
    def setUp(self):
        self.vectors = load_vectors()
        self.backends = list(STARTED.values())
        self.assertIn("cpu-pure", STARTED)

    def test_vectors_are_there(self):
        self.assertGreaterEqual(len(self.vectors["jobs"]), 5)
        self.assertGreaterEqual(len(self.vectors["bad"]), 5)

    def test_results_match_byte_for_byte(self):
        for b in self.backends:
            for v in self.vectors["jobs"]:
                with self.subTest(backend=b.name, vector=v["name"]):
                    got = b.multiply(bytes.fromhex(v["job"]))
                    self.assertEqual(got.hex(), v["result"])

    def test_errors_match(self):
        for b in self.backends:
            for v in self.vectors["bad"]:
                with self.subTest(backend=b.name, vector=v["name"]):
                    with self.assertRaises(worker.BadInput) as cm:
                        b.multiply(bytes.fromhex(v["job"]))
                    self.assertEqual(str(cm.exception), ascii_error(v["error"]))

    def test_frames(self):
        """A job frame and a batch with a failing item, through serve(), on every backend."""
        good = self.vectors["jobs"][0]
        bad = self.vectors["bad"][0]
        gin, gout = bytes.fromhex(good["job"]), bytes.fromhex(good["result"])
        bin_ = bytes.fromhex(bad["job"])
        for b in self.backends:
            with self.subTest(backend=b.name):
                stdin = io.BytesIO()
                worker.write_frame(stdin, {"id": 1, "kind": "job"}, gin)
                worker.write_frame(stdin, {"id": 2, "kind": "batch", "sizes": [len(gin), len(bin_)]}, gin + bin_)
                stdin.seek(0)
                stdout = io.BytesIO()
                worker.serve(b, 4, stdin, stdout)
                stdout.seek(0)
                hello, _ = worker.read_frame(stdout)
                self.assertEqual((hello["kind"], hello["max_batch"], hello["name"]), ("hello", 4, "matmul-" + b.name))
                h, p = worker.read_frame(stdout)
                self.assertEqual((h["id"], h["kind"], p), (1, "result", gout))
                h, p = worker.read_frame(stdout)
                self.assertEqual((h["id"], h["kind"], h["sizes"], p), (2, "result", [len(gout), 0], gout))
                self.assertEqual(h["errors"], ["", ascii_error(bad["error"])])
                self.assertIsNone(worker.read_frame(stdout))

    def test_result_header(self):
        v = self.vectors["jobs"][2]
        n, _, m, _ = struct.unpack_from("<4I", bytes.fromhex(v["job"]))
        self.assertEqual(struct.unpack_from("<2I", bytes.fromhex(v["result"])), (n, m))


class Exactness(unittest.TestCase):
    """The largest sums the format allows are exact on the array backends.

    k = 2**21 and every entry p-1 make each dot product k*(p-1)**2, just below
    2**53: a float32 (or TF32) matmul, or an int32 accumulator, gets it wrong.
    The pure-Python backend is left out: its integers are unbounded, and 2**21
    multiplications there take seconds."""

    def test_largest_sums(self):
        k = worker.MAX_INNER
        for p in (65521, 65536):
            payload = job(1, k, 2, p, [p - 1] * k, [p - 1, 1] * k)
            want = struct.pack("<2I", 1, 2) + struct.pack("<2I", k * (p - 1) ** 2 % p, k * (p - 1) % p)
            self.assertLess(k * (p - 1) ** 2, 1 << 53)
            for name, b in STARTED.items():
                if name == "cpu-pure":
                    continue
                with self.subTest(backend=name, p=p):
                    self.assertEqual(b.multiply(payload), want)

    def test_mixed_entries(self):
        """Entries of every size, against Python's integers."""
        n, k, m, p = 3, 257, 5, 65521
        a = [(i * 40503 + 7) % p for i in range(n * k)]
        b = [(i * 2654435761) % p for i in range(k * m)]
        c = [sum(a[i * k + t] * b[t * m + j] for t in range(k)) % p for i in range(n) for j in range(m)]
        want = struct.pack("<2I", n, m) + struct.pack("<%dI" % (n * m), *c)
        for b_ in STARTED.values():
            with self.subTest(backend=b_.name):
                self.assertEqual(b_.multiply(job(n, k, m, p, a, b)), want)


class TensorBytes(unittest.TestCase):
    """worker.tensor_bytes, through NumPy and without it (torch runs without NumPy)."""

    def setUp(self):
        if "torch-cpu" not in STARTED:
            self.skipTest("torch did not start: %s" % MISSING.get("torch-cpu"))

    def test_both_ways(self):
        import torch
        t = torch.tensor([[0, 1, 65535], [65536, 2**31 - 1, 7]], dtype=torch.int32)
        want = struct.pack("<6I", 0, 1, 65535, 65536, 2**31 - 1, 7)
        self.assertEqual(worker.tensor_bytes(torch, t), want)
        self.assertEqual(worker.tensor_bytes(torch, t, use_numpy=False), want)
        # A non-contiguous view (a transpose) comes out in its logical order.
        self.assertEqual(worker.tensor_bytes(torch, t.t(), use_numpy=False), struct.pack("<6I", 0, 65536, 1, 2**31 - 1, 65535, 7))
        self.assertEqual(worker.tensor_bytes(torch, t.t()), struct.pack("<6I", 0, 65536, 1, 2**31 - 1, 65535, 7))
        with self.assertRaises(TypeError):
            worker.tensor_bytes(torch, t.to(torch.float64))


if __name__ == "__main__":
    unittest.main()
