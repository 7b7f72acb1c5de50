package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/strategies"
)

// TableOptions choose the table's form.
type TableOptions struct {
	// Markdown renders a GitHub-flavoured markdown table (for pull
	// requests); otherwise a boxed text table.
	Markdown bool
	// Color marks thresholds green and red with ANSI escapes; callers set
	// it only for a terminal that wants colour.
	Color bool
}

// columns are the headline metrics of the table; JSON has them all.
var columns = []struct{ head, metric string }{
	{"downtime", "downtime_s"},
	{"availability", "availability"},
	{"users hit", "blast_radius_users"},
	{"deploy", "deploy_duration_s"},
	{"active / wait / term wait", deploySplit},
	{"detect", "detection_s"},
	{"rollback", "rollback_s"},
	{"capacity floor", "capacity_floor"},
	{"peak inst", "peak_instances"},
	{"extra inst-h", "extra_instance_hours"},
}

// deploySplit stands for the column that splits deploy_duration_s into
// its parts.
const deploySplit = "deploy_active_s/deploy_waiting_s/deploy_termination_wait_s"

// cell formats one column of a strategy's row.
func cell(metric string, s *scenarios.Summary) string {
	if metric == deploySplit {
		return DeploySplit(s)
	}
	return meanCI(metric, s.Metrics[metric])
}

// DeploySplit shows the mean deployment time as active, waiting (pauses,
// bakes, approvals) and termination wait, in seconds.
func DeploySplit(s *scenarios.Summary) string {
	var parts []string
	for _, m := range strings.Split(deploySplit, "/") {
		st := s.Metrics[m]
		if st.N == 0 || math.IsNaN(st.Mean) {
			return "–"
		}
		parts = append(parts, num(st.Mean))
	}
	return strings.Join(parts, " / ") + " s"
}

// CutOffNotes say, per strategy, when the measurement cap ended runs
// whose harm was still going on, so that nobody reads their numbers as
// complete.
func CutOffNotes(r *scenarios.Report) []string {
	var out []string
	for _, s := range r.Results {
		c := s.CutOff
		if c == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s: the measurement cap (deployment.settle_max, %s after the strategy's end) cut off %d of %d runs while harm was still going on (%s); nothing after it is counted.",
			s.Label, shortDuration(c.SettleMaxS), c.Runs, s.Runs, strings.Join(slices.Sorted(maps.Keys(c.Reasons)), "; ")))
	}
	return out
}

