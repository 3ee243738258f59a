package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/taorun/taorun/consensus"
)

// UIDSummary aggregates one uid over a whole run.
type UIDSummary struct {
	UID  int    `json:"uid"`
	Name string `json:"name"`
	// Role is the weight strategy, "miner" for a neuron with a quality, or "idle".
	Role string `json:"role"`
	// InitialStake and FinalStake are in alpha.
	InitialStake float64 `json:"initial_stake"`
	FinalStake   float64 `json:"final_stake"`
	// Emission, ServerEmission and ValidatorEmission are run totals in alpha.
	Emission          float64 `json:"emission"`
	ServerEmission    float64 `json:"server_emission"`
	ValidatorEmission float64 `json:"validator_emission"`
	// MeanIncentive, MeanDividends and MeanStakeWeight average the epochs' proportions.
	MeanIncentive   float64 `json:"mean_incentive"`
	MeanDividends   float64 `json:"mean_dividends"`
	MeanStakeWeight float64 `json:"mean_stake_weight"`
	// DividendsPerStake is the uid's share of all validator emission divided by its mean
	// stake weight: 1 means paid exactly in proportion to stake, above 1 more. It is 0 for
	// a uid without stake.
	DividendsPerStake float64 `json:"dividends_per_stake"`
}

const raoPerAlpha = 1e9

// Summary aggregates every uid over the run's epochs after the scenario's warm-up.
func (r *Result) Summary() []UIDSummary {
	s := r.Scenario
	out := make([]UIDSummary, len(s.Neurons))
	var totalVal float64
	for i, ns := range s.Neurons {
		u := &out[i]
		u.UID, u.Name, u.Role = i, ns.Name, role(ns)
		u.InitialStake = float64(ns.StakeRao) / raoPerAlpha
		for _, ep := range r.Epochs[s.WarmupEpochs:] {
			u.Emission += float64(ep.Out.Emission[i]) / raoPerAlpha
			u.ServerEmission += float64(ep.Out.ServerEmission[i]) / raoPerAlpha
			u.ValidatorEmission += float64(ep.Out.ValidatorEmission[i]) / raoPerAlpha
			u.MeanIncentive += prop(ep.Out.Incentive[i])
			u.MeanDividends += prop(ep.Out.Dividends[i])
			u.MeanStakeWeight += prop(ep.Out.StakeWeight[i])
		}
		ne := float64(len(r.Epochs) - s.WarmupEpochs)
		u.MeanIncentive /= ne
		u.MeanDividends /= ne
		u.MeanStakeWeight /= ne
		u.FinalStake = u.InitialStake
		if last := r.Epochs[len(r.Epochs)-1]; s.Compound {
			u.FinalStake = float64(satAdd(last.Stake[i], last.Out.Emission[i])) / raoPerAlpha
		}
		totalVal += u.ValidatorEmission
	}
	for i := range out {
		if out[i].MeanStakeWeight > 0 && totalVal > 0 {
			out[i].DividendsPerStake = out[i].ValidatorEmission / totalVal / out[i].MeanStakeWeight
		}
	}
	return out
}

func role(ns NeuronSpec) string {
	switch {
	case ns.Weights != nil && ns.Weights.Every > 1:
		return fmt.Sprintf("%s/every %d", ns.Weights.Kind, ns.Weights.Every)
	case ns.Weights != nil:
		return ns.Weights.Kind
	}
	for _, q := range ns.Quality {
		if q.Value > 0 {
			return "miner"
		}
	}
	return "idle"
}

func prop(v uint16) float64 { return float64(v) / 65535 }

