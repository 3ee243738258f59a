#!/usr/bin/env bash
# Runs taorun's whole test suite on a fresh machine with Go: installs the
# tools the tests build guest modules with (wabt, binaryen), then runs go vet
# and go test. CI calls exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v wat2wasm >/dev/null 2>&1 || need+=(wabt)
command -v wasm-opt >/dev/null 2>&1 || need+=(binaryen)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
	else
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
	fi
fi

go vet ./...
go vet -tags wasmtime ./runtime/... ./host/ ./plugins/...
go test -count=1 -timeout 20m ./...
# The wasmtime engine (cgo) must give the same outputs, errors and gas as wazero.
go test -count=1 -timeout 10m -tags wasmtime ./runtime/... ./host/ ./plugins/
