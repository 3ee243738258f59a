// Command taorun is the taorun node and its tools: wallets, a local network,
// subnets, staking, weights, WebAssembly subnet modules and the Yuma simulator.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// exitUsage is the exit status for malformed input (a bad flag, file or field).
const exitUsage = 2

func main() {
	app := &cli.App{
		Name:                 "taorun",
		Usage:                "a Bittensor-style network node whose subnets are WebAssembly modules",
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			// Each command group lives in its own file of this package.
			simCommand(),
			moduleCommand(),
			walletCommand(),
			nodeCommand(), localnetCommand(),
			runnersCommand(),
			subnetsCommand(), stakeCommand(), weightsCommand(), sudoCommand(),
			minerCommand(), validatorCommand(),
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "taorun:", err)
		if ec, ok := err.(cli.ExitCoder); ok {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}
