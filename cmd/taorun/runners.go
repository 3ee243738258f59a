package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/host/runner"
)

// runnersCommand is `taorun runners`: the operator's local runners as the
// node's config file defines them.
func runnersCommand() *cli.Command {
	return &cli.Command{
		Name:  "runners",
		Usage: "show and test the local runners (exec workers, HTTP services) of the node's config file",
		Description: `Runners are configured in the node's config file (TOML or YAML) as an array
"runner" ([[runner]] in TOML): name, kind ("exec" or "http"), command, devices,
concurrency, timeout, max_input_bytes, max_output_bytes, max_queue, url, mode
("json" or "openai"), model and more (see package host/runner). The environment
variable TAORUN_RUNNER_<NAME>_<FIELD> overrides a field, and --set NAME.FIELD=VALUE
overrides both.`,
		Subcommands: []*cli.Command{runnersListCommand(), runnersTestCommand()},
	}
}

// runnersFlags are the flags shared by the runners subcommands.
func runnersFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "taorun.toml", EnvVars: []string{"TAORUN_CONFIG"},
			Usage: "node config `FILE` (.toml, .yaml or .yml)"},
		&cli.StringSliceFlag{Name: "set", Usage: "override a runner field: `NAME.FIELD=VALUE` (repeatable)"},
		&cli.DurationFlag{Name: "wait", Value: 15 * time.Second, Usage: "how long to wait for runners to become healthy"},
	}
}

// loadRunners reads the config with environment and --set overrides.
func loadRunners(c *cli.Context) (*runner.Config, error) {
	cfg, err := runner.LoadConfig(c.String("config"), os.Environ())
	if err == nil {
		for _, s := range c.StringSlice("set") {
			if err = cfg.Override(s); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = cfg.Finish()
	}
	if err != nil {
		return nil, cli.Exit(err.Error(), exitUsage)
	}
	return cfg, nil
}

// runnersListCommand is `taorun runners list`.
func runnersListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "start every runner, probe its health and show its configuration (exit status 1 if any is unhealthy)",
		Flags: append(runnersFlags(), &cli.BoolFlag{Name: "json-output", Usage: "print JSON instead of a table"}),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("unexpected argument %q", c.Args().First()), exitUsage)
			}
			cfg, err := loadRunners(c)
			if err != nil {
				return err
			}
			s, err := runner.New(cfg, runner.Options{WorkerStderr: io.Discard})
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("wait"))
			defer cancel()
			var wg sync.WaitGroup
			for _, name := range s.Names() {
				wg.Add(1)
				go func() { defer wg.Done(); s.WaitReady(ctx, name) }()
			}
			wg.Wait()
			probe, cancelProbe := context.WithTimeout(c.Context, 5*time.Second)
			defer cancelProbe()
			status := s.Status(probe)
			if c.Bool("json-output") {
				err = printRunnersJSON(c.App.Writer, status)
			} else {
				err = printRunnersTable(c.App.Writer, status)
			}
			if err != nil {
				return err
			}
			for _, st := range status {
				for _, d := range st.Devices {
					if !d.Healthy {
						return cli.Exit(fmt.Sprintf("runner %q device %q is %s: %s", st.Config.Name, d.Device, d.State, d.Detail), 1)
					}
				}
			}
			return nil
		},
	}
}

// runnerView is a runner's JSON form in listings.
type runnerView struct {
	Name           string                `json:"name"`
	Kind           string                `json:"kind"`
	Command        []string              `json:"command,omitempty"`
	URL            string                `json:"url,omitempty"`
	Mode           string                `json:"mode,omitempty"`
	Model          string                `json:"model,omitempty"`
	Devices        []string              `json:"devices,omitempty"`
	Concurrency    int                   `json:"concurrency"`
	Timeout        string                `json:"timeout"`
	MaxInputBytes  int                   `json:"max_input_bytes"`
	MaxOutputBytes int                   `json:"max_output_bytes"`
	MaxQueue       int                   `json:"max_queue"`
	Queued         int                   `json:"queued"`
	Healthy        bool                  `json:"healthy"`
	Health         []runner.DeviceHealth `json:"health"`
}

