#!/usr/bin/env bash
# Builds an AssemblyScript subnet module with the SDK's pinned compiler
# (sdk-wasm/assemblyscript/package.json), installing it first if needed.
#
#   scripts/build-as.sh ENTRY.ts OUT.wasm
#
# ENTRY.ts is relative to the current directory or absolute. The flags are
# the ones ABI v1 needs: the stub runtime (no background GC), AssemblyScript's
# abort routed to env.abort(ptr, len), and no SIMD (banned by the upload
# policy).
set -euo pipefail
if [ $# -ne 2 ]; then
	echo "usage: $0 ENTRY.ts OUT.wasm" >&2
	exit 2
fi
entry=$(realpath "$1")
mkdir -p "$(dirname "$2")"
out=$(realpath "$2")
sdk=$(cd "$(dirname "$0")/../sdk-wasm/assemblyscript" && pwd)
cd "$sdk"
if [ ! -x node_modules/.bin/asc ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
exec node_modules/.bin/asc "$entry" --runtime stub --use abort=assembly/index/taoAbort --disable simd -O3 -o "$out"
