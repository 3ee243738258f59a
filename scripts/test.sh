#!/usr/bin/env bash
# Runs taorun's whole test suite on a fresh machine with Go: installs the
# tools the tests build guest modules with (wabt, binaryen) and, best effort,
# NumPy and PyTorch for the GPU matmul worker's tests, then runs go vet and
# go test. CI calls exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# apt_install PKG...: installs Debian packages as root or through sudo.
updated=
apt_install() {
	local sudo=()
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	if [ -z "$updated" ]; then
		"${sudo[@]}" apt-get update -qq || return
		updated=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

need=()
command -v wat2wasm >/dev/null 2>&1 || need+=(wabt)
command -v wasm-opt >/dev/null 2>&1 || need+=(binaryen)
if [ ${#need[@]} -gt 0 ]; then
	apt_install "${need[@]}"
fi

# The GPU matmul worker (examples/runners/matmul-gpu/worker.py) runs its
# PyTorch code path on the CPU device in the tests, and its NumPy one. Debian
# packages them for /usr/bin/python3 (the tests look there as well as at
# python3 on PATH). When they can be had, TAORUN_REQUIRE_TORCH=1 makes the
# tests fail, rather than skip, if those backends do not run. A failed
# install is not fatal: the tests then cover the pure-Python backend only.
# TAORUN_NO_TORCH=1 skips the install (a ~200 MB download); a
# TAORUN_REQUIRE_TORCH already set (to 0 or 1) is kept and nothing installed.
py_backends() { /usr/bin/python3 -c 'import numpy, torch' >/dev/null 2>&1; }
if [ -z "${TAORUN_REQUIRE_TORCH:-}" ]; then
	if [ "${TAORUN_NO_TORCH:-}" != 1 ] && ! py_backends && command -v apt-get >/dev/null 2>&1; then
		if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
			echo "test.sh: installing python3-numpy and python3-torch" >&2
			start=$SECONDS
			apt_install python3-numpy python3-torch ||
				echo "test.sh: warning: could not install python3-numpy python3-torch; the worker's NumPy and PyTorch backends will not be tested" >&2
			echo "test.sh: python3-numpy python3-torch step took $((SECONDS - start))s" >&2
		else
			echo "test.sh: not root and sudo needs a password: not installing python3-numpy python3-torch" >&2
		fi
	fi
	if py_backends; then
		export TAORUN_REQUIRE_TORCH=1
	else
		echo "test.sh: /usr/bin/python3 cannot import numpy and torch: the GPU worker's torch path is not tested" >&2
	fi
fi

go vet ./...
go vet -tags wasmtime ./runtime/... ./host/ ./plugins/...
go test -count=1 -timeout 20m ./...
# The wasmtime engine (cgo) must give the same outputs, errors and gas as
# wazero: the conformance suite, and the example subnets' full-stack tests,
# which run every entry point of a real module on each engine.
go test -count=1 -timeout 10m -tags wasmtime ./runtime/... ./host/ ./plugins/ ./examples/pocsubnet ./examples/textsubnet
