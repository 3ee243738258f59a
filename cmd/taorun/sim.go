package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/consensus"
)

// simSubcommands builds the subcommands of `taorun sim`; other files of this package
// append their own constructors from an init function.
var simSubcommands = []func() *cli.Command{simEpochCommand}

// simCommand is `taorun sim`: offline simulation of Yuma Consensus.
func simCommand() *cli.Command {
	cmd := &cli.Command{
		Name:  "sim",
		Usage: "simulate Yuma Consensus offline, bit-exact with the chain",
	}
	for _, sub := range simSubcommands {
		cmd.Subcommands = append(cmd.Subcommands, sub())
	}
	return cmd
}

// simEpochCommand is `taorun sim epoch`: one epoch from a JSON state to JSON outputs.
func simEpochCommand() *cli.Command {
	return &cli.Command{
		Name:  "epoch",
		Usage: "run one Yuma Consensus epoch on a JSON subnet state and print the results",
		Description: `Reads one JSON object (--in FILE, or stdin when absent or "-"):
  {"block", "tempo", "rao_emission", "activity_cutoff", "last_mechanism_step_block",
   "owner_uid" (null: no owner), "tao_weight",
   "hyperparameters": {"kappa", "bonds_penalty", "bonds_moving_average", "yuma3_enabled",
     "liquid_alpha_enabled", "alpha_low", "alpha_high", "alpha_sigmoid_steepness",
     "max_allowed_validators", "stake_threshold", "commit_reveal_enabled"},
   "neurons": [{"stake", "tao_stake", "last_update", "block_at_registration", "validator_permit"}],
   "weights": [[[uid, u16], ...] per uid], "bonds": [same], "commit_blocks": [u64 per uid]}
Absent keys take subtensor's defaults. Prints one JSON object of arrays indexed by uid:
  stake_weight, consensus, incentive, dividends, validator_trust (u16 proportions),
  emission, server_emission, validator_emission (alpha-rao), active,
  validator_permit (the new permits) and bonds (rows as stored after the epoch).
Malformed input exits with status 2 and a message naming the field.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Usage: "input JSON `FILE` (\"-\" or absent: stdin)"},
			&cli.BoolFlag{Name: "dense", Usage: "run the dense twin of the epoch instead of the sparse one"},
		},
		Action: func(c *cli.Context) error {
			var r io.Reader = os.Stdin
			if name := c.String("in"); name != "" && name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return cli.Exit(fmt.Sprintf("--in: %v", err), exitUsage)
				}
				defer f.Close()
				r = f
			}
			in, err := consensus.ParseEpochInput(bufio.NewReader(r))
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			run := consensus.Epoch
			if c.Bool("dense") {
				run = consensus.EpochDense
			}
			out, err := run(in)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			b, err := json.Marshal(out)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.App.Writer, "%s\n", b)
			return err
		},
	}
}
