package runtime_test

import (
	"context"
	"fmt"
	"os"

	"github.com/taorun/taorun/runtime"
)

// This example compiles a metered ABI v1 module, runs its echo entry point on
// a fresh instance under a gas limit, then shows a runaway loop stopped by
// gas.
func Example() {
	ctx := context.Background()
	r, err := runtime.New(runtime.Config{Engine: runtime.EngineWazero})
	if err != nil {
		panic(err)
	}
	defer r.Close(ctx)

	wasm, err := os.ReadFile(runtime.TestdataWasm("echo")) // built from testdata/echo.wat
	if err != nil {
		panic(err)
	}
	m, err := r.Compile(ctx, wasm)
	if err != nil {
		panic(err)
	}

	res := m.Run(ctx, runtime.InstanceConfig{}, "echo", []byte("hello"), 1000)
	fmt.Printf("output %q, gas %d, err %v\n", res.Output, res.GasUsed, res.Err)

	res = m.Run(ctx, runtime.InstanceConfig{}, "spin", nil, 1000)
	fmt.Printf("gas %d, err %v\n", res.GasUsed, res.Err)
	// Output:
	// output "hello", gas 20, err <nil>
	// gas 1000, err out of gas
}
