package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
)

// Flags of the weights commands (btcli's spellings).
var (
	flagUids       = &cli.StringFlag{Name: "uids", Aliases: []string{"u"}, Usage: "comma-separated target `UIDS`"}
	flagWeightVals = &cli.StringFlag{Name: "weights", Aliases: []string{"w"}, Usage: "comma-separated `WEIGHTS` (any non-negative scale; normalised so the largest is 65535)"}
	flagSalt       = &cli.StringFlag{Name: "salt", Aliases: []string{"s"}, Usage: "comma-separated u16 `SALT` (commit: random when absent)"}
	flagVersionKey = &cli.Uint64Flag{Name: "version-key", Aliases: []string{"version_key"}, Usage: "weights version `KEY` (the subnet's weights_version)"}
)

// weightsCommand is `taorun weights` (btcli's `weights` group, plus `set`).
func weightsCommand() *cli.Command {
	flags := func(extra ...cli.Flag) []cli.Flag {
		return walletFlags(networkFlags(append([]cli.Flag{flagNetuid, flagUids, flagWeightVals, flagVersionKey, flagTxWait}, extra...)...)...)
	}
	return &cli.Command{
		Name:    "weights",
		Aliases: []string{"wt", "weight"},
		Usage:   "set, commit and reveal a validator hotkey's weights",
		Subcommands: []*cli.Command{
			{Name: "set", Usage: "set weights directly (subnets without commit-reveal)", Flags: flags(), Action: nodeAction(weightsAction(weightsSet))},
			{Name: "commit", Usage: "commit a hash of weights (commit-reveal subnets); prints the salt to reveal with",
				Flags: flags(flagSalt), Action: nodeAction(weightsAction(weightsCommit))},
			{Name: "reveal", Usage: "reveal weights committed earlier, with the same salt",
				Flags: flags(flagSalt), Action: nodeAction(weightsAction(weightsReveal))},
		},
	}
}

// weightsArgs are the parsed arguments of a weights command.
type weightsArgs struct {
	netuid  uint16
	uids    []uint16
	weights []uint16
	version uint64
}

// weightsAction parses the common arguments and runs body.
func weightsAction(body func(n *nodeCtx, a *weightsArgs) error) func(n *nodeCtx) error {
	return func(n *nodeCtx) error {
		netuid, err := n.netuid(flagNetuid.Name)
		if err != nil {
			return err
		}
		uids, err := parseU16List(flagUids.Name, n.c.String(flagUids.Name))
		if err != nil {
			return err
		}
		vals, err := parseWeights(n.c.String(flagWeightVals.Name), len(uids))
		if err != nil {
			return err
		}
		return body(n, &weightsArgs{netuid: netuid, uids: uids, weights: vals, version: n.c.Uint64(flagVersionKey.Name)})
	}
}

// parseU16List parses "1,2,3".
func parseU16List(flag, s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, cli.Exit(fmt.Sprintf("--%s is required", flag), exitUsage)
	}
	var out []uint16
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 16)
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("--%s: %q is not a number 0–65535", flag, f), exitUsage)
		}
		out = append(out, uint16(v))
	}
	return out, nil
}

// parseWeights parses non-negative weights and scales them as bittensor's
// convert_weights_and_uids_for_emit does: the largest becomes 65535, the
// others round(w / max × 65535). (Client-side arithmetic: the chain only ever
// sees the u16 values.)
func parseWeights(s string, n int) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, cli.Exit("--weights is required", exitUsage)
	}
	fields := strings.Split(s, ",")
	if len(fields) != n {
		return nil, cli.Exit(fmt.Sprintf("--weights has %d values for %d uids", len(fields), n), exitUsage)
	}
	ws := make([]float64, n)
	maxW := 0.0
	for i, f := range fields {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
			return nil, cli.Exit(fmt.Sprintf("--weights: %q is not a non-negative number", f), exitUsage)
		}
		ws[i], maxW = w, max(maxW, w)
	}
	if maxW == 0 {
		return nil, cli.Exit("--weights: all weights are zero", exitUsage)
	}
	out := make([]uint16, n)
	for i, w := range ws {
		out[i] = uint16(math.Round(w / maxW * math.MaxUint16))
	}
	return out, nil
}

func weightsSet(n *nodeCtx, a *weightsArgs) error {
	pair, err := n.hotkeyPair()
	if err != nil {
		return err
	}
	if err := n.confirm(fmt.Sprintf("Set weights of %s on subnet %d: uids %v, weights %v?", pair.Public().SS58(), a.netuid, a.uids, a.weights)); err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.SetWeights{Netuid: a.netuid, Uids: a.uids, Weights: a.weights, VersionKey: a.version})
	if err != nil {
		return err
	}
	if _, err := st.event(chain.EventWeightsSet); err != nil {
		return err
	}
	data := st.data()
	data["netuid"], data["uids"], data["weights"] = a.netuid, a.uids, a.weights
	return n.result(data, fmt.Sprintf("Weights set on subnet %d: %s", a.netuid, st.text()))
}

// salt is --salt, or 8 random u16 when absent and random is allowed.
func (n *nodeCtx) salt(random bool) ([]uint16, error) {
	if s := n.c.String(flagSalt.Name); s != "" || !random {
		return parseU16List(flagSalt.Name, s)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	out := make([]uint16, 8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out, nil
}

func weightsCommit(n *nodeCtx, a *weightsArgs) error {
	salt, err := n.salt(true)
	if err != nil {
		return err
	}
	pair, err := n.hotkeyPair()
	if err != nil {
		return err
	}
	h := subnet.CommitHash(pair.Public(), a.netuid, a.uids, a.weights, salt, a.version)
	if err := n.confirm(fmt.Sprintf("Commit weights of %s on subnet %d (hash %s)?", pair.Public().SS58(), a.netuid, h)); err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.CommitWeights{Netuid: a.netuid, Hash: h})
	if err != nil {
		return err
	}
	if _, err := st.event(chain.EventWeightsCommitted); err != nil {
		return err
	}
	data := st.data()
	data["netuid"], data["commit_hash"], data["salt"] = a.netuid, h.Hex(), salt
	return n.result(data, fmt.Sprintf("Committed weights on subnet %d (hash %s): %s\nReveal with --salt %s", a.netuid, h, st.text(), joinU16(salt)))
}

func weightsReveal(n *nodeCtx, a *weightsArgs) error {
	salt, err := n.salt(false)
	if err != nil {
		return err
	}
	pair, err := n.hotkeyPair()
	if err != nil {
		return err
	}
	if err := n.confirm(fmt.Sprintf("Reveal weights of %s on subnet %d?", pair.Public().SS58(), a.netuid)); err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.RevealWeights{Netuid: a.netuid, Uids: a.uids, Weights: a.weights, Salt: salt, VersionKey: a.version})
	if err != nil {
		return err
	}
	if _, err := st.event(chain.EventWeightsRevealed); err != nil {
		return err
	}
	data := st.data()
	data["netuid"], data["uids"], data["weights"] = a.netuid, a.uids, a.weights
	return n.result(data, fmt.Sprintf("Revealed weights on subnet %d: %s", a.netuid, st.text()))
}

func joinU16(v []uint16) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ",")
}
