// Command deploysim runs deployment strategies against a simulated world
// and measures what they cost the users.
//
// Exit codes: 0 ok, 1 runtime error (or interrupted), 2 invalid input,
// 3 internal error (a bug: a panic or a broken invariant), 99 thresholds
// (expect:) failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/scenarios"
)

const (
	exitOK         = 0
	exitError      = 1
	exitInvalid    = 2
	exitInternal   = 3
	exitThresholds = 99
)

// errThresholds marks a run whose expect: thresholds failed.
var errThresholds = errors.New("thresholds failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the run stops and writes what finished;
		// a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr)
}

// runWith is run with extra commands (tests add ones that fail on
// purpose). A panic anywhere on this goroutine is a bug: it is reported
// as an internal error with what to report, exit code 3, never Go's exit
// code 2 (which means invalid input here). Panics in the runs themselves
// are recovered by the runner and arrive as *scenarios.InternalError.
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, extra ...*cobra.Command) (code int) {
	defer func() {
		if p := recover(); p != nil {
			internalError(stderr, args, fmt.Sprintf("panic: %v", p), debug.Stack())
			code = exitInternal
		}
	}()
	app := &app{stdout: stdout, stderr: stderr}
	root := app.rootCmd()
	root.AddCommand(extra...)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var le *scenarios.LoadError
	var ie *scenarios.InternalError
	switch {
	case errors.As(err, &ie):
		internalError(stderr, args, ie.Error(), ie.Stack)
		return exitInternal
	case errors.Is(err, errThresholds), errors.Is(err, errSilentInvalid):
		// already shown
	case errors.As(err, &le):
		fmt.Fprintln(stderr, err) // one problem per line, each with file:line:col
	default:
		fmt.Fprintf(stderr, "deploysim: %v\n", err)
	}
	switch {
	case errors.Is(err, errThresholds):
		return exitThresholds
	case errors.Is(err, scenarios.ErrInvalid):
		return exitInvalid
	}
	return exitError
}

// internalError reports a bug with what its report needs: the version,
// the command line, the scenario, strategy and seed (in what), the panic
// and where it happened.
func internalError(w io.Writer, args []string, what string, stack []byte) {
	fmt.Fprintf(w, "deploysim: internal error: %s\n", what)
	fmt.Fprintf(w, "This is a bug in deploysim, not a problem with your input. Please report it with this\n"+
		"message, the scenario file and:\n  version: %s\n  command: deploysim %s\n", version(), strings.Join(args, " "))
	if len(stack) > 0 {
		fmt.Fprintf(w, "\n%s", stack)
	}
}

// version is the module version and VCS revision the binary was built
// from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev != "" {
		v += " " + rev + modified
	}
	return v + " " + bi.GoVersion
}

// usage marks command-line mistakes as invalid input (exit 2).
func usage(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, scenarios.ErrInvalid)...)
}

