package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/taorun/taorun/runtime/internal/engine"
	"github.com/taorun/taorun/runtime/internal/wazeroeng"
)

// Engine names accepted by Config.Engine.
const (
	// EngineWazero is wazero's optimizing compiler (its interpreter on
	// platforms the compiler does not support). It is the default.
	EngineWazero = "wazero"
	// EngineWazeroInterp is wazero's interpreter: no compile step to speak
	// of, ~50× slower, and a 2,000-frame call-depth ceiling of its own, so
	// it suits tools and validation rather than consensus paths.
	EngineWazeroInterp = "wazero-interp"
	// EngineWasmtime is wasmtime-go (cgo), present only in builds with
	// -tags wasmtime.
	EngineWasmtime = "wasmtime"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMemoryPages = 1024    // 64 MiB: room for Go guests
	DefaultMaxInputBytes  = 4 << 20 // 4 MiB
	DefaultMaxOutputBytes = 1 << 20 // 1 MiB
	DefaultMaxLogBytes    = 16 << 10
	DefaultStackBudget    = 16384     // instrumented stack slots
	DefaultCacheBytes     = 256 << 20 // estimated compiled size kept in memory
)

// MaxMemoryPages bounds Config.MaxMemoryPages: an entry point's packed result
// carries a 30-bit pointer (abi.UnpackResult), so memory stops at 1 GiB.
const MaxMemoryPages = 1 << 14

// MaxStackBudget bounds Config.StackBudget so that the instrumented budget
// always runs out before any engine's own native stack does.
const MaxStackBudget = 65536

// Config configures a Runtime. Zero fields take the defaults above.
type Config struct {
	// Engine is EngineWazero (default), EngineWazeroInterp or
	// EngineWasmtime.
	Engine string
	// CacheDir, if set, is a node-local directory for compiled machine code
	// that survives restarts. Its files are trusted: never share it.
	CacheDir string
	// MaxMemoryPages caps every guest memory (64 KiB pages), at most
	// MaxMemoryPages. The instrumenter rewrites the module's declared maximum; this is the
	// engine-level backstop.
	MaxMemoryPages uint32
	// MaxInputBytes caps the input of one call.
	MaxInputBytes uint32
	// MaxOutputBytes caps the output (or guest error text) of one call; it
	// is checked before anything is copied.
	MaxOutputBytes uint32
	// MaxLogBytes caps the log kept per call.
	MaxLogBytes int
	// StackBudget is the value __tao_stack is set to before every top-level
	// call; at most MaxStackBudget.
	StackBudget uint32
	// CacheBytes bounds the estimated size of the compiled modules kept in
	// memory (pinned modules excluded).
	CacheBytes int64
	// Host lists the host functions offered to guests, in addition to the
	// deterministic WASI shims (see WASI).
	Host []HostFunc
	// AllowUnmetered lets modules without the gas globals run, with only
	// host-function gas counted. It exists for tests and local tools; a node
	// must never set it.
	AllowUnmetered bool
}

// engines maps engine names to constructors; the wasmtime build tag adds
// one.
var engines = map[string]func(context.Context, engine.Config) (engine.Engine, error){
	EngineWazero: func(ctx context.Context, c engine.Config) (engine.Engine, error) {
		return wazeroeng.New(ctx, c, false)
	},
	EngineWazeroInterp: func(ctx context.Context, c engine.Config) (engine.Engine, error) {
		return wazeroeng.New(ctx, c, true)
	},
}

// Engines lists the engines built into this binary, sorted.
func Engines() []string {
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ModuleID identifies a module by the SHA-256 of its (instrumented) bytes.
type ModuleID [32]byte

// IDOf returns the ModuleID of wasm.
func IDOf(wasm []byte) ModuleID { return sha256.Sum256(wasm) }

// String returns the ID in hex.
func (id ModuleID) String() string { return hex.EncodeToString(id[:]) }

// Runtime compiles, caches and runs modules on one engine. It is safe for
// concurrent use; the Instances it creates are not.
type Runtime struct {
	cfg   Config
	eng   engine.Engine
	hosts map[string]engine.FuncType // "module\x00name" -> signature
	cache *cache

	closeOnce sync.Once
}

// New creates a Runtime.
func New(cfg Config) (*Runtime, error) {
	if cfg.Engine == "" {
		cfg.Engine = EngineWazero
	}
	mk, ok := engines[cfg.Engine]
	if !ok {
		if cfg.Engine == EngineWasmtime {
			return nil, errors.New("taorun was built without the wasmtime engine; rebuild with -tags wasmtime")
		}
		return nil, fmt.Errorf("unknown engine %q (built in: %v)", cfg.Engine, Engines())
	}
	if cfg.MaxMemoryPages == 0 {
		cfg.MaxMemoryPages = DefaultMaxMemoryPages
	}
	if cfg.MaxMemoryPages > MaxMemoryPages {
		return nil, fmt.Errorf("MaxMemoryPages %d is over %d: ABI v1 results cannot address memory above 1 GiB", cfg.MaxMemoryPages, MaxMemoryPages)
	}
	if cfg.MaxInputBytes == 0 {
		cfg.MaxInputBytes = DefaultMaxInputBytes
	}
	if cfg.MaxOutputBytes == 0 {
		cfg.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if cfg.MaxLogBytes == 0 {
		cfg.MaxLogBytes = DefaultMaxLogBytes
	}
	if cfg.StackBudget == 0 {
		cfg.StackBudget = DefaultStackBudget
	}
	if cfg.StackBudget > MaxStackBudget {
		return nil, fmt.Errorf("StackBudget %d is over MaxStackBudget %d", cfg.StackBudget, MaxStackBudget)
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	wasi, err := wasiFuncs()
	if err != nil {
		return nil, err
	}
	host := append(wasi, cfg.Host...)
	r := &Runtime{cfg: cfg, hosts: map[string]engine.FuncType{}}
	ecfg := engine.Config{MaxMemoryPages: cfg.MaxMemoryPages, CacheDir: cfg.CacheDir}
	for _, h := range host {
		key := h.Module + "\x00" + h.Name
		if _, dup := r.hosts[key]; dup {
			return nil, fmt.Errorf("host function %s.%s is defined twice", h.Module, h.Name)
		}
		if h.Fn == nil {
			return nil, fmt.Errorf("host function %s.%s has no Fn", h.Module, h.Name)
		}
		b := bind(h)
		r.hosts[key] = b.Type
		ecfg.Host = append(ecfg.Host, b)
	}
	eng, err := mk(context.Background(), ecfg)
	if err != nil {
		return nil, err
	}
	r.eng = eng
	r.cache = newCache(cfg.CacheBytes)
	return r, nil
}

// Engine returns the name of the runtime's engine.
func (r *Runtime) Engine() string { return r.cfg.Engine }

// Close releases every compiled module and the engine. Instances must be
// closed first.
func (r *Runtime) Close(ctx context.Context) error {
	var err error
	r.closeOnce.Do(func() {
		r.cache.closeAll(ctx)
		err = r.eng.Close(ctx)
	})
	return err
}
