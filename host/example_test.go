package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/runtime"
)

// Example links the host functions into a runtime and runs a chain-side call
// that hashes its input with the sha256 host function. (The module is
// testdata/host.wat, built by the tests; its entry point "sha256" charges
// no gas of its own, so the gas used is the host function's.)
func Example() {
	wasm, err := os.ReadFile(filepath.Join(os.Getenv("TAORUN_HOST_WASM_DIR"), "host.wasm"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := runtime.New(runtime.Config{Host: host.Functions()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close(context.Background())
	m, err := r.Compile(context.Background(), wasm)
	if err != nil {
		fmt.Println(err)
		return
	}
	env := &host.Env{
		Side:    abi.ChainSide,
		Block:   wire.BlockInfo{Netuid: 1, Height: 100},
		Storage: &host.MemStorage{},
	}
	ctx := host.WithEnv(context.Background(), env)
	res := m.Run(ctx, runtime.InstanceConfig{}, "sha256", []byte("abc"), 1_000_000)
	fmt.Printf("%x\n%d gas, err %v\n", res.Output, res.GasUsed, res.Err)
	// Output:
	// ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
	// 147 gas, err <nil>
}
