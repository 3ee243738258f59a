package runner

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/host/runner/frame"
)

// TestWorkerProtocol speaks the frame protocol directly to each matmul
// worker: hello, health, a job, a batch with a failing item, cancel and an
// unknown kind.
func TestWorkerProtocol(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in1, want1 := randomMatmul(rng, 2, 3, 4, 101)
	in2, want2 := randomMatmul(rng, 5, 1, 2, 65536)
	badIn := []byte("short")
	type exchange struct {
		send    frame.Header
		payload []byte
		want    frame.Header // expected reply; Kind "" means no reply is expected
		wantOut []byte
		errHas  []string // substrings of the reply's error (or per-item errors)
	}
	script := []exchange{
		{send: frame.Header{ID: 1, Kind: frame.KindHealth}, want: frame.Header{ID: 1, Kind: frame.KindHealth}},
		{send: frame.Header{ID: 2, Kind: frame.KindJob}, payload: in1, want: frame.Header{ID: 2, Kind: frame.KindResult}, wantOut: want1},
		{send: frame.Header{ID: 3, Kind: frame.KindBatch, Sizes: []int{len(in1), len(badIn), len(in2)}}, payload: concat(in1, badIn, in2),
			want:    frame.Header{ID: 3, Kind: frame.KindResult, Sizes: []int{len(want1), 0, len(want2)}},
			wantOut: concat(want1, want2), errHas: []string{"", "shorter than the 16-byte header", ""}},
		{send: frame.Header{ID: 4, Kind: frame.KindJob}, payload: badIn, want: frame.Header{ID: 4, Kind: frame.KindError}, errHas: []string{"shorter than the 16-byte header"}},
		{send: frame.Header{ID: 5, Kind: frame.KindCancel}},
		{send: frame.Header{ID: 6, Kind: "reboot"}, want: frame.Header{ID: 6, Kind: frame.KindError}, errHas: []string{"unknown frame kind"}},
		{send: frame.Header{ID: 7, Kind: frame.KindBatch, Sizes: []int{1, 1}}, payload: []byte{0}, want: frame.Header{ID: 7, Kind: frame.KindError}, errHas: []string{"batch"}},
		{send: frame.Header{ID: 8, Kind: frame.KindHealth}, want: frame.Header{ID: 8, Kind: frame.KindHealth}},
	}
	for _, w := range matmulWorkers {
		t.Run(w.name, func(t *testing.T) {
			if _, err := exec.LookPath("python3"); w.python && err != nil {
				t.Skip("python3 is not installed")
			}
			argv := w.command()
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Stderr = &logWriter{t: t}
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer stdin.Close()
			r, wr := bufio.NewReader(stdout), bufio.NewWriter(stdin)
			hello, _, err := frame.Read(r, 1<<20)
			if err != nil || hello.Kind != frame.KindHello || hello.MaxBatch < 2 || !strings.HasPrefix(hello.Name, "matmul") {
				t.Fatalf("hello: %+v, %v; want a matmul hello with max_batch ≥ 2", hello, err)
			}
			for i, ex := range script {
				if err := frame.Write(wr, &ex.send, ex.payload); err != nil || wr.Flush() != nil {
					t.Fatalf("step %d: write: %v", i, err)
				}
				if ex.want.Kind == "" {
					continue
				}
				h, p, err := frame.Read(r, 1<<20)
				if err != nil {
					t.Fatalf("step %d: read: %v", i, err)
				}
				if h.ID != ex.want.ID || h.Kind != ex.want.Kind || !slices.Equal(h.Sizes, ex.want.Sizes) || !bytes.Equal(p, ex.wantOut) {
					t.Errorf("step %d: got %+v %x; want %+v %x", i, h, p, ex.want, ex.wantOut)
				}
				got := h.Errors
				if h.Kind == frame.KindError {
					got = []string{h.Error}
				}
				if len(got) != len(ex.errHas) {
					t.Errorf("step %d: errors %q, want %d matching %q", i, got, len(ex.errHas), ex.errHas)
					continue
				}
				for j, sub := range ex.errHas {
					if !strings.Contains(got[j], sub) || (sub == "" && got[j] != "") {
						t.Errorf("step %d item %d: error %q, want %q", i, j, got[j], sub)
					}
				}
			}
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
