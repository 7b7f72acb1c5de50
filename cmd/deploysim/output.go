package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/strategies"
)

func isTerminal(f io.Writer) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (a *app) showProgress() bool {
	switch a.progress {
	case "always":
		return true
	case "never":
		return false
	}
	return isTerminal(a.stderr)
}

func (a *app) useColor() bool {
	switch a.color {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return a.output == "" && isTerminal(a.stdout)
}

type progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
}

func newProgress(w io.Writer, label string) *progress { return &progress{w: w, label: label} }

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r%s: %d/%d runs", p.label, done, total)
	if done == total {
		fmt.Fprintln(p.w)
	}
}

// emit writes the output to stdout, or to --output atomically: a temp file
// in the same directory renamed into place, so that an interrupted or
// failed run never leaves a half-written file.
func (a *app) emit(write func(io.Writer) error) error {
	if a.output == "" {
		return write(a.stdout)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return writeFileAtomic(a.output, buf.Bytes())
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// render prints reports in the chosen format. JSON is one document per
// report (an array when several scenarios were compared).
func (a *app) render(w io.Writer, reps []*scenarios.Report) error {
	if a.format == "json" {
		if len(reps) == 1 {
			return writeJSON(w, reps[0])
		}
		return writeJSON(w, reps)
	}
	for i, r := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := a.renderReport(w, r, nil); err != nil {
			return err
		}
	}
	return nil
}

// columns are the headline metrics of the table; the JSON has them all.
var columns = []struct{ head, metric string }{
	{"downtime s", "downtime_s"},
	{"availability", "availability"},
	{"users hit", "blast_radius_users"},
	{"deploy s", "deploy_duration_s"},
	{"detect s", "detection_s"},
	{"rollback s", "rollback_s"},
	{"capacity floor", "capacity_floor"},
	{"peak inst", "peak_instances"},
	{"extra inst-h", "extra_instance_hours"},
}

func (a *app) newTable(w io.Writer, header []string) *tablewriter.Table {
	var t *tablewriter.Table
	if a.format == "markdown" {
		t = tablewriter.NewTable(w, tablewriter.WithRenderer(renderer.NewMarkdown()))
	} else {
		t = tablewriter.NewTable(w)
	}
	t.Options(tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAlignment(tw.AlignRight))
	t.Header(toAny(header)...)
	return t
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func (a *app) renderReport(w io.Writer, r *scenarios.Report, set []string) error {
	title := r.Scenario
	if r.Title != "" {
		title += " — " + r.Title
	}
	if a.format == "markdown" {
		fmt.Fprintf(w, "### %s\n\n", title)
	} else {
		fmt.Fprintln(w, title)
	}
	fmt.Fprintf(w, "seed %d, %d replications per strategy; mean (p95)\n", r.Seed, r.Replications)
	if !r.Complete {
		fmt.Fprintln(w, "INTERRUPTED: partial results (runs column shows what finished)")
	}
	if a.format == "markdown" {
		fmt.Fprintln(w)
	}
	header := []string{"strategy", "runs", "ok / rolled back / failed"}
	for _, c := range columns {
		header = append(header, c.head)
	}
	t := a.newTable(w, header)
	for _, s := range r.Results {
		row := []string{s.Label, fmt.Sprint(s.Runs), outcomes(s)}
		for _, c := range columns {
			row = append(row, cell(c.metric, s.Metrics[c.metric]))
		}
		if err := t.Append(toAny(row)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	a.renderChecks(w, r)
	return nil
}

func outcomes(s *scenarios.Summary) string {
	pct := func(o strategies.Outcome) string { return fmt.Sprintf("%.0f%%", 100*s.Outcomes[o.String()]) }
	out := pct(strategies.Succeeded) + " / " + pct(strategies.RolledBack) + " / " + pct(strategies.Failed)
	if s.Outcomes[strategies.RollbackFailed.String()] > 0 {
		out += " (+" + pct(strategies.RollbackFailed) + " rollback failed)"
	}
	return out
}

func cell(metric string, s scenarios.Stats) string {
	if s.N == 0 || math.IsNaN(s.Mean) {
		return "–"
	}
	f := func(x float64) string {
		switch {
		case metric == "availability" || strings.HasPrefix(metric, "blast_radius") || metric == "capacity_floor":
			return fmt.Sprintf("%.2f%%", 100*x)
		case math.Abs(x) >= 100:
			return fmt.Sprintf("%.0f", x)
		default:
			return fmt.Sprintf("%.2f", x)
		}
	}
	return fmt.Sprintf("%s (%s)", f(s.Mean), f(s.P95))
}

// renderChecks prints the thresholds k6-style: ✓ or ✗, the expression and
// what was observed.
func (a *app) renderChecks(w io.Writer, r *scenarios.Report) {
	any := false
	for _, s := range r.Results {
		any = any || len(s.Expect) > 0
	}
	if !any {
		return
	}
	green, red, reset := "", "", ""
	if a.useColor() && a.format == "table" {
		green, red, reset = "\x1b[32m", "\x1b[31m", "\x1b[0m"
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "thresholds")
	for _, s := range r.Results {
		if len(s.Expect) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\n", s.Label)
		for _, c := range s.Expect {
			mark := green + "✓" + reset
			if !c.OK {
				mark = red + "✗" + reset
			}
			fmt.Fprintf(w, "    %s %s %s %s\n", mark, c.Expr, strings.Repeat(".", max(2, 40-len(c.Expr))), observed(c))
		}
	}
}

func observed(c scenarios.Check) string {
	if c.Error != "" {
		return "error: " + c.Error
	}
	var parts []string
	for k, v := range c.Values {
		if v == nil {
			parts = append(parts, k+"=n/a")
		} else {
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, *v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sortStrings(parts)
	return strings.Join(parts, " ")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (a *app) renderSweep(w io.Writer, r *scenarios.SweepReport) error {
	if a.format == "json" {
		return writeJSON(w, r)
	}
	fmt.Fprintf(w, "sweep of %s: %d points × %d strategies, seed %d, %d replications each; mean (p95)\n",
		r.Scenario, len(r.Points), len(r.Strategies()), r.Seed, r.Replications)
	if !r.Complete {
		fmt.Fprintln(w, "INTERRUPTED: partial results")
	}
	header := append([]string{}, r.Parameters...)
	header = append(header, "strategy", "runs", "ok / rolled back / failed")
	for _, c := range columns {
		header = append(header, c.head)
	}
	header = append(header, "thresholds")
	t := a.newTable(w, header)
	for _, p := range r.Points {
		for _, s := range p.Results {
			var row []string
			for _, k := range r.Parameters {
				row = append(row, p.Set[k])
			}
			row = append(row, s.Label, fmt.Sprint(s.Runs), outcomes(s))
			for _, c := range columns {
				row = append(row, cell(c.metric, s.Metrics[c.metric]))
			}
			pass, n := 0, len(s.Expect)
			for _, c := range s.Expect {
				if c.OK {
					pass++
				}
			}
			th := "–"
			if n > 0 {
				th = fmt.Sprintf("%d/%d ✓", pass, n)
			}
			row = append(row, th)
			if err := t.Append(toAny(row)...); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

func (a *app) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "list strategies|scenarios|faults|metrics",
		Short:     "List the strategy catalogue, built-in scenarios, fault kinds or metrics",
		ValidArgs: []string{"strategies", "scenarios", "faults", "metrics"},
		Args:      exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := a.stdout
			switch args[0] {
			case "strategies":
				for _, s := range strategies.Catalog() {
					fmt.Fprintf(w, "%-30s %s\n", s.Name, s.Summary)
				}
			case "scenarios":
				infos, err := scenarios.Builtins()
				if err != nil {
					return fmt.Errorf("built-in library is broken: %v", err)
				}
				for _, s := range infos {
					fmt.Fprintf(w, "%-28s %s\n", s.Name, s.Title)
				}
			case "faults":
				for _, f := range scenarios.FaultKinds {
					fmt.Fprintf(w, "%-20s %s\n", f.Name, f.Summary)
				}
				fmt.Fprintf(w, "\nwhen: expressions may use %s\n", strings.Join(scenarios.WhenNames, ", "))
			case "metrics":
				for _, m := range models.MetricNames {
					fmt.Fprintf(w, "%-24s %s\n", m, scenarios.MetricDocs[m])
				}
				fmt.Fprintf(w, "\nexpect: statistics %s(metric), share(\"outcome\"), runs\n", strings.Join(scenarios.StatNames, ", "))
			default:
				return usage("list %q (allowed: strategies, scenarios, faults, metrics)", args[0])
			}
			return nil
		},
	}
}

func (a *app) explainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain STRATEGY|SCENARIO",
		Short: "Explain a strategy of the catalogue (or a built-in scenario's story and lesson)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sp, err := strategies.Lookup(args[0]); err == nil {
				fmt.Fprintf(a.stdout, "%s — %s\n\n%s\n", sp.Name, sp.Summary, strings.TrimSpace(sp.Explain))
				return nil
			}
			if sc, err := scenarios.Builtin(args[0]); err == nil {
				fmt.Fprintf(a.stdout, "%s — %s\n\nStory\n%s\n\nLesson\n%s\n", sc.Name, sc.Title,
					strings.TrimSpace(sc.Story), strings.TrimSpace(sc.Lesson))
				return nil
			}
			return usage("explain %q: not a strategy (%s) nor a built-in scenario (%s)", args[0],
				strings.Join(scenarios.StrategyNames(), ", "), strings.Join(scenarios.BuiltinNames(), ", "))
		},
	}
}

func (a *app) schemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files (for editor completion)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.emit(func(w io.Writer) error { return writeJSON(w, scenarios.JSONSchema()) })
		},
	}
}
