#!/usr/bin/env python3
"""taorun exec runner worker: C = A @ B mod p on a GPU (PyTorch or CuPy),
the CPU (NumPy), or pure Python.

It speaks taorun's frame protocol (documented in the Go package
github.com/taorun/taorun/host/runner) on stdin/stdout:

    u32 LE header length | JSON header | u32 LE payload length | payload

Node -> worker kinds: "job", "batch" (header "sizes"), "health", "cancel".
Worker -> node kinds: "hello" (first, with "max_batch"), "result" (batch:
"sizes" and optional per-item "errors"), "error" ("error"), "health".

Payload (defined once by the Go package examples/pocsubnet/matmul, which the
subnet module and examples/runners/matmul-cpu both use; test_worker.py holds
this worker to its golden vectors byte for byte), all u32 little-endian:

    input:  n, k, m, p | A (n*k, row-major) | B (k*m, row-major)
    output: n, m | C (n*m, row-major), C = A @ B mod p

with 2 <= p <= 65536, entries < p, 1 <= k <= 2**21, so every dot product is
below 2**53 and a float64 matmul is exact.

Devices (--device):
    cuda        PyTorch (or CuPy when PyTorch is missing) on the GPU chosen by
                CUDA_VISIBLE_DEVICES, which taorun sets per worker; it appears
                as cuda:0 inside this process.
    cpu         NumPy (or PyTorch on the CPU) on the CPU.
    cpu-pure    the standard library only; slow, for tests without NumPy.
    auto        cuda if available, else cpu, else cpu-pure (the default).
    numpy, torch-cpu, torch-cuda, cupy
                exactly that backend, with no fallback: the worker refuses to
                start when it cannot run. Tests use torch-cpu to exercise the
                GPU code path (the same Torch class) on a machine without one.

Logs go to stderr; stdout carries frames only.
"""

import argparse
import json
import os
import struct
import sys

MAX_MODULUS = 1 << 16
MAX_INNER = 1 << 21
MAX_HEADER = 64 << 10


class BadInput(Exception):
    """An input payload that breaks the documented format."""


