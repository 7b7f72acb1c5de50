package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/scenarios"
)

func (a *app) planCmd() *cobra.Command {
	var strategy string
	c := &cobra.Command{
		Use:   "plan FILE",
		Short: "Lay out what each strategy of a scenario will do, step by step, without simulating",
		Long: `plan prints, for each strategy of the scenario, what the deployment will do on the
scenario's world before anything runs — batches, waits, signals, switches, the
rollback path and the triggers — as a reviewer reads a CloudFormation change set.
It is derived from the strategies' resolved configuration and the same planning
arithmetic the controllers run on.`,
		Example: `  deploysim plan my.yaml
  deploysim plan builtin:patch-fleet-in-maintenance-window
  deploysim import cloudformation template.yaml --plan`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := a.load(args[0])
			if err != nil {
				return err
			}
			if strategy != "" {
				if sc, err = sc.WithStrategies([]string{strategy}); err != nil {
					return err
				}
			}
			return a.printPlan(sc)
		},
	}
	c.Flags().StringVar(&strategy, "strategy", "", "plan only this strategy (a label of the scenario or a catalogue name)")
	a.outputFlag(c)
	return c
}

// printPlan writes a scenario's plan to the output.
func (a *app) printPlan(sc *scenarios.Scenario) error {
	plans, err := sc.Plan()
	if err != nil {
		return err
	}
	a.warn(sc)
	return a.emit(func(w io.Writer) error { return scenarios.WritePlan(w, sc, plans) })
}
