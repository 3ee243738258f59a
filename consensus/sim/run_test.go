package sim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/color"
	"image/png"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/consensus"
)

func mustParse(t *testing.T, js string) *Scenario {
	t.Helper()
	s, err := ParseScenario(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRun(t *testing.T, s *Scenario) *Result {
	t.Helper()
	r, err := Run(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Epochs) != s.Epochs {
		t.Fatalf("%d epoch records, want %d", len(r.Epochs), s.Epochs)
	}
	return r
}

func TestMaxUpscale(t *testing.T) {
	cases := []struct {
		vals []uint64
		want []uint16 // values of the kept entries
	}{
		{[]uint64{1, 2}, []uint16{32768, 65535}},
		{[]uint64{3, 3, 3}, []uint16{65535, 65535, 65535}},
		{[]uint64{0, 1_000_000, 1}, []uint16{65535}}, // 1e-6 of the max rounds to 0: dropped
		{[]uint64{2e12, 1e12}, []uint16{65535, 32768}},
	}
	for _, c := range cases {
		targets := make([]uint16, len(c.vals))
		for i := range targets {
			targets[i] = uint16(10 + i)
		}
		var got []uint16
		for _, e := range maxUpscale(targets, c.vals) {
			got = append(got, e.Value)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("maxUpscale(%v) = %v, want %v", c.vals, got, c.want)
		}
	}
	if row := maxUpscale([]uint16{1}, []uint64{0}); row != nil {
		t.Errorf("all-zero row = %v, want nil", row)
	}
}

// TestStrategies checks the weight rows each strategy stores, through a run's epochs.
func TestStrategies(t *testing.T) {
	s := mustParse(t, `{"epochs": 6, "tempo": 10, "seed": 9, "neurons": [
	 {"name": "honest", "stake": 100, "weights": {"strategy": "honest", "noise": 0.2}},
	 {"name": "copier", "stake": 50, "weights": {"strategy": "copier"}},
	 {"name": "follower", "stake": 50, "weights": {"strategy": "copier", "source": "honest"}},
	 {"name": "cabal", "stake": 10, "weights": {"strategy": "colluding", "targets": ["m2"]}},
	 {"name": "late", "stake": 10, "weights": {"strategy": "explicit", "every": 3, "offset": 1,
	   "schedule": [{"from_epoch": 0, "weights": {"m1": 1, "m2": 3}}, {"from_epoch": 4, "weights": {"m1": 1}}]}},
	 {"name": "m1", "quality": 0.5, "quality_schedule": [{"from_epoch": 3, "quality": 0}]},
	 {"name": "m2", "quality": 0.25}]}`)
	n := len(s.Neurons)
	r := mustRun(t, s)
	for e, ep := range r.Epochs {
		for i := range n {
			st := s.Neurons[i].Weights
			// Copiers have nothing to copy before the first epoch.
			wantSet := st != nil && e%st.Every == st.Offset && !(st.Kind == StrategyCopier && e == 0)
			if ep.SetWeights[i] != wantSet {
				t.Errorf("epoch %d uid %d: set weights %v, want %v", e, i, ep.SetWeights[i], wantSet)
			}
		}
	}
	rows := func(e int) [][]consensus.WeightEntry { return r.Epochs[e].Weights }
	w2 := rows(2)
	// honest: both miners, max upscaled; with 20% noise m2/m1 = 0.5 * [0.8/1.2, 1.2/0.8].
	if h := w2[0]; len(h) != 2 || h[0] != (consensus.WeightEntry{UID: 5, Value: 65535}) || h[1].UID != 6 ||
		float64(h[1].Value) < 65535*0.5*0.8/1.2 || float64(h[1].Value) > 65535*0.5*1.2/0.8 || h[1].Value == 32768 {
		t.Errorf("honest row %v", h)
	}
	// copier: last epoch's consensus (non-zero entries, max upscaled).
	var want []consensus.WeightEntry
	for j, c := range r.Epochs[1].Out.Consensus {
		if c > 0 && j != 1 {
			want = append(want, consensus.WeightEntry{UID: uint16(j), Value: uint16(c)})
		}
	}
	want = maxUpscale(entriesUIDs(want), entriesVals(want))
	if !reflect.DeepEqual(w2[1], want) || len(want) == 0 {
		t.Errorf("copier row %v, want %v", w2[1], want)
	}
	// follower: the honest validator's row as stored before this epoch.
	if w1 := rows(1); !reflect.DeepEqual(w2[2], w1[0]) {
		t.Errorf("follower row %v, want honest's previous row %v", w2[2], w1[0])
	}
	if c := w2[3]; !reflect.DeepEqual(c, []consensus.WeightEntry{{UID: 6, Value: 65535}}) {
		t.Errorf("colluding row %v", c)
	}
	if l := w2[4]; !reflect.DeepEqual(l, []consensus.WeightEntry{{UID: 5, Value: 21845}, {UID: 6, Value: 65535}}) {
		t.Errorf("explicit row at epoch 2 %v", l)
	}
	w5 := rows(5)
	if l := w5[4]; !reflect.DeepEqual(l, []consensus.WeightEntry{{UID: 5, Value: 65535}}) {
		t.Errorf("explicit row at epoch 5 (second schedule entry, set at epoch 4) %v", l)
	}
	// m1's quality drops to 0 at epoch 3: the honest validator stops weighting it.
	if h := w5[0]; len(h) != 1 || h[0].UID != 6 {
		t.Errorf("honest row after m1's quality drop %v", h)
	}
}

func entriesUIDs(r []consensus.WeightEntry) []uint16 {
	var u []uint16
	for _, e := range r {
		u = append(u, e.UID)
	}
	return u
}

func entriesVals(r []consensus.WeightEntry) []uint64 {
	var v []uint64
	for _, e := range r {
		v = append(v, uint64(e.Value))
	}
	return v
}

// TestDeterministic checks that a run depends only on the scenario (seed included).
func TestDeterministic(t *testing.T) {
	js := `{"epochs": 8, "tempo": 10, "seed": %d, "neurons": [
	 {"name": "v1", "stake": 100, "weights": {"strategy": "honest", "noise": 0.3}},
	 {"name": "v2", "stake": 70, "weights": {"strategy": "honest", "noise": 0.3}},
	 {"name": "a", "quality": 0.5}, {"name": "b", "quality": 0.4}, {"name": "c", "quality": 0.3}]}`
	out := func(seed int) string {
		var b bytes.Buffer
		if err := mustRun(t, mustParse(t, strings.Replace(js, "%d", string(rune('0'+seed)), 1))).WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if first, second := out(1), out(1); first != second {
		t.Error("two runs with the same seed differ")
	}
	if out(1) == out(2) {
		t.Error("runs with different seeds are identical: noise not applied")
	}
}

// TestFeedForward checks that permits and bonds carry from one epoch to the next.
func TestFeedForward(t *testing.T) {
	// No permits at first: epoch 0 masks every weight, so no incentive; the epoch grants
	// permits to the stakers, and from epoch 1 on the weights count.
	s := mustParse(t, `{"epochs": 12, "tempo": 10, "neurons": [
	 {"name": "v1", "stake": 100, "validator_permit": false, "weights": {"strategy": "honest"}},
	 {"name": "v2", "stake": 100, "validator_permit": false, "weights": {"strategy": "copier"}},
	 {"name": "m1", "quality": 1}, {"name": "m2", "quality": 0.5}]}`)
	r := mustRun(t, s)
	if inc := r.Epochs[0].Out.Incentive; inc[2] != 0 || inc[3] != 0 {
		t.Errorf("epoch 0 incentive %v, want none without permits", inc)
	}
	if p := r.Epochs[0].Out.ValidatorPermit; !p[0] || !p[1] || p[2] || p[3] {
		t.Errorf("epoch 0 new permits %v", p)
	}
	if inc := r.Epochs[1].Out.Incentive; inc[2] <= inc[3] || inc[3] == 0 {
		t.Errorf("epoch 1 incentive %v, want m1 > m2 > 0", inc)
	}
	// The copier first sets weights at epoch 1 (copying epoch 0's consensus, which is
	// empty, so really at epoch 2); under original Yuma its bonds, and so its dividends,
	// then grow epoch by epoch through the bonds EMA. Without bonds carried forward they
	// would jump to their final level at once.
	var d []uint16
	for _, ep := range r.Epochs {
		d = append(d, ep.Out.Dividends[1])
	}
	for e := 3; e < len(d); e++ {
		if d[e] <= d[e-1] {
			t.Fatalf("copier dividends %v do not grow from epoch 2 on", d)
		}
	}
}

// TestLateValidatorGoesInactive checks that weights set only every k epochs age out
// once older than the activity cutoff.
func TestLateValidatorGoesInactive(t *testing.T) {
	s := mustParse(t, `{"epochs": 10, "tempo": 10, "activity_cutoff": 25, "neurons": [
	 {"name": "v", "stake": 100, "weights": {"strategy": "honest"}},
	 {"name": "late", "stake": 100, "weights": {"strategy": "honest", "every": 5}},
	 {"name": "m", "quality": 1}]}`)
	r := mustRun(t, s)
	// late sets weights at epochs 0 and 5 (blocks 9 and 59); epoch e runs at block
	// 10(e+1) and counts it active while its last update + 25 >= that block.
	for e, ep := range r.Epochs {
		last := uint64(9)
		if e >= 5 {
			last = 59
		}
		if want := last+25 >= ep.Block; ep.Out.Active[1] != want {
			t.Errorf("epoch %d: late active %v, want %v", e, ep.Out.Active[1], want)
		}
	}
}

func TestCompound(t *testing.T) {
	s := mustParse(t, `{"epochs": 3, "tempo": 10, "emission_per_epoch": 5, "compound": true, "neurons": [
	 {"name": "v", "stake": 100, "weights": {"strategy": "honest"}}, {"name": "m", "quality": 1}]}`)
	r := mustRun(t, s)
	for e := 1; e < 3; e++ {
		for i := range 2 {
			if got, want := r.Epochs[e].Stake[i], r.Epochs[e-1].Stake[i]+r.Epochs[e-1].Out.Emission[i]; got != want {
				t.Errorf("epoch %d uid %d stake %d, want %d", e, i, got, want)
			}
		}
	}
	if r.Epochs[2].Stake[1] == 0 {
		t.Error("miner earned nothing to compound")
	}
}

// TestReports checks the summary totals against the epochs, and that the tables, JSON
// and SVG are well formed.
func TestReports(t *testing.T) {
	s := mustParse(t, `{"name": "a <b> & c", "epochs": 5, "warmup_epochs": 1, "tempo": 10, "neurons": [
	 {"name": "v", "stake": 100, "weights": {"strategy": "honest"}},
	 {"name": "w", "stake": 50, "weights": {"strategy": "colluding", "targets": ["m2"]}},
	 {"name": "m1", "quality": 1}, {"name": "m2", "quality": 0.2}, {"name": "idle"}]}`)
	r := mustRun(t, s)
	sum := r.Summary()
	var val float64
	for i, u := range sum {
		var em uint64
		for _, ep := range r.Epochs[1:] {
			em += ep.Out.Emission[i]
		}
		if diff := u.Emission - float64(em)/1e9; diff > 1e-6 || diff < -1e-6 {
			t.Errorf("%s: summary emission %v, epochs sum %d rao", u.Name, u.Emission, em)
		}
		val += u.ValidatorEmission / sum[0].ValidatorEmission
	}
	if sum[0].Role != "honest" || sum[1].Role != "colluding" || sum[2].Role != "miner" || sum[4].Role != "idle" {
		t.Errorf("roles %+v", sum)
	}
	if !(sum[0].DividendsPerStake > 1 && sum[1].DividendsPerStake < 1) {
		t.Errorf("dividends per stake: honest %v, colluding %v", sum[0].DividendsPerStake, sum[1].DividendsPerStake)
	}

	var tables bytes.Buffer
	if err := r.WriteTables(&tables, 2); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"epoch 0 (block 10)", "epoch 2 (block 30)", "epoch 4 (block 50)"} {
		if !strings.Contains(tables.String(), want) {
			t.Errorf("tables lack %q", want)
		}
	}
	if strings.Contains(tables.String(), "epoch 1 ") || strings.Contains(tables.String(), "epoch 3 ") {
		t.Error("tables print epochs that --every 2 skips")
	}
	if err := r.WriteTables(io.Discard, 0); err == nil {
		t.Error("WriteTables(every 0) succeeded")
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Name   string
		Epochs []struct {
			Epoch  int
			Output map[string]json.RawMessage
		}
		Summary []UIDSummary
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Name != s.Name || len(decoded.Epochs) != 5 || decoded.Epochs[4].Output["incentive"] == nil || !reflect.DeepEqual(decoded.Summary, sum) {
		t.Errorf("JSON round trip: %+v", decoded)
	}

	var svg bytes.Buffer
	if err := r.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&svg)
	lines, texts := 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local == "polyline" {
				lines++
			}
		case xml.CharData:
			texts += string(el) + "\n"
		}
	}
	// Dividends: v and w; incentive: m1 and m2; idle never drawn.
	if lines != 4 {
		t.Errorf("SVG has %d polylines, want 4", lines)
	}
	for _, want := range []string{"a <b> & c", "Dividends", "Incentive", "warm-up", "2 m1 (miner)"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
	if strings.Contains(texts, "idle") {
		t.Error("SVG legend lists a uid that is zero throughout")
	}

	var pngBuf bytes.Buffer
	if err := r.WritePNG(&pngBuf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&pngBuf)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != plotW || b.Dy() != plotH {
		t.Fatalf("PNG size %v", b)
	}
	if c := color.RGBAModel.Convert(img.At(plotW-1, plotH-1)).(color.RGBA); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("PNG background %v, want white", c)
	}
	// Inside the panels each drawn uid's colour appears (line centres are fully covered);
	// the idle uid's does not.
	count := map[color.RGBA]int{}
	for y := 0; y < plotH; y++ {
		for x := marginL; x <= marginL+panelW; x++ {
			count[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	for uid := range 5 {
		c, _ := style(uid)
		if n := count[rgb(c)]; (n > 0) != (uid != 4) {
			t.Errorf("PNG has %d pixels of uid %d's colour %s", n, uid, c)
		}
	}
}