func printRunnersJSON(w io.Writer, status []runner.RunnerStatus) error {
	views := make([]runnerView, len(status))
	for i, st := range status {
		rc := st.Config
		healthy := true
		for _, d := range st.Devices {
			healthy = healthy && d.Healthy
		}
		views[i] = runnerView{Name: rc.Name, Kind: rc.Kind, Command: rc.Command, URL: rc.URL, Mode: rc.Mode, Model: rc.Model,
			Devices: rc.Devices, Concurrency: rc.Concurrency, Timeout: rc.Timeout.String(), MaxInputBytes: rc.MaxInputBytes,
			MaxOutputBytes: rc.MaxOutputBytes, MaxQueue: rc.MaxQueue, Queued: st.Queued, Healthy: healthy, Health: st.Devices}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(views)
}

// runnerTarget is what a runner runs: its command or URL.
var runnerTarget = map[string]func(rc runner.RunnerConfig) string{
	runner.KindExec: func(rc runner.RunnerConfig) string { return strings.Join(rc.Command, " ") },
	runner.KindHTTP: func(rc runner.RunnerConfig) string {
		return strings.TrimSpace(fmt.Sprintf("%s (%s) %s", rc.URL, rc.Mode, rc.Model))
	},
}

func printRunnersTable(w io.Writer, status []runner.RunnerStatus) error {
	if len(status) == 0 {
		_, err := fmt.Fprintln(w, "no runners are configured")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tCONCURRENCY\tTIMEOUT\tQUEUE\tIN/OUT CAP\tTARGET")
	for _, st := range status {
		rc := st.Config
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%d/%d\t%d/%d\t%s\n", rc.Name, rc.Kind, rc.Concurrency, rc.Timeout, st.Queued, rc.MaxQueue,
			rc.MaxInputBytes, rc.MaxOutputBytes, runnerTarget[rc.Kind](rc))
	}
	fmt.Fprintln(tw, "\nRUNNER\tDEVICE\tHEALTH\tRESTARTS\tMAX BATCH\tDETAIL")
	for _, st := range status {
		for _, d := range st.Devices {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", st.Config.Name, deviceLabel(d.Device), d.State, d.Restarts, d.MaxBatch, d.Detail)
		}
	}
	return tw.Flush()
}

// deviceLabel shows an unnamed device as "-".
func deviceLabel(d string) string {
	if d == "" {
		return "-"
	}
	return d
}

// runnersTestCommand is `taorun runners test NAME`.
func runnersTestCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "start one runner and send it a job: a round trip with its output and latency",
		ArgsUsage: "NAME",
		Flags: append(runnersFlags(),
			&cli.StringFlag{Name: "input", Usage: "read the job's input from `FILE` (- for stdin)"},
			&cli.StringFlag{Name: "input-hex", Usage: "the job's input as `HEX`"},
			&cli.StringFlag{Name: "output", Usage: "write the raw output to `FILE` instead of printing it"},
		),
		Action: runnersTest,
	}
}

// maxShownOutput is how much output `runners test` prints.
const maxShownOutput = 4096

func runnersTest(c *cli.Context) error {
	if c.NArg() < 1 {
		return cli.Exit("want a runner NAME", exitUsage)
	}
	if err := trailingFlags(c); err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	name := c.Args().First()
	input, err := testInput(c)
	if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	cfg, err := loadRunners(c)
	if err != nil {
		return err
	}
	if _, ok := cfg.Runner(name); !ok {
		return cli.Exit(fmt.Sprintf("no runner named %q in %s", name, c.String("config")), exitUsage)
	}
	s, err := runner.New(cfg, runner.Options{Only: []string{name}, WorkerStderr: c.App.ErrWriter})
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("wait"))
	health, err := s.WaitReady(ctx, name)
	cancel()
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	for _, d := range health {
		fmt.Fprintf(c.App.Writer, "device %s: %s (%s), max batch %d\n", deviceLabel(d.Device), d.State, d.Detail, d.MaxBatch)
	}
	t0 := time.Now()
	j, err := s.Submit(c.Context, name, input)
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	out, err := j.Wait()
	took := time.Since(t0)
	if err != nil {
		return cli.Exit(fmt.Sprintf("%v (after %v)", err, took.Round(time.Microsecond)), 1)
	}
	fmt.Fprintf(c.App.Writer, "ok: runner %q device %s answered %d input bytes with %d output bytes in %v\n",
		name, deviceLabel(j.Device()), len(input), len(out), took.Round(time.Microsecond))
	if path := c.String("output"); path != "" {
		return os.WriteFile(path, out, 0o644)
	}
	return printOutput(c.App.Writer, out)
}

// trailingFlags applies the flags that follow the NAME argument (`runners
// test NAME --input-hex ...`), which urfave/cli leaves unparsed.
func trailingFlags(c *cli.Context) error {
	rest := c.Args().Tail()
	for i := 0; i < len(rest); i++ {
		tok := rest[i]
		if !strings.HasPrefix(tok, "-") || tok == "-" {
			return fmt.Errorf("unexpected argument %q (one runner NAME at a time)", tok)
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		f := findFlag(c.Command.Flags, name)
		if f == nil {
			return fmt.Errorf("flag provided but not defined: -%s", name)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasVal {
			val, hasVal = "true", true
		}
		if !hasVal {
			if i+1 >= len(rest) {
				return fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			val = rest[i]
		}
		if err := c.Set(name, val); err != nil {
			return fmt.Errorf("invalid value %q for flag -%s: %v", val, name, err)
		}
	}
	return nil
}

// findFlag returns the flag with the given name or alias.
func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// testInput reads the job input from --input or --input-hex (default empty).
func testInput(c *cli.Context) ([]byte, error) {
	file, hx := c.String("input"), c.String("input-hex")
	switch {
	case file != "" && c.IsSet("input-hex"):
		return nil, errors.New("--input and --input-hex are exclusive")
	case file == "-":
		return io.ReadAll(c.App.Reader)
	case file != "":
		return os.ReadFile(file)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(hx), "0x"))
	if err != nil {
		return nil, fmt.Errorf("--input-hex: %v", err)
	}
	return b, nil
}

// printOutput prints output as text when it is printable UTF-8, else as
// hex, cut at maxShownOutput bytes.
func printOutput(w io.Writer, out []byte) error {
	shown, more := out, ""
	if len(shown) > maxShownOutput {
		shown, more = shown[:maxShownOutput], fmt.Sprintf("\n… %d more bytes (use --output FILE)", len(out)-maxShownOutput)
	}
	if utf8.Valid(shown) && !strings.ContainsFunc(string(shown), func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' }) {
		_, err := fmt.Fprintf(w, "output (text):\n%s%s\n", shown, more)
		return err
	}
	_, err := fmt.Fprintf(w, "output (hex):\n%s%s\n", hex.EncodeToString(shown), more)
	return err
}