// WriteTables writes one table per epoch (every `every` epochs, and always the last):
// per uid its stake, whether it is active, holds a permit and set weights, and its
// consensus, incentive, dividends (proportions) and emission (alpha).
func (r *Result) WriteTables(w io.Writer, every int) error {
	if every < 1 {
		return fmt.Errorf("every: want at least 1, got %d", every)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for k, ep := range r.Epochs {
		if k%every != 0 && k != len(r.Epochs)-1 {
			continue
		}
		fmt.Fprintf(tw, "epoch %d (block %d)\n", ep.Epoch, ep.Block)
		fmt.Fprintln(tw, "uid\tname\tstake\tactive\tpermit\tset\tconsensus\tincentive\tdividends\temission\t")
		for i, ns := range r.Scenario.Neurons {
			fmt.Fprintf(tw, "%d\t%s\t%.3f\t%s\t%s\t%s\t%.4f\t%.4f\t%.4f\t%.6f\t\n", i, ns.Name,
				float64(ep.Stake[i])/raoPerAlpha, yes(ep.Out.Active[i]), yes(ep.Out.ValidatorPermit[i]),
				yes(ep.SetWeights[i]), prop(ep.Out.Consensus[i]), prop(ep.Out.Incentive[i]),
				prop(ep.Out.Dividends[i]), float64(ep.Out.Emission[i])/raoPerAlpha)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

// WriteSummary writes the run summary table (see UIDSummary).
func (r *Result) WriteSummary(w io.Writer) error {
	s := r.Scenario
	fmt.Fprintf(w, "summary: %s, %d epochs of %d blocks, %.3f alpha per epoch, %s", title(s),
		len(r.Epochs), s.Tempo, float64(s.EmissionRao)/raoPerAlpha, mode(s))
	if s.WarmupEpochs > 0 {
		fmt.Fprintf(w, "; totals and means over epochs %d..%d (after warm-up)", s.WarmupEpochs, len(r.Epochs)-1)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "uid\tname\trole\tstake\tmean stake wt\tmean incentive\tmean dividends\tminer emission\tvalidator emission\tdividends/stake\t")
	for _, u := range r.Summary() {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.3f\t%.4f\t%.4f\t%.4f\t%.6f\t%.6f\t%.3f\t\n", u.UID, u.Name, u.Role,
			u.FinalStake, u.MeanStakeWeight, u.MeanIncentive, u.MeanDividends, u.ServerEmission,
			u.ValidatorEmission, u.DividendsPerStake)
	}
	return tw.Flush()
}

func title(s *Scenario) string {
	if s.Name != "" {
		return s.Name
	}
	return "scenario"
}

func mode(s *Scenario) string {
	var b strings.Builder
	if s.Params.Yuma3Enabled {
		b.WriteString("Yuma3")
		if s.Params.LiquidAlphaEnabled {
			b.WriteString(" with liquid alpha")
		}
	} else {
		b.WriteString("original Yuma")
	}
	return b.String()
}

// The JSON shape of a result.
type resultJSON struct {
	Name    string       `json:"name"`
	Mode    string       `json:"mode"`
	Epochs  []epochJSON  `json:"epochs"`
	Summary []UIDSummary `json:"summary"`
}

type epochJSON struct {
	Epoch      int                    `json:"epoch"`
	Block      uint64                 `json:"block"`
	Stake      []uint64               `json:"stake"`
	SetWeights []bool                 `json:"set_weights"`
	Weights    [][][2]uint16          `json:"weights"`
	Output     *consensus.EpochOutput `json:"output"`
}

// WriteJSON writes the whole run (every epoch's inputs of note and outputs, and the
// summary) as one JSON object. Outputs use the `taorun sim epoch` format.
func (r *Result) WriteJSON(w io.Writer) error {
	rj := resultJSON{Name: r.Scenario.Name, Mode: mode(r.Scenario), Summary: r.Summary()}
	for _, ep := range r.Epochs {
		w := make([][][2]uint16, len(ep.Weights))
		for i, row := range ep.Weights {
			w[i] = make([][2]uint16, len(row)) // [uid, value] pairs, as `taorun sim epoch` reads them
			for k, e := range row {
				w[i][k] = [2]uint16{e.UID, e.Value}
			}
		}
		rj.Epochs = append(rj.Epochs, epochJSON{ep.Epoch, ep.Block, ep.Stake, ep.SetWeights, w, ep.Out})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(rj)
}