def log(*args):
    print("matmul-gpu:", *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- frames

def read_exact(stream, n):
    """Read exactly n bytes; None at a clean end of stream before any byte."""
    chunks = []
    got = 0
    while got < n:
        b = stream.read(n - got)
        if not b:
            if got == 0:
                return None
            raise EOFError("stream ended inside a frame")
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def read_frame(stream):
    """Return (header dict, payload bytes), or None at end of stream."""
    raw = read_exact(stream, 4)
    if raw is None:
        return None
    (hlen,) = struct.unpack("<I", raw)
    if hlen > MAX_HEADER:
        raise ValueError("frame header length %d is over the cap" % hlen)
    header = json.loads(read_exact(stream, hlen) or b"")
    (plen,) = struct.unpack("<I", read_exact(stream, 4))
    payload = read_exact(stream, plen) if plen else b""
    return header, payload


def write_frame(stream, header, payload=b""):
    hb = json.dumps(header, separators=(",", ":")).encode()
    stream.write(struct.pack("<I", len(hb)) + hb + struct.pack("<I", len(payload)))
    if payload:
        stream.write(payload)
    stream.flush()


# ---------------------------------------------------------------- payloads

def decode(payload):
    """Check and split an input payload: (n, k, m, p, a_bytes, b_bytes)."""
    if len(payload) < 16:
        raise BadInput("matmul: input is %d bytes, shorter than the 16-byte header n, k, m, p" % len(payload))
    n, k, m, p = struct.unpack_from("<4I", payload)
    if n == 0 or m == 0 or k == 0 or k > MAX_INNER:
        raise BadInput("matmul: shape n=%d k=%d m=%d: each must be >= 1 and k <= %d" % (n, k, m, MAX_INNER))
    if p < 2 or p > MAX_MODULUS:
        raise BadInput("matmul: modulus p=%d is outside 2..%d" % (p, MAX_MODULUS))
    want = 16 + 4 * (n * k + k * m)
    if len(payload) != want:
        raise BadInput("matmul: input is %d bytes; n=%d k=%d m=%d needs %d" % (len(payload), n, k, m, want))
    a_end = 16 + 4 * n * k
    return n, k, m, p, payload[16:a_end], payload[a_end:]


def encode(n, m, c_bytes):
    return struct.pack("<2I", n, m) + c_bytes


# ---------------------------------------------------------------- backends

class PurePython:
    """Standard-library matmul, for tests and machines without NumPy."""

    name = "cpu-pure"

    def multiply(self, payload):
        n, k, m, p, ab, bb = decode(payload)
        a = struct.unpack("<%dI" % (n * k), ab)
        b = struct.unpack("<%dI" % (k * m), bb)
        for i, v in enumerate(a + b):
            if v >= p:
                raise entry_error(i, v, p, n * k)
        c = []
        for i in range(n):
            row = a[i * k:(i + 1) * k]
            for j in range(m):
                c.append(sum(row[t] * b[t * m + j] for t in range(k)) % p)
        return encode(n, m, struct.pack("<%dI" % (n * m), *c))


class NumPy:
    """NumPy int64 matmul on the CPU (exact: sums stay below 2**53)."""

    name = "numpy"

    def __init__(self):
        import numpy
        self.np = numpy

    def multiply(self, payload):
        np = self.np
        n, k, m, p, ab, bb = decode(payload)
        a = np.frombuffer(ab, dtype="<u4").astype(np.int64).reshape(n, k)
        b = np.frombuffer(bb, dtype="<u4").astype(np.int64).reshape(k, m)
        check_entries(np.concatenate([a.ravel(), b.ravel()]), p, n * k)
        c = (a @ b) % p
        return encode(n, m, c.astype("<u4").tobytes())


def entry_error(i, value, p, na):
    """The error for flat entry i of A then B (na = entries of A)."""
    where = "A[%d]" % i if i < na else "B[%d]" % (i - na)
    return BadInput("matmul: entry %s is %d, not below p=%d" % (where, value, p))


def check_entries(flat, p, na):
    """Fail on the first entry not below p (flat: A then B as a NumPy or torch vector)."""
    bad = ((flat >= p) | (flat < 0)).nonzero()
    idx = bad[0] if isinstance(bad, tuple) else bad.reshape(-1)
    if len(idx):
        i = int(idx[0])
        raise entry_error(i, int(flat[i]) % (1 << 32), p, na)


class Torch:
    """PyTorch float64 matmul (exact below 2**53) on cuda:0 or the CPU."""

    def __init__(self, device):
        import torch
        self.torch = torch
        if device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device (CUDA_VISIBLE_DEVICES=%r)" % os.environ.get("CUDA_VISIBLE_DEVICES"))
        self.device = torch.device("cuda:0" if device == "cuda" else "cpu")
        self.name = "torch-" + str(self.device)
        # float64 matmul must not be downgraded (TF32 applies to float32 only, but be explicit).
        torch.backends.cuda.matmul.allow_tf32 = False

    def multiply(self, payload):
        torch = self.torch
        n, k, m, p, ab, bb = decode(payload)
        # int32 views of u32 data are safe: entries are < 65536.
        a = torch.frombuffer(bytearray(ab), dtype=torch.int32).to(self.device, torch.float64).reshape(n, k)
        b = torch.frombuffer(bytearray(bb), dtype=torch.int32).to(self.device, torch.float64).reshape(k, m)
        check_entries(torch.cat([a.reshape(-1), b.reshape(-1)]), p, n * k)
        c = torch.remainder(a @ b, p).to(torch.int32).cpu()
        return encode(n, m, tensor_bytes(torch, c))


def tensor_bytes(torch, t, use_numpy=True):
    """The little-endian u32 bytes of an int32 CPU tensor of values in 0..2**31-1.

    Goes through NumPy when torch can (torch.Tensor.untyped_storage only
    exists from torch 2.0; Debian bookworm ships 1.13), else packs the values
    one by one (torch runs without NumPy, if slowly here)."""
    flat = t.reshape(-1)
    if flat.dtype != torch.int32:
        raise TypeError("tensor_bytes wants int32, got %s" % flat.dtype)
    if use_numpy:
        try:
            return flat.numpy().astype("<u4").tobytes()
        except (RuntimeError, ImportError):  # "Numpy is not available"
            pass
    return struct.pack("<%dI" % flat.numel(), *flat.tolist())


class CuPy:
    """CuPy float64 matmul on the GPU chosen by CUDA_VISIBLE_DEVICES."""

    name = "cupy-cuda"

    def __init__(self):
        import cupy
        import numpy
        self.cp = cupy
        self.np = numpy

    def multiply(self, payload):
        cp = self.cp
        n, k, m, p, ab, bb = decode(payload)
        np = self.np
        a = cp.asarray(np.frombuffer(ab, dtype="<u4")).astype(cp.float64).reshape(n, k)
        b = cp.asarray(np.frombuffer(bb, dtype="<u4")).astype(cp.float64).reshape(k, m)
        flat = cp.concatenate([a.ravel(), b.ravel()])
        check_entries(cp.asnumpy(flat), p, n * k)
        c = cp.remainder(a @ b, p).astype(cp.uint32)
        return encode(n, m, cp.asnumpy(c).astype("<u4").tobytes())


def first_working(factories):
    errors = []
    for f in factories:
        try:
            return f()
        except Exception as e:  # ImportError, no CUDA, ...
            errors.append("%s: %s" % (getattr(f, "__name__", f), e))
    raise RuntimeError("no backend works: " + "; ".join(errors))


BACKENDS = {
    "cuda": lambda: first_working([lambda: Torch("cuda"), CuPy]),
    "cpu": lambda: first_working([NumPy, lambda: Torch("cpu")]),
    "cpu-pure": PurePython,
    "auto": lambda: first_working([lambda: Torch("cuda"), CuPy, NumPy, lambda: Torch("cpu"), PurePython]),
    # Exactly one backend, no fallback (test_worker.py's names too).
    "numpy": NumPy,
    "torch-cpu": lambda: Torch("cpu"),
    "torch-cuda": lambda: Torch("cuda"),
    "cupy": CuPy,
}


# ---------------------------------------------------------------- main loop

def run_batch(backend, inputs):
    """Return (outputs, errors) with errors[i] == "" for successes."""
    outs, errs = [], []
    for payload in inputs:
        try:
            outs.append(backend.multiply(payload))
            errs.append("")
        except BadInput as e:
            outs.append(b"")
            errs.append(str(e))
    return outs, errs


def serve(backend, max_batch, stdin, stdout):
    write_frame(stdout, {"id": 0, "kind": "hello", "name": "matmul-" + backend.name, "max_batch": max_batch})
    while True:
        frame = read_frame(stdin)
        if frame is None:
            return
        h, payload = frame
        fid, kind = h.get("id", 0), h.get("kind")
        if kind == "health":
            write_frame(stdout, {"id": fid, "kind": "health"})
        elif kind == "cancel":
            continue  # jobs run one at a time, so none is pending here
        elif kind == "job":
            outs, errs = run_batch(backend, [payload])
            if errs[0]:
                write_frame(stdout, {"id": fid, "kind": "error", "error": errs[0]})
            else:
                write_frame(stdout, {"id": fid, "kind": "result"}, outs[0])
        elif kind == "batch":
            sizes = h.get("sizes") or []
            if sum(sizes) != len(payload) or any(s < 0 for s in sizes):
                write_frame(stdout, {"id": fid, "kind": "error", "error": "batch sizes do not add up to the payload length"})
                continue
            inputs, off = [], 0
            for s in sizes:
                inputs.append(payload[off:off + s])
                off += s
            outs, errs = run_batch(backend, inputs)
            reply = {"id": fid, "kind": "result", "sizes": [len(o) for o in outs]}
            if any(errs):
                reply["errors"] = errs
            write_frame(stdout, reply, b"".join(outs))
        else:
            write_frame(stdout, {"id": fid, "kind": "error", "error": "unknown frame kind %r" % kind})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=sorted(BACKENDS), default="auto")
    ap.add_argument("--max-batch", type=int, default=4)
    args = ap.parse_args()
    if sys.byteorder != "little":
        log("cannot start: the torch path assumes a little-endian machine")
        sys.exit(2)
    try:
        backend = BACKENDS[args.device]()
    except Exception as e:
        log("cannot start:", e)
        sys.exit(2)
    log("serving with backend", backend.name, "CUDA_VISIBLE_DEVICES=%r" % os.environ.get("CUDA_VISIBLE_DEVICES"))
    serve(backend, max(1, args.max_batch), sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
