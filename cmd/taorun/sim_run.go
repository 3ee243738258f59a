package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/consensus/sim"
)

func init() { simSubcommands = append(simSubcommands, simRunCommand) }

// simRunCommand is `taorun sim run`: a multi-epoch scenario with weight strategies.
func simRunCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run a multi-epoch Yuma Consensus scenario and report incentive and dividends",
		Description: `Reads a scenario file (JSON; see examples/scenarios/README.md): neurons with
stakes, hidden miner qualities and validator weight strategies (honest, copier,
colluding, explicit; "every" k epochs for late validators). Runs the chain's epoch
for every epoch, feeding bonds and validator permits forward, and prints a table
per epoch (stake, activity, permit, consensus, incentive, dividends, emission per
uid) and a summary. --json-output prints everything as one JSON object instead.
--plot FILE.svg (or FILE.png) draws dividends and incentive per uid over the epochs.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "scenario", Usage: "scenario JSON `FILE`", Required: true},
			&cli.StringFlag{Name: "plot", Usage: "write a plot of dividends and incentive to `FILE` (.svg or .png)"},
			&cli.BoolFlag{Name: "json-output", Usage: "print the run as JSON instead of tables"},
			&cli.IntFlag{Name: "every", Value: 1, Usage: "print the table of every `N`th epoch (and the last)"},
			&cli.BoolFlag{Name: "summary-only", Usage: "print only the summary table"},
		},
		Action: func(c *cli.Context) error {
			s, err := sim.LoadScenario(c.String("scenario"))
			if err != nil {
				return cli.Exit(fmt.Sprintf("--scenario: %v", err), exitUsage)
			}
			plot := c.String("plot")
			if ext := strings.ToLower(filepath.Ext(plot)); plot != "" && ext != ".svg" && ext != ".png" {
				return cli.Exit(fmt.Sprintf("--plot %s: name the file *.svg or *.png to choose the format", plot), exitUsage)
			}
			if c.Int("every") < 1 {
				return cli.Exit(fmt.Sprintf("--every: want at least 1, got %d", c.Int("every")), exitUsage)
			}
			res, err := sim.Run(s)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			w := c.App.Writer
			switch {
			case c.Bool("json-output"):
				err = res.WriteJSON(w)
			case c.Bool("summary-only"):
				err = res.WriteSummary(w)
			default:
				if err = res.WriteTables(w, c.Int("every")); err == nil {
					err = res.WriteSummary(w)
				}
			}
			if err != nil {
				return err
			}
			if plot != "" {
				return writePlot(plot, res)
			}
			return nil
		},
	}
}

// writePlot writes res's plot to path, as PNG or SVG by its extension.
func writePlot(path string, res *sim.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return cli.Exit(fmt.Sprintf("--plot: %v", err), exitUsage)
	}
	write := res.WriteSVG
	if strings.EqualFold(filepath.Ext(path), ".png") {
		write = res.WritePNG
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
