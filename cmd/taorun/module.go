package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/sdk-wasm/build"
)

// moduleSubcommands builds the subcommands of `taorun module`, in the order
// help shows them; the module author's tools (check, run) and the chain
// commands (upload, activate, list, show) are appended here.
var moduleSubcommands = []func() *cli.Command{moduleNewCommand, moduleBuildCommand}

// moduleCommand is `taorun module`: writing, building, checking and
// uploading WebAssembly subnet modules.
func moduleCommand() *cli.Command {
	cmd := &cli.Command{
		Name:  "module",
		Usage: "write, build, check, run and upload WebAssembly subnet modules",
	}
	for _, sub := range moduleSubcommands {
		cmd.Subcommands = append(cmd.Subcommands, sub())
	}
	return cmd
}

// moduleNewCommand is `taorun module new NAME`.
func moduleNewCommand() *cli.Command {
	return &cli.Command{
		Name:      "new",
		Usage:     "create a subnet module project",
		ArgsUsage: "NAME",
		Description: `Creates a module project called NAME in the directory --dir (default ./NAME),
which must not exist or be empty: a Go module using the Go SDK (main.go, main_test.go,
go.mod, README.md), or with --lang assemblyscript an AssemblyScript project using the
AssemblyScript SDK (assembly/index.ts, package.json, README.md). Both implement a small
working subnet (challenge, solve, score, validate_weights, on_epoch) to start from.

The SDKs are not published yet, so the project reads them from a taorun checkout
through a symbolic link, DIR/taorun-sdk. The checkout is --sdk PATH (or $TAORUN_SDK),
or else the closest one at or above the current directory, or else the one this
taorun binary was built from. NAME: lowercase letters, digits, '-' and '_', starting
with a letter. Errors exit with status 2.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "create the project in `DIR` (default: ./NAME)"},
			&cli.StringFlag{Name: "lang", Value: string(build.Go), Usage: "the module's language: go or assemblyscript"},
			&cli.StringFlag{Name: "sdk", EnvVars: []string{"TAORUN_SDK"}, Usage: "the taorun checkout whose SDK the project uses (`PATH`)"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if len(args) != 1 {
				return cli.Exit(fmt.Sprintf("want exactly one argument, the module NAME; got %d", len(args)), exitUsage)
			}
			name := args[0]
			lang, err := build.ParseLanguage(c.String("lang"))
			if err != nil {
				return cli.Exit("--lang: "+err.Error(), exitUsage)
			}
			sdk := c.String("sdk")
			if sdk == "" {
				cwd, err := os.Getwd()
				if err != nil {
					return err
				}
				if sdk, err = build.FindSDK(cwd); err != nil {
					return cli.Exit(err.Error()+" with --sdk or $TAORUN_SDK", exitUsage)
				}
			} else if sdk, err = build.CheckSDK(sdk); err != nil {
				return cli.Exit("--sdk: "+err.Error(), exitUsage)
			}
			dir := c.String("dir")
			if dir == "" {
				dir = name
			}
			if err := build.Scaffold(dir, name, lang, sdk); err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			next := "taorun module build"
			if lang == build.Go {
				next = "go test ./... && " + next
			}
			_, err = fmt.Fprintf(c.App.Writer, "created %s module %s in %s\nSDK: %s (linked as %s)\nnext: cd %s && %s\n",
				lang, name, dir, sdk, filepath.Join(dir, build.SDKLink), dir, next)
			return err
		},
	}
}

// moduleBuildCommand is `taorun module build [DIR]`.
func moduleBuildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build a module project reproducibly and print its module ID",
		ArgsUsage: "[DIR]",
		Description: `Builds the module project in DIR (default: the current directory), a Go or an
AssemblyScript project as ` + "`taorun module new`" + ` creates, into DIR/NAME.wasm (NAME: DIR's
base name) or -o FILE, and prints the file's path, its size, its module ID (the
SHA-256 of its bytes: the ID the chain gives the module on upload), the compiler
and the entry points it exports. With --json-output it prints one JSON object
{"path", "size", "sha256", "language", "toolchain", "entry_points"} instead.

The build is reproducible: the same sources, SDK and compiler version give the same
bytes in any directory and environment. Go projects build with
  GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GO111MODULE=on GOFLAGS= GOWORK=off GOWASM= GOEXPERIMENT=
  go build -buildmode=c-shared -trimpath -buildvcs=false -ldflags="-s -w -buildid="
and AssemblyScript projects with the SDK's pinned asc and --runtime stub, abort
routed to the SDK, --disable simd, -O3. A directory that is not a module project
exits with status 2; a compiler error with status 1 and the compiler's output, as does
a setting made with ` + "`go env -w`" + ` that would change the bytes (the message says how to unset it).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the module to `FILE` (default: DIR/NAME.wasm)"},
			&cli.BoolFlag{Name: "json-output", Usage: "print one JSON object instead of text"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if len(args) > 1 {
				return cli.Exit(fmt.Sprintf("want at most one argument, the project DIR; got %d", len(args)), exitUsage)
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			a, err := build.Build(c.Context, dir, build.Options{Output: c.String("output")})
			if errors.Is(err, build.ErrNoProject) {
				return cli.Exit(err.Error(), exitUsage)
			}
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			if c.Bool("json-output") {
				return printJSON(c.App.Writer, a)
			}
			_, err = fmt.Fprintf(c.App.Writer, "module:       %s\nsize:         %d bytes\nmodule ID:    %s\ntoolchain:    %s\nentry points: %s\n",
				a.Path, a.Size, a.SHA256, a.Toolchain, strings.Join(a.EntryPoints, ", "))
			return err
		},
	}
}

// printJSON prints v as one line of JSON, without HTML escaping (so a
// signature reads "(i32) -> i32").
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// positionalArgs returns c's positional arguments after applying the flags
// among them: urfave/cli stops parsing flags at the first positional
// argument, but `taorun module new NAME --dir D` is the natural order.
// Everything after "--" is positional.
func positionalArgs(c *cli.Context) ([]string, error) {
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := lookupFlag(c.Command.Flags, name)
		if f == nil {
			return nil, fmt.Errorf("flag provided but not defined: %s", a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value = "true"
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(f.Names()[0], value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag %s: %v", value, a, err)
		}
	}
	return pos, nil
}

// lookupFlag returns the flag among flags with the name or alias name.
func lookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}