type app struct {
	stdout, stderr io.Writer
	// flags
	replications int
	seed         uint64
	workers      int
	format       string
	progress     string
	color        string
	report       string
	junit        string
	openmetrics  string
	omTimeline   bool
	output       string
	timeline     bool // run and compare only
	importDirs   []string
	memBudget    string
	budget       int64
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "deploysim",
		Short: "Simulate deployment strategies against a simulated AWS-like world",
		Long: `deploysim runs real deployment strategy controllers (all-at-once, rolling,
immutable, blue/green, canary, ...) against a deterministic simulated world,
injects faults, and measures downtime, rollback time, blast radius and more
over seeded Monte Carlo replications.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usage("%v", err) })
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error { return a.checkFlags(c) }

	root.AddCommand(a.runCmd(), a.compareCmd(), a.sweepCmd(), a.validateCmd(),
		a.listCmd(), a.explainCmd(), a.schemaCmd(), a.serveCmd(), a.importCmd(), a.planCmd())
	return root
}

// Flags are declared only on the commands they apply to, so that the
// flag parser refuses one a command would ignore (exit 2): `list
// strategies --report x.html` is an error, not a silent no-op.

// runFlags are the experiment's: run, compare, sweep.
func (a *app) runFlags(c *cobra.Command) {
	f := c.Flags()
	f.IntVar(&a.replications, "replications", 0, "replications per strategy (default: the scenario's)")
	a.seedFlag(c)
	f.IntVar(&a.workers, "workers", 0, "parallel workers (default: all cores); results do not depend on it")
	f.StringVar(&a.progress, "progress", "auto", "progress on stderr: auto (on a terminal), always or never")
	f.StringVar(&a.format, "format", "table", "output format: table, markdown or json")
	f.StringVar(&a.color, "color", "auto", "color: auto (terminal, unless NO_COLOR is set), always or never")
	a.outputFlag(c)
	f.StringVar(&a.report, "report", "", "write a self-contained HTML report to `FILE.html`")
	f.StringVar(&a.junit, "junit", "", "write the thresholds as JUnit XML to `FILE` (for CI systems)")
	f.StringVar(&a.openmetrics, "openmetrics", "", "write the summary as OpenMetrics text to `FILE`")
	f.BoolVar(&a.omTimeline, "openmetrics-timeline", false, "with --openmetrics: add each strategy's timeline with timestamps (for promtool tsdb create-blocks-from openmetrics)")
	a.importDirFlag(c)
	a.memoryBudgetFlag(c)
}

// importDirFlag is for every command that loads scenario files: run,
// compare, sweep, validate, serve.
func (a *app) importDirFlag(c *cobra.Command) {
	c.Flags().StringArrayVar(&a.importDirs, "import-dir", nil, "let a scenario's from_file read under `DIR` too (default: only under the scenario's own folder; repeatable)")
}

// memoryBudgetFlag is for the commands that run experiments (run,
// compare, sweep) and validate, which prints the estimate and refuses
// what they would refuse.
func (a *app) memoryBudgetFlag(c *cobra.Command) {
	c.Flags().StringVar(&a.memBudget, "memory-budget", "4GiB", "refuse an experiment estimated to need more memory than this (e.g. 512MiB, 8GiB)")
}

func (a *app) seedFlag(c *cobra.Command) {
	c.Flags().Uint64Var(&a.seed, "seed", 0, "root seed (default: the scenario's)")
}

func (a *app) outputFlag(c *cobra.Command) {
	c.Flags().StringVarP(&a.output, "output", "o", "", "write the output to `FILE` (atomically) instead of stdout")
}

func (a *app) checkFlags(c *cobra.Command) error {
	oneOf := func(flag, v string, allowed ...string) error {
		for _, x := range allowed {
			if v == x {
				return nil
			}
		}
		return usage("--%s %q (allowed: %s)", flag, v, strings.Join(allowed, ", "))
	}
	if err := oneOf("format", a.format, "table", "markdown", "json"); err != nil {
		return err
	}
	if err := oneOf("progress", a.progress, "auto", "always", "never"); err != nil {
		return err
	}
	if err := oneOf("color", a.color, "auto", "always", "never"); err != nil {
		return err
	}
	if a.replications < 0 || a.workers < 0 {
		return usage("--replications and --workers must not be negative")
	}
	if a.replications > scenarios.MaxReplications {
		return usage("--replications %d: the limit is %d", a.replications, scenarios.MaxReplications)
	}
	b, err := parseBytes(a.memBudget)
	if err != nil {
		return usage("--memory-budget %q: %v (e.g. 512MiB, 4GiB)", a.memBudget, err)
	}
	a.budget = b
	if a.report != "" && filepath.Ext(a.report) != ".html" {
		return usage("--report %q: the file name must end in .html", a.report)
	}
	if a.omTimeline && a.openmetrics == "" {
		return usage("--openmetrics-timeline needs --openmetrics FILE")
	}
	return a.checkOutputs()
}

func (a *app) options(cmd *cobra.Command, label string) scenarios.Options {
	o := scenarios.Options{Replications: a.replications, Workers: a.workers, Timeline: a.timeline, MemoryBudget: a.budget}
	if cmd.Flags().Changed("seed") {
		s := a.seed
		o.Seed = &s
	}
	if a.showProgress() {
		o.Progress = newProgress(a.stderr, label).update
	}
	return o
}

// load opens a scenario file, or a built-in scenario by name
// ("healthy-release" or "builtin:healthy-release") when no such file
// exists.
func (a *app) load(arg string) (*scenarios.Scenario, error) {
	if !strings.HasPrefix(arg, "builtin:") {
		sc, err := scenarios.LoadFile(arg, scenarios.LoadOptions{ImportDirs: a.importDirs})
		if err == nil || !errors.Is(err, os.ErrNotExist) || strings.ContainsAny(arg, `/\`) || filepath.Ext(arg) != "" {
			return sc, err
		}
	}
	sc, err := scenarios.Builtin(arg)
	if err != nil {
		return nil, fmt.Errorf("%s: no such file or built-in scenario (built-in: %s): %w",
			arg, strings.Join(scenarios.BuiltinNames(), ", "), scenarios.ErrInvalid)
	}
	return sc, nil
}

func (a *app) runCmd() *cobra.Command {
	var strategy string
	c := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a scenario (every strategy, or one with --strategy)",
		Args:  exactArgs(1),
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
			return a.runScenarios(cmd, []*scenarios.Scenario{sc})
		},
	}
	c.Flags().StringVar(&strategy, "strategy", "", "run only this strategy (a label of the scenario or a catalogue name)")
	a.timelineFlag(c)
	a.runFlags(c)
	return c
}

func (a *app) compareCmd() *cobra.Command {
	var list string
	c := &cobra.Command{
		Use:   "compare [FILE...]",
		Short: "Compare strategies on scenarios (the built-in default scenario without a file)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"builtin:" + scenarios.DefaultScenario}
			}
			var scs []*scenarios.Scenario
			for _, f := range args {
				sc, err := a.load(f)
				if err != nil {
					return err
				}
				if list != "" {
					if sc, err = sc.WithStrategies(splitList(list)); err != nil {
						return err
					}
				}
				scs = append(scs, sc)
			}
			err := a.runScenarios(cmd, scs)
			if a.report == "" && a.format == "table" && isTerminal(a.stderr) {
				fmt.Fprintf(a.stderr, "\nFor charts and an explanation of each result: deploysim compare %s--report deploysim-%s.html\n",
					strings.Join(append(cmd.Flags().Args(), ""), " "), safeName(scs[0].Name))
			}
			return err
		},
	}
	c.Flags().StringVar(&list, "strategies", "", "comma-separated strategies to compare (labels of the scenario or catalogue names)")
	a.timelineFlag(c)
	a.runFlags(c)
	return c
}

// timelineFlag adds --timeline, which puts each strategy's timeline into
// the JSON document.
func (a *app) timelineFlag(c *cobra.Command) {
	c.Flags().BoolVar(&a.timeline, "timeline", false, "with --format json: add each strategy's timeline (first replication per bucket, quantile bands across replications; docs/json-output.md)")
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usage("%s: want %d argument(s), got %d (usage: %s)", cmd.Name(), n, len(args), cmd.UseLine())
		}
		return nil
	}
}

// runScenarios runs each scenario and prints the reports; on Ctrl-C it
// prints what finished.
func (a *app) runScenarios(cmd *cobra.Command, scs []*scenarios.Scenario) error {
	if a.timeline && a.format != "json" {
		return usage("--timeline needs --format json")
	}
	var planned []*scenarios.Report
	for _, sc := range scs {
		planned = append(planned, sc.Pending(scenarios.Options{}))
	}
	if err := a.checkReportPaths(planned); err != nil {
		return err
	}
	var reps, notRun []*scenarios.Report
	var runErr error
	for _, sc := range scs {
		a.warn(sc)
	}
	for _, sc := range scs {
		if runErr != nil {
			notRun = append(notRun, sc.Pending(a.options(cmd, sc.Name)))
			continue
		}
		rep, err := sc.Run(cmd.Context(), a.options(cmd, sc.Name))
		if rep != nil {
			reps = append(reps, rep)
		}
		if err != nil {
			runErr = err
		}
	}
	if !errors.Is(runErr, scenarios.ErrInterrupted) {
		notRun = nil // a failed run writes what finished, and no JUnit verdict on the rest
	}
	if len(reps) > 0 {
		if err := a.emit(func(w io.Writer) error { return a.render(w, reps) }); err != nil {
			return err
		}
		if err := a.writeArtifacts(scs[:len(reps)], reps, notRun); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	for _, r := range reps {
		if !r.Passed() {
			return errThresholds
		}
	}
	return nil
}

func (a *app) sweepCmd() *cobra.Command {
	var sets []string
	c := &cobra.Command{
		Use:   "sweep FILE --set PATH=V1,V2 [--set ...]",
		Short: "Run a scenario over a parameter grid × its strategies",
		Example: `  deploysim sweep my.yaml --set world.instances=10,40,160 --set versions.v2.error_rate=0,5%
  deploysim sweep my.yaml --set strategies.rolling.batch_size=1,2,5`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(sets) == 0 {
				return usage("sweep: at least one --set PATH=V1,V2 is required")
			}
			var params []scenarios.Param
			for _, s := range sets {
				p, err := scenarios.ParseSet(s)
				if err != nil {
					return err
				}
				params = append(params, p)
			}
			name, src, err := readSource(args[0])
			if err != nil {
				return err
			}
			sw, err := scenarios.NewSweep(cmd.Context(), name, src, params, scenarios.LoadOptions{ImportDirs: a.importDirs})
			if err != nil {
				return err
			}
			if err := a.checkReportPaths(sw.Pending(&scenarios.SweepReport{}, scenarios.Options{})); err != nil {
				return err
			}
			opts := a.options(cmd, name)
			// Each grid point's HTML report shows its first replication and
			// every run's values, and a timeline export needs the former.
			opts.KeepRuns = a.report != "" || a.omTimeline
			rep, err := sw.Run(cmd.Context(), opts)
			if rep != nil {
				if e := a.emit(func(w io.Writer) error { return a.renderSweep(w, rep) }); e != nil {
					return e
				}
				var scs []*scenarios.Scenario
				for _, p := range sw.Points {
					scs = append(scs, p.Scenario)
				}
				var notRun []*scenarios.Report
				if errors.Is(err, scenarios.ErrInterrupted) {
					notRun = sw.Pending(rep, opts)
				}
				if e := a.writeArtifacts(scs, rep.Reports(), notRun); e != nil {
					return e
				}
			}
			if err != nil {
				return err
			}
			if !rep.Passed() {
				return errThresholds
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&sets, "set", nil, "a parameter and its values: PATH=V1,V2,... (repeatable; the grid is their product)")
	a.runFlags(c)
	return c
}

func readSource(arg string) (string, []byte, error) {
	b, err := scenarios.ReadFile(arg)
	if err == nil {
		return arg, b, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		if b, e := scenarios.BuiltinSource(arg); e == nil {
			return "builtin:" + strings.TrimPrefix(arg, "builtin:"), b, nil
		}
	}
	return "", nil, err
}

func (a *app) validateCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files: every problem with its line and column",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage("validate: want at least one file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var bad error
			for _, f := range args {
				sc, err := a.load(f)
				if err != nil {
					fmt.Fprintln(a.stderr, err)
					bad = fmt.Errorf("%d file(s) invalid: %w", 1, scenarios.ErrInvalid)
					continue
				}
				if err := sc.CheckRun(a.options(cmd, sc.Name)); err != nil {
					fmt.Fprintln(a.stderr, err)
					bad = fmt.Errorf("%d file(s) invalid: %w", 1, scenarios.ErrInvalid)
					continue
				}
				a.warn(sc)
				fmt.Fprintf(a.stdout, "%s: ok (%d strategies, %d faults, %d thresholds, %d replications; memory at most about %s)\n",
					f, len(sc.Strategies), len(sc.Faults), len(sc.Expect), sc.Replications, scenarios.BytesString(sc.Estimate(a.options(cmd, sc.Name)).Total()))
			}
			if bad != nil {
				return errSilentInvalid
			}
			return nil
		},
	}
	a.importDirFlag(c)
	a.memoryBudgetFlag(c)
	return c
}

// errSilentInvalid: the problems were printed already; exit 2.
var errSilentInvalid = fmt.Errorf("invalid scenario: %w", scenarios.ErrInvalid)
