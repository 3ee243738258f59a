package main

import (
	"github.com/urfave/cli/v2"
)

// sudoCommand is `taorun sudo` (btcli's `sudo` group): hyperparameters, set
// by a subnet's owner or by the chain's sudo key, and delegate takes.
func sudoCommand() *cli.Command {
	return withSnakeAliases(&cli.Command{
		Name:    "sudo",
		Aliases: []string{"su"},
		Usage:   "set and get subnet hyperparameters (owner, or the chain's sudo key) and a hotkey's delegate take",
		Subcommands: []*cli.Command{
			setHyperparameterCommand("set", "set a subnet hyperparameter: sudo_set with the sudo key, else the owner's set_hyperparameter"),
			{Name: "get", Usage: "show a subnet's hyperparameters", Flags: walletFlags(networkFlags(flagNetuid)...), Action: nodeAction(subnetsHyperparameters)},
			sudoSetTakeCommand(), sudoGetTakeCommand(), // sudo_take.go
		},
	})
}
