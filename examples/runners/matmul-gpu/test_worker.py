#!/usr/bin/env python3
"""Tests worker.py against the golden vectors of the matmul payload.

The vectors (examples/pocsubnet/matmul/testdata/vectors.json) are written by
the Go package that both the subnet module and the Go worker use, so passing
here means this worker answers every job byte for byte like them, and fails
every invalid job with the same text (ASCII ">=" and "<=" for Go's "≥" and
"≤"). Every backend importable on this machine is tested; the pure-Python one
always is. Run directly (python3 test_worker.py) or through the Go test
TestPythonWorkerMatchesGoldenVectors in that package.
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


def load_vectors():
    with open(VECTORS) as f:
        return json.load(f)


def available_backends():
    """The backends that can start here: cpu-pure always, the others if importable."""
    out = [worker.PurePython()]
    for factory in (worker.NumPy, lambda: worker.Torch("cpu"), lambda: worker.Torch("cuda"), worker.CuPy):
        try:
            out.append(factory())
        except Exception:
            pass
    return out


def ascii_error(text):
    return text.replace("≥", ">=").replace("≤", "<=")


class GoldenVectors(unittest.TestCase):
    def setUp(self):
        self.vectors = load_vectors()
        self.backends = available_backends()

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
        """A job frame and a batch with a failing item, through serve()."""
        good = self.vectors["jobs"][0]
        bad = self.vectors["bad"][0]
        gin, gout = bytes.fromhex(good["job"]), bytes.fromhex(good["result"])
        bin_ = bytes.fromhex(bad["job"])
        stdin = io.BytesIO()
        worker.write_frame(stdin, {"id": 1, "kind": "job"}, gin)
        worker.write_frame(stdin, {"id": 2, "kind": "batch", "sizes": [len(gin), len(bin_)]}, gin + bin_)
        stdin.seek(0)
        stdout = io.BytesIO()
        worker.serve(worker.PurePython(), 4, stdin, stdout)
        stdout.seek(0)
        hello, _ = worker.read_frame(stdout)
        self.assertEqual((hello["kind"], hello["max_batch"]), ("hello", 4))
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


if __name__ == "__main__":
    unittest.main()
