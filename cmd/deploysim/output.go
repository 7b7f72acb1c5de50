package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/report"
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

// emit writes the output to stdout, or to --output atomically (see
// writeFileAtomic), so that an interrupted or failed run never leaves a
// half-written file.
func (a *app) emit(write func(io.Writer) error) error {
	if a.output == "" {
		return write(a.stdout)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return writeFileAtomic("-o", a.output, buf.Bytes())
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(indentJSON(b), '\n'))
	return err
}

// indentJSON indents compact JSON two spaces a level, as json.Indent
// does, except that an array of scalars stays on one line: timeline
// series of thousands of numbers take a line each, not a line per number.
func indentJSON(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(src)/4)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range depth {
			out = append(out, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			end := stringEnd(src, i)
			out = append(out, src[i:end]...)
			i = end - 1
		case '{', '[':
			if close := matching(c); i+1 < len(src) && src[i+1] == close {
				out = append(out, c, close)
				i++
				continue
			}
			if end, ok := scalarArray(src, i); ok {
				for k := i; k < end; k++ {
					if src[k] == '"' {
						e := stringEnd(src, k)
						out = append(out, src[k:e]...)
						k = e - 1
						continue
					}
					out = append(out, src[k])
					if src[k] == ',' {
						out = append(out, ' ')
					}
				}
				i = end - 1
				continue
			}
			out = append(out, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

func matching(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

// stringEnd returns the index after the string that starts at src[i].
func stringEnd(src []byte, i int) int {
	for k := i + 1; k < len(src); k++ {
		switch src[k] {
		case '\\':
			k++
		case '"':
			return k + 1
		}
	}
	return len(src)
}

// scalarArray reports whether src[i] opens an array holding no object or
// array, and returns the index after its closing bracket.
func scalarArray(src []byte, i int) (int, bool) {
	if src[i] != '[' {
		return 0, false
	}
	for k := i + 1; k < len(src); k++ {
		switch src[k] {
		case '"':
			k = stringEnd(src, k) - 1
		case '[', '{':
			return 0, false
		case ']':
			return k + 1, true
		}
	}
	return 0, false
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
		if err := report.Table(w, r, a.tableOptions()); err != nil {
			return err
		}
	}
	return nil
}

// reportPath is where the HTML report of the i-th of n reports goes: the
// name given, suffixed with the scenario when several were compared, with
// the grid point's number (p1, p2, ...) for a sweep; a scenario's name is
// made safe for a file name, so that it cannot lead elsewhere.
func (a *app) reportPath(r *scenarios.Report, i, n int) string {
	if n == 1 {
		return a.report
	}
	ext := filepath.Ext(a.report)
	suffix := safeName(r.Scenario)
	if r.Point != "" {
		suffix = fmt.Sprintf("p%d", i+1)
	}
	return strings.TrimSuffix(a.report, ext) + "-" + suffix + ext
}

// writeArtifacts writes the files asked for besides the main output: the
// HTML reports, JUnit XML and OpenMetrics — each to a temp file renamed
// into place, also for the partial results of an interrupted run. reps
// are the reports of scs[:len(reps)]; notRun are the empty reports of the
// experiments an interruption kept from starting, which the JUnit file
// names too.
func (a *app) writeArtifacts(scs []*scenarios.Scenario, reps, notRun []*scenarios.Report) error {
	if a.report != "" {
		for i, r := range reps {
			path := a.reportPath(r, i, len(reps))
			var buf bytes.Buffer
			if err := report.HTML(&buf, scs[i], r); err != nil {
				return err
			}
			if err := writeFileAtomic("--report", path, buf.Bytes()); err != nil {
				return err
			}
			where := ""
			if r.Point != "" {
				where = " for " + r.Point
			}
			fmt.Fprintf(a.stderr, "report: %s (%d KiB)%s\n", path, buf.Len()/1024, where)
		}
	}
	if a.junit != "" {
		var buf bytes.Buffer
		if err := report.JUnit(&buf, append(slices.Clone(reps), notRun...)); err != nil {
			return err
		}
		if err := writeFileAtomic("--junit", a.junit, buf.Bytes()); err != nil {
			return err
		}
	}
	if a.openmetrics != "" {
		var buf bytes.Buffer
		if err := report.OpenMetrics(&buf, reps, report.OpenMetricsOptions{Timeline: a.omTimeline}); err != nil {
			return err
		}
		if err := writeFileAtomic("--openmetrics", a.openmetrics, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// tableOptions are the table renderer's options for this invocation.
func (a *app) tableOptions() report.TableOptions {
	return report.TableOptions{Markdown: a.format == "markdown", Color: a.useColor() && a.format == "table"}
}

func (a *app) renderSweep(w io.Writer, r *scenarios.SweepReport) error {
	if a.format == "json" {
		return writeJSON(w, r)
	}
	return report.SweepTable(w, r, a.tableOptions())
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
				fmt.Fprintf(w, "\nvocabulary (a scenario may name these too; deploysim explain TERM):\n")
				for _, t := range strategies.Terms() {
					fmt.Fprintf(w, "%-30s %s\n", t.Name, t.Summary)
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
					fmt.Fprintf(w, "%-26s %s\n", m, scenarios.MetricDocs[m])
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
				if len(sp.Differs) > 0 {
					fmt.Fprintf(a.stdout, "\nWhere deploysim differs from the real tool:\n")
					for _, d := range sp.Differs {
						fmt.Fprintf(a.stdout, "  - %s\n", d)
					}
				}
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
	c := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files (for editor completion)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.emit(func(w io.Writer) error { return writeJSON(w, scenarios.JSONSchema()) })
		},
	}
	a.outputFlag(c)
	return c
}
