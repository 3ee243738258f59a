package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/neuron/validator"
)

// validatorCommand is `taorun validator`: challenge miners with the subnet
// module, score their answers and set weights.
func validatorCommand() *cli.Command {
	return &cli.Command{
		Name:  "validator",
		Usage: "run a validator: challenge and score miners with the subnet module, and set weights",
		Description: `Every new block the validator calls the module's challenge, queries a sample
of the serving miners, scores their answers with the module's score entry point
and keeps a moving average per miner (saved in --datadir). Every
--weights-interval blocks (never within the subnet's weights rate limit) it
turns the averages into weights and sets them (or commits and later reveals
them on commit-reveal subnets), signed by the hotkey.`,
		Flags: walletFlags(networkFlags(flagNetuid, flagNeuronDataDir, flagRunnersFile, flagRegister, flagFundHotkey, flagInitConfig, flagTxWait, flagLog,
			&cli.IntFlag{Name: "sample", Aliases: []string{"neuron.sample_size"}, Value: validator.DefaultSampleSize, Usage: "miners queried per step"},
			&cli.StringFlag{Name: "vpermit-tao-limit", Aliases: []string{"neuron.vpermit_tao_limit"}, Value: "4096",
				Usage: "never query UIDs holding a validator permit and more than `TAO` of stake (they are validators, not miners)"},
			&cli.Uint64Flag{Name: "weights-interval", Aliases: []string{"neuron.epoch_length"}, Value: validator.DefaultWeightsInterval,
				Usage: "blocks between weight sets"},
			&cli.Uint64Flag{Name: "version-key", Usage: "weights version `KEY` (the subnet's weights_version is used when larger)"},
			&cli.DurationFlag{Name: "timeout", Aliases: []string{"neuron.timeout"}, Value: validator.DefaultMaxTimeout,
				Usage: "cap on the query timeout the module's challenge asks for"},
			&cli.DurationFlag{Name: "step-interval", Usage: "how often to poll for a new block (default: half the chain's block time)"},
			&cli.BoolFlag{Name: "disable-set-weights", Aliases: []string{"neuron.disable_set_weights"}, Usage: "score but never set weights"},
		)...),
		Action: validatorAction,
	}
}

func validatorAction(c *cli.Context) error {
	if k := c.Int("sample"); k <= 0 {
		return cli.Exit(fmt.Sprintf("--sample %d: want at least 1", k), exitUsage)
	}
	if c.Uint64("weights-interval") == 0 {
		return cli.Exit("--weights-interval: want at least 1 block", exitUsage)
	}
	vpermitLimit, err := parseTAO(c.String("vpermit-tao-limit"))
	if err != nil {
		return cli.Exit("--vpermit-tao-limit: "+err.Error(), exitUsage)
	}
	if vpermitLimit == 0 {
		vpermitLimit = 1 // the Config's 0 means the default; 1 rao excludes every staked validator, as 0 TAO does
	}
	nc, err := openNeuron(c, "validator")
	if err != nil {
		return err
	}
	defer nc.close()
	ctx, stop := signalContext(c)
	defer stop()

	interval := c.Duration("step-interval")
	if interval <= 0 {
		interval = nc.blockTime / 2
	}
	v, err := validator.New(validator.Config{
		Hotkey: nc.hotkey, Netuid: nc.netuid, DataDir: nc.dataDir, Chain: nc.chain, Module: nc.moduleConfig(),
		SampleSize: c.Int("sample"), VpermitTaoLimit: vpermitLimit, WeightsInterval: c.Uint64("weights-interval"),
		VersionKey: c.Uint64("version-key"), MaxTimeout: c.Duration("timeout"), StepInterval: interval,
		DisableSetWeights: c.Bool("disable-set-weights"), Logger: nc.log,
		CommitHash: func(hotkey [32]byte, netuid uint16, uids, values, salt []uint16, versionKey uint64) [32]byte {
			return subnet.CommitHash(hotkey, netuid, uids, values, salt, versionKey)
		},
	})
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	defer v.Close(context.Background())
	nc.log.Info("validator ready", "netuid", nc.netuid, "sample", c.Int("sample"), "vpermit_tao_limit", formatTAO(vpermitLimit),
		"weights_interval", c.Uint64("weights-interval"),
		"poll", interval)
	return runValidator(ctx, nc, v, interval)
}

// runValidator steps once per new block until ctx ends, logging what each
// step did (block, miners queried, failures, scores, weights). Step errors
// (node faults) are logged and retried at the next block.
func runValidator(ctx context.Context, nc *neuronCtx, v *validator.Validator, poll time.Duration) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	var last uint64
	for {
		head, err := nc.chain.Head(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				nc.log.Warn("reading the chain head", "err", err)
			}
		case head.Height > last:
			last = head.Height
			rep, err := v.Step(ctx)
			if err != nil {
				if ctx.Err() == nil {
					nc.log.Error("step failed", "block", head.Height, "err", err)
				}
				break
			}
			logStep(nc, rep)
		}
		select {
		case <-ctx.Done():
			nc.log.Info("validator stopping")
			return nil
		case <-t.C:
		}
	}
}

// logStep writes one line per step and one for weights.
func logStep(nc *neuronCtx, rep validator.StepReport) {
	if rep.Skipped != "" {
		return // the validator logged the reason
	}
	uids := make([]uint16, 0, len(rep.Scores))
	for uid := range rep.Scores {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	scores := make([]string, len(uids))
	for i, uid := range uids {
		scores[i] = fmt.Sprintf("%d:%d", uid, rep.Scores[uid])
	}
	nc.log.Info("scored", "block", rep.Block, "queried", rep.Queried, "failed", len(rep.Failed), "scores", scores)
	for uid, why := range rep.Failed {
		nc.log.Debug("miner query failed", "block", rep.Block, "uid", uid, "err", why)
	}
	switch {
	case rep.WeightsAction != "":
		nc.log.Info("weights "+rep.WeightsAction, "block", rep.Block, "uids", rep.Weights.UIDs, "values", rep.Weights.Values)
	case rep.WeightsNote != "":
		nc.log.Debug("no weights this step", "block", rep.Block, "why", rep.WeightsNote)
	}
}
