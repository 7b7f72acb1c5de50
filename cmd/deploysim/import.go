package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/scenarios/importer"
)

// warn prints what a scenario's loader accepted but could not simulate
// exactly.
func (a *app) warn(sc *scenarios.Scenario) {
	for _, w := range sc.Warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
}

func (a *app) importCmd() *cobra.Command {
	var kinds []string
	for _, k := range importer.Kinds() {
		kinds = append(kinds, string(k))
	}
	var params []string
	var planOnly bool
	c := &cobra.Command{
		Use:   "import KIND FILE [FILE...]",
		Short: "Print the deploysim strategy block equivalent to a deployment config you already run",
		Long: `import reads a deployment configuration and prints the equivalent deploysim
strategy block (YAML) to paste under strategies:, with every field it could
not map as a warning comment at the top. KIND is one of: ` + strings.Join(kinds, ", ") + `.
A second FILE supplies what the first refers to (an Argo AnalysisTemplate, a
CodeDeploy deployment group). A scenario can also import directly:
  strategies: [{from_file: {kind: argo-rollout, path: rollout.yaml}}]
A CloudFormation template describes the whole service: import cloudformation
prints a whole scenario (world, alarms and a strategy per deployment mechanism),
with the template's parameters from their defaults or --param; --plan prints
what each deployment will do instead, as a change set reads.
See docs/importers.md for every mapping.`,
		Example: `  deploysim import argo-rollout rollout.yaml analysis-template.yaml
  deploysim import eb .ebextensions/deploy.config
  deploysim import codedeploy CodeDeployDefault.HalfAtATime
  deploysim import cloudformation web.yaml --param Environment=staging --plan`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usage("import: want KIND and a FILE (kinds: %s)", strings.Join(kinds, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := importer.Kind(args[0])
			known := false
			for _, k := range importer.Kinds() {
				known = known || k == kind
			}
			if !known {
				return usage("import: kind %q (allowed: %s)", args[0], strings.Join(kinds, ", "))
			}
			var srcs []importer.Source
			for _, f := range args[1:] {
				b, err := scenarios.ReadFile(f)
				if err != nil {
					if errors.Is(err, os.ErrNotExist) && kind == importer.CodeDeploy && strings.HasPrefix(f, "CodeDeployDefault.") {
						srcs = append(srcs, importer.Source{File: f}) // a predefined name, no file
						continue
					}
					return err
				}
				srcs = append(srcs, importer.Source{File: f, Src: b})
			}
			if len(srcs) == 0 {
				return usage("import %s: want a FILE", kind)
			}
			opts := importer.Options{}
			for _, p := range params {
				k, v, ok := strings.Cut(p, "=")
				if !ok || k == "" {
					return usage("--param %q: want NAME=VALUE", p)
				}
				if opts.Params == nil {
					opts.Params = map[string]string{}
				}
				opts.Params[k] = v
			}
			r, err := importer.ImportWith(kind, opts, srcs...)
			if err != nil {
				if errors.Is(err, importer.ErrInvalid) {
					fmt.Fprintln(a.stderr, err)
					return errSilentInvalid
				}
				return err
			}
			y, err := r.YAML()
			if err != nil {
				return err
			}
			for _, w := range r.Warnings {
				fmt.Fprintf(a.stderr, "warning: %s\n", w.String())
			}
			if planOnly {
				sc, err := scenarios.ParseImported(srcs[0].File, r)
				if err != nil {
					return err
				}
				return a.printPlan(sc)
			}
			return a.emit(func(w io.Writer) error { _, err := w.Write(y); return err })
		},
	}
	a.outputFlag(c)
	c.Flags().StringArrayVar(&params, "param", nil, "a CloudFormation template parameter: `NAME=VALUE` (repeatable; others take their Default)")
	c.Flags().BoolVar(&planOnly, "plan", false, "print what the imported deployment(s) will do, step by step, instead of the YAML")
	return c
}
