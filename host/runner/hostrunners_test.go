package runner

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/taorun/taorun/host"
)

// TestHostRunners drives the host.Runners adapter: invoke, submit/wait
// out of order, unknown runner and job, and a wait abandoned by its caller.
func TestHostRunners(t *testing.T) {
	s, _ := start(t, echo("echo"), echo("slow", "--delay", "200ms"))
	var r host.Runners = s.HostRunners()
	ctx := context.Background()
	if out, err := r.Invoke(ctx, "echo", []byte("hi")); err != nil || string(out) != "hi" {
		t.Fatalf("Invoke: %q, %v", out, err)
	}
	ids := make([]int64, 5)
	for i := range ids {
		id, err := r.Submit(ctx, "echo", []byte(fmt.Sprint("job", i)))
		if err != nil || id != int64(i) {
			t.Fatalf("Submit %d: id %d, %v", i, id, err)
		}
		ids[i] = id
	}
	for i := len(ids) - 1; i >= 0; i-- {
		if out, err := r.Wait(ctx, ids[i]); err != nil || string(out) != fmt.Sprint("job", i) {
			t.Errorf("Wait %d: %q, %v", i, out, err)
		}
	}
	errTests := []struct {
		name string
		call func() error
		want error
	}{
		{"invoke unknown runner", func() error { _, err := r.Invoke(ctx, "nope", nil); return err }, host.ErrNoRunner},
		{"submit unknown runner", func() error { _, err := r.Submit(ctx, "nope", nil); return err }, host.ErrNoRunner},
		{"wait twice", func() error { _, err := r.Wait(ctx, ids[0]); return err }, host.ErrNoJob},
		{"wait unknown job", func() error { _, err := r.Wait(ctx, 99); return err }, host.ErrNoJob},
	}
	for _, tc := range errTests {
		if err := tc.call(); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	// A submitted job survives its submitter's context; an abandoned wait
	// can be retried.
	sctx, cancel := context.WithCancel(ctx)
	id, err := r.Submit(sctx, "slow", []byte("survivor"))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Wait(sctx, id); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a cancelled context: %v, want context.Canceled", err)
	}
	if out, err := r.Wait(ctx, id); err != nil || string(out) != "survivor" {
		t.Errorf("retried wait: %q, %v", out, err)
	}
}
