//go:build wasmtime

package runtime

import (
	"context"

	"github.com/taorun/taorun/runtime/internal/engine"
	"github.com/taorun/taorun/runtime/internal/wasmtimeeng"
)

func init() {
	engines[EngineWasmtime] = func(_ context.Context, c engine.Config) (engine.Engine, error) {
		return wasmtimeeng.New(c)
	}
}
