package runtime

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// randomBlock is block k of the random_get stream for a zero seed.
func randomBlock(k uint64) []byte {
	in := make([]byte, 40)
	binary.LittleEndian.PutUint64(in[32:], k)
	sum := sha256.Sum256(in)
	return sum[:]
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestWASIShims pins down the exact answers and gas of the WASI shims, on
// every engine, through testdata/wasi.wat.
func TestWASIShims(t *testing.T) {
	const blockTime = 5_000_000_000
	tests := []struct {
		name  string
		entry string
		input []byte
		out   []byte
		gas   uint64
		log   string
	}{
		{"realtime is the block time", "clock", u32(0), cat(u32(0), u64(blockTime)), WASICallGas, ""},
		{"monotonic starts at one second", "clock", u32(1), cat(u32(0), u64(monotonicStart)), WASICallGas, ""},
		{"unknown clock", "clock", u32(7), cat(u32(errnoInval), u64(0)), WASICallGas, ""},
		{"random bytes", "random", u32(8), cat(u32(0), randomBlock(0)[:8]), WASICallGas + 8, ""},
		{"random across blocks", "random", u32(40), cat(u32(0), randomBlock(0), randomBlock(1)[:8]), WASICallGas + 40, ""},
		{"sleep advances the clock", "sleep", u64(1000),
			cat(u32(0), u32(1), u64(42), u32(0), u64(monotonicStart+1000)), 2 * WASICallGas, ""},
		{"stdout goes to the log", "write", cat(u32(1), []byte("hi")), cat(u32(0), u32(2)), WASICallGas + 2, "hi"},
		{"stderr goes to the log", "write", cat(u32(2), []byte("oops")), cat(u32(0), u32(4)), WASICallGas + 4, "oops"},
		{"other descriptors are EBADF", "write", cat(u32(5), []byte("hi")), cat(u32(errnoBadf), u32(0)), WASICallGas, ""},
		{"iovec outside memory is EFAULT", "write_fault", nil, u32(errnoFault), WASICallGas, ""},
		{"stdin is EBADF", "read", nil, u32(errnoBadf), WASICallGas, ""},
		{"no arguments", "args", nil, cat(u32(0), u32(0), u32(0)), WASICallGas, ""},
	}
	wasm := loadWasm(t, "wasi")
	forEachEngine(t, func(t *testing.T, eng string) {
		r := newRuntime(t, eng, nil)
		m, err := r.Compile(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			res := m.Run(ctx, InstanceConfig{Time: blockTime}, tt.entry, tt.input, gasPlenty)
			if res.Err != nil {
				t.Errorf("%s: %v", tt.name, res.Err)
				continue
			}
			if !bytes.Equal(res.Output, tt.out) {
				t.Errorf("%s: output %x, want %x", tt.name, res.Output, tt.out)
			}
			if res.GasUsed != tt.gas {
				t.Errorf("%s: gas %d, want %d", tt.name, res.GasUsed, tt.gas)
			}
			if string(res.Log) != tt.log {
				t.Errorf("%s: log %q, want %q", tt.name, res.Log, tt.log)
			}
		}
	})
}

// TestWASIRandomContinues checks that the random stream continues across
// calls on one instance and depends on the seed.
func TestWASIRandomContinues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng string) {
		r := newRuntime(t, eng, nil)
		m, err := r.Compile(ctx, loadWasm(t, "wasi"))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := m.Instantiate(ctx, InstanceConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close(ctx)
		a := inst.Call(ctx, "random", u32(16), gasPlenty)
		b := inst.Call(ctx, "random", u32(16), gasPlenty)
		if !bytes.Equal(a.Output[4:], randomBlock(0)[:16]) || !bytes.Equal(b.Output[4:], randomBlock(0)[16:32]) {
			t.Errorf("stream %x then %x", a.Output, b.Output)
		}
		seeded := m.Run(ctx, InstanceConfig{Seed: [32]byte{1}}, "random", u32(16), gasPlenty)
		if bytes.Equal(seeded.Output, a.Output) {
			t.Error("the seed does not change the stream")
		}
	})
}
