// Package build scaffolds and builds taorun subnet modules for their
// authors; `taorun module new` and `taorun module build` are thin wrappers
// around it.
//
// Scaffold creates a module project in a new directory: a Go module that
// uses the Go guest SDK (sdk-wasm/go/tao), or an AssemblyScript project
// that uses the AssemblyScript SDK (sdk-wasm/assemblyscript). The SDKs are
// not published to a registry yet, so a project reads them from a local
// taorun checkout through a symbolic link named SDKLink ("taorun-sdk") in
// the project directory: the Go project's go.mod has
// `replace github.com/taorun/taorun => ./taorun-sdk`, and the
// AssemblyScript entry file imports ../taorun-sdk/sdk-wasm/assemblyscript.
// Because the build records only that relative path, never the link's
// target, the module ID does not depend on where the checkout lives.
//
// Build compiles a project into a module and reports its size and module
// ID, the SHA-256 of its bytes, which is the ID the chain gives an uploaded
// module. Builds are reproducible: the same sources, SDK commit and compiler
// version give the same bytes whatever the directory, the machine and the
// caller's environment (Build refuses `go env -w` settings that would change
// them, naming the fix). For Go, Build runs
//
//	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS= GOWORK=off GOWASM= GOEXPERIMENT= GO111MODULE=on \
//	  go build -buildmode=c-shared -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o OUT .
//
// (-trimpath drops file-system paths, -buildvcs=false the VCS state, and
// the cleared variables keep a caller's settings or a go.work further up out
// of the build). For AssemblyScript it runs the SDK's pinned compiler (asc
// from the SDK's node_modules) on assembly/index.ts with the flags ABI v1
// needs: --runtime stub, abort routed to the SDK's taoAbort, --disable simd
// and -O3.
package build
