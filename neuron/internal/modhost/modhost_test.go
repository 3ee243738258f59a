package modhost_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/internal/neurontest"
)

func TestMain(m *testing.M) { neurontest.Main(m) }

// plainSource hides neurontest.Source's PendingModule: a Source that cannot
// tell scheduled versions.
type plainSource struct{ src *neurontest.Source }

func (p plainSource) ActiveModule(ctx context.Context, netuid uint16, height uint64) ([32]byte, bool, error) {
	return p.src.ActiveModule(ctx, netuid, height)
}

func (p plainSource) ModuleCode(ctx context.Context, id [32]byte) ([]byte, error) {
	return p.src.ModuleCode(ctx, id)
}

// head is the test chain's block at height.
func head(height uint64) modhost.Head {
	return modhost.Head{Height: height, Hash: sha256.Sum256([]byte{byte(height), byte(height >> 8)}),
		TimeMillis: 1_700_000_000_000 + 12_000*height}
}

// waitFor polls cond until it holds, failing the test after a deadline
// generous enough for a module compile under the race detector on a loaded
// machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAheadOfActivation: the pocsubnet module is active from block 1 and
// the alternative module is scheduled for block 30. With a Source that
// reports the scheduled version, the Host fetches and compiles it while
// block 10 is the head, keeps answering with the old module at block 29,
// and switches at block 30 exactly, taking the module compiled ahead (no
// second fetch, no load on the call path). With a Source that cannot tell,
// nothing is compiled ahead and the switch at block 30 loads the module
// itself.
func TestAheadOfActivation(t *testing.T) {
	poc, alt := neurontest.PocModule(t), neurontest.AltModule(t)
	cases := []struct {
		name      string
		scheduled bool
		// want are the Host's stats after the switch.
		want modhost.Stats
	}{
		// One instance of each version: the old one is closed at the switch.
		{"scheduled source", true, modhost.Stats{Loads: 1, AheadLoads: 1, AheadUsed: 1, Instances: 2, Retired: 1, Idle: 1}},
		{"plain source", false, modhost.Stats{Loads: 2, Instances: 2, Retired: 1, Idle: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src := &neurontest.Source{}
			pocID := src.Activate(poc, 1)
			altID := src.Activate(alt, 30)
			var source modhost.Source = src
			if !tc.scheduled {
				source = plainSource{src}
			}
			// A registry of its own: nothing is compiled before the test.
			h, err := modhost.New(modhost.Config{Netuid: 1, Module: modhost.Options{Source: source, Registry: neurontest.Registry(t)}})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(ctx)
			challenge := func(height uint64) modhost.Result {
				t.Helper()
				seed := sha256.Sum256([]byte{byte(height)})
				res, err := h.Call(ctx, head(height).BlockInfo(1), abi.EntryChallenge,
					wire.ChallengeInput{Netuid: 1, Block: height, Seed: seed}.Encode())
				if err != nil || res.Err != nil {
					t.Fatalf("challenge at %d: %v %v", height, err, res.Err)
				}
				var out wire.ChallengeOutput
				if err := out.Decode(res.Output); err != nil {
					t.Fatalf("challenge output at %d: %v", height, err)
				}
				// The alternative module's task is the seed's first 8 bytes;
				// pocsubnet's is an encoded matrix task.
				if isAlt := bytes.Equal(out.Task, seed[:8]); isAlt != (res.ModuleID == altID) {
					t.Fatalf("at %d module %x answered a task %x that is not its own", height, res.ModuleID[:8], out.Task)
				}
				return res
			}

			if res := challenge(10); res.ModuleID != pocID {
				t.Fatalf("block 10 ran module %x, want pocsubnet", res.ModuleID[:8])
			}
			if tc.scheduled {
				waitFor(t, "the scheduled module to be compiled ahead", func() bool { return h.Stats().AheadLoads == 1 })
				if n := src.CodeLookups(altID); n != 1 {
					t.Fatalf("the scheduled module was fetched %d times before its activation, want 1", n)
				}
			}
			for _, height := range []uint64{11, 29} {
				if res := challenge(height); res.ModuleID != pocID {
					t.Fatalf("block %d, before the activation, ran module %x, want pocsubnet", height, res.ModuleID[:8])
				}
			}
			if !tc.scheduled && src.CodeLookups(altID) != 0 {
				t.Fatal("a plain source's future module was fetched before its activation")
			}
			if res := challenge(30); res.ModuleID != altID {
				t.Fatalf("block 30, the activation block, ran module %x, want the new one", res.ModuleID[:8])
			}
			if res := challenge(31); res.ModuleID != altID {
				t.Fatalf("block 31 ran module %x, want the new one", res.ModuleID[:8])
			}
			if got := h.Stats(); got != tc.want {
				t.Fatalf("stats %+v, want %+v", got, tc.want)
			}
			if n := src.CodeLookups(altID); n != 1 {
				t.Fatalf("the new module was fetched %d times, want once", n)
			}
		})
	}
}