func newTable(w io.Writer, o TableOptions, header []string) *tablewriter.Table {
	var t *tablewriter.Table
	if o.Markdown {
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

// Table writes the comparison of one experiment: a title line, one row per
// strategy with each headline metric as mean ± half its 95 % confidence
// interval, then the thresholds k6-style (✓/✗ with what was observed).
func Table(w io.Writer, r *scenarios.Report, o TableOptions) error {
	title := r.Scenario
	if r.Title != "" {
		title += " — " + r.Title
	}
	if o.Markdown {
		fmt.Fprintf(w, "### %s\n\n", title)
	} else {
		fmt.Fprintln(w, title)
	}
	fmt.Fprintf(w, "seed %d, %d replications per strategy; mean ± 95%% CI\n", r.Seed, r.Replications)
	if !r.Complete {
		fmt.Fprintln(w, "INTERRUPTED: partial results (the runs column shows what finished)")
	}
	if o.Markdown {
		fmt.Fprintln(w)
	}
	header := []string{"strategy", "runs", "ok / rolled back / failed", "trigger"}
	for _, c := range columns {
		header = append(header, c.head)
	}
	t := newTable(w, o, header)
	for _, s := range r.Results {
		row := []string{s.Label, fmt.Sprint(s.Runs), Outcomes(s), Triggers(s)}
		for _, c := range columns {
			row = append(row, cell(c.metric, s))
		}
		if err := t.Append(toAny(row)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, n := range CutOffNotes(r) {
		fmt.Fprintln(w, "note: "+n)
	}
	recommendationLines(w, r, o)
	Thresholds(w, r, o)
	return nil
}

// recommendationLines print the experiment's recommendation under its
// table, with each strategy that may not be recommended and why.
func recommendationLines(w io.Writer, r *scenarios.Report, o TableOptions) {
	rec, not := Recommendation(r)
	if rec == "" {
		return
	}
	if o.Markdown {
		fmt.Fprintf(w, "\n**%s**\n", strings.TrimSuffix(rec, "."))
		for _, n := range not {
			fmt.Fprintf(w, "- not recommended: %s\n", n)
		}
		return
	}
	fmt.Fprintln(w, rec)
	for _, n := range not {
		fmt.Fprintf(w, "Not recommended: %s.\n", n)
	}
}

// Outcomes is the share of runs that succeeded, rolled back and failed,
// with rollbacks that failed added when there were any.
func Outcomes(s *scenarios.Summary) string {
	pct := func(o strategies.Outcome) string { return fmt.Sprintf("%.0f%%", 100*s.Outcomes[o.String()]) }
	out := pct(strategies.Succeeded) + " / " + pct(strategies.RolledBack) + " / " + pct(strategies.Failed)
	if s.Outcomes[strategies.RollbackFailed.String()] > 0 {
		out += " (+" + pct(strategies.RollbackFailed) + " rollback failed)"
	}
	return out
}

// Triggers names the kinds of trigger that stopped runs early (rolled back
// or failed), with their counts when there are several; "–" when every
// run went to its end.
func Triggers(s *scenarios.Summary) string {
	var kinds []string
	n := map[string]int{}
	for _, r := range s.Reasons {
		if n[r.Trigger] == 0 {
			kinds = append(kinds, r.Trigger)
		}
		n[r.Trigger] += r.Runs
	}
	switch len(kinds) {
	case 0:
		return "–"
	case 1:
		return kinds[0]
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return n[b] - n[a] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, n[k])
	}
	return strings.Join(parts, ", ")
}

// Thresholds prints each strategy's expect: checks, ✓ or ✗, the
// expression and the observed values.
func Thresholds(w io.Writer, r *scenarios.Report, o TableOptions) {
	if !slices.ContainsFunc(r.Results, func(s *scenarios.Summary) bool { return len(s.Expect) > 0 }) {
		return
	}
	green, red, reset := "", "", ""
	if o.Color && !o.Markdown {
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
			fmt.Fprintf(w, "    %s %s %s %s\n", mark, c.Expr, strings.Repeat(".", max(2, 40-len(c.Expr))), Observed(c))
		}
	}
}

// Observed formats the values a threshold expression used.
func Observed(c scenarios.Check) string {
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
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// SweepTable writes a sweep: one row per grid point and strategy.
func SweepTable(w io.Writer, r *scenarios.SweepReport, o TableOptions) error {
	fmt.Fprintf(w, "sweep of %s: %d points × %d strategies, seed %d, %d replications each; mean ± 95%% CI\n",
		r.Scenario, len(r.Points), len(r.Strategies()), r.Seed, r.Replications)
	if !r.Complete {
		fmt.Fprintln(w, "INTERRUPTED: partial results")
	}
	header := append([]string{}, r.Parameters...)
	header = append(header, "strategy", "runs", "ok / rolled back / failed", "trigger")
	for _, c := range columns {
		header = append(header, c.head)
	}
	header = append(header, "thresholds")
	t := newTable(w, o, header)
	for _, p := range r.Points {
		for _, s := range p.Results {
			var row []string
			for _, k := range r.Parameters {
				row = append(row, p.Set[k])
			}
			row = append(row, s.Label, fmt.Sprint(s.Runs), Outcomes(s), Triggers(s))
			for _, c := range columns {
				row = append(row, cell(c.metric, s))
			}
			if err := t.Append(toAny(append(row, thresholdCell(s)))...); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	sweepRecommendations(w, r)
	sweepFailures(w, r, o)
	return nil
}

// sweepRecommendations list each grid point's recommendation in a line.
func sweepRecommendations(w io.Writer, r *scenarios.SweepReport) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "recommended")
	for _, rep := range r.Reports() {
		rec := rep.Recommendation
		if rec == nil {
			continue
		}
		what := rec.Strategy
		switch {
		case what == "":
			what = "none — " + rec.Reason
		case len(rec.RunnersUp) > 0:
			what += " (no significant difference from " + strings.Join(rec.RunnersUp, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s: %s\n", rep.Point, what)
	}
}

// thresholdCell is a sweep row's verdict: how many thresholds held, or
// ✗ and each one that failed.
func thresholdCell(s *scenarios.Summary) string {
	if len(s.Expect) == 0 {
		return "–"
	}
	var failed []string
	for _, c := range s.Expect {
		if !c.OK {
			failed = append(failed, "✗ "+c.Expr)
		}
	}
	if len(failed) == 0 {
		return fmt.Sprintf("%d/%d ✓", len(s.Expect), len(s.Expect))
	}
	return strings.Join(failed, "; ")
}

// sweepFailures lists, under a sweep's table, every threshold that failed
// with its grid point and what was observed.
func sweepFailures(w io.Writer, r *scenarios.SweepReport, o TableOptions) {
	red, reset := "", ""
	if o.Color && !o.Markdown {
		red, reset = "\x1b[31m", "\x1b[0m"
	}
	header := false
	for _, rep := range r.Reports() {
		for _, s := range rep.Results {
			for _, c := range s.Expect {
				if c.OK {
					continue
				}
				if !header {
					fmt.Fprintln(w)
					fmt.Fprintln(w, "failed thresholds")
					header = true
				}
				fmt.Fprintf(w, "  %s%s%s %s, %s: %s %s %s\n", red, "✗", reset, rep.Point, s.Label, c.Expr,
					strings.Repeat(".", max(2, 40-len(c.Expr))), Observed(c))
			}
		}
	}
}
