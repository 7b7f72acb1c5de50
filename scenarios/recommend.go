package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/deploysim/deploysim/models"
)

// Recommendation is the one strategy an experiment's results support, and
// why. It is computed once per experiment (Recommend) and shown in the
// table, the JSON document and the HTML report alike.
type Recommendation struct {
	// Strategy is the recommended strategy's label; empty when no strategy
	// may be recommended (every one contraindicated or causing schema
	// errors).
	Strategy string `json:"strategy"`
	Reason   string `json:"reason"`
	// RunnersUp are the strategies it is not significantly better than:
	// their 95 % confidence intervals of user harm overlap its own.
	RunnersUp []string `json:"runners_up"`
	// Excluded are the strategies that may not be recommended here, and
	// why.
	Excluded []Exclusion `json:"excluded,omitempty"`
}

// Exclusion is a strategy that may not be recommended, and why.
type Exclusion struct {
	Strategy string `json:"strategy"`
	Reason   string `json:"reason"`
}

// harmMetrics measure user harm, in order of weight: the share of users
// who saw a failed request, then downtime.
var harmMetrics = []string{"blast_radius_users", "downtime_s"}

// Recommend picks the strategy to recommend from an experiment's results.
// contra gives the reasons a strategy (by label) is contraindicated for
// the release. The rules, in order:
//
//  1. Never a strategy that is contraindicated, whose runs failed requests
//     with a schema error or wrote data errors, or that has no finished
//     run.
//  2. Never one with a larger share of failed or rollback_failed runs than
//     another: only the strategies with the smallest share stay.
//  3. User harm decides, with its uncertainty: a is significantly better
//     than b when, on a harm metric, a's 95 % confidence interval lies
//     wholly below b's, and on none b's lies wholly below a's.
//     Strategies nobody is significantly better than are the contenders;
//     overlapping intervals are no difference.
//  4. Among the contenders, the one that delivered the release most often
//     (share of succeeded runs), then the cheapest (extra instance-hours),
//     then the least harm on average, then the fastest deploy, then the
//     first in the scenario.
//
// RunnersUp are the other remaining strategies the pick is not
// significantly better than.
func Recommend(results []*Summary, contra func(label string) []string) Recommendation {
	var rec Recommendation
	rec.RunnersUp = []string{}
	var ok []*Summary
	for _, s := range results {
		if why := exclusion(s, contra); why != "" {
			rec.Excluded = append(rec.Excluded, Exclusion{s.Label, why})
			continue
		}
		ok = append(ok, s)
	}
	if len(ok) == 0 {
		rec.Reason = noneReason(results, rec.Excluded)
		return rec
	}
	leastBad := slices.MinFunc(ok, func(a, b *Summary) int { return cmp.Compare(badShare(a), badShare(b)) })
	var cands []*Summary
	for _, s := range ok {
		if badShare(s) > badShare(leastBad) {
			rec.Excluded = append(rec.Excluded, Exclusion{s.Label, fmt.Sprintf(
				"failed or could not roll back in %s of runs (%s: %s)", pct(badShare(s)), leastBad.Label, pct(badShare(leastBad)))})
			continue
		}
		cands = append(cands, s)
	}
	var contenders []*Summary
	for _, s := range cands {
		if !slices.ContainsFunc(cands, func(d *Summary) bool { return significantlyBetter(d, s) }) {
			contenders = append(contenders, s)
		}
	}
	if len(contenders) == 0 { // a cycle of significance: no order to trust
		contenders = cands
	}
	best := slices.MinFunc(contenders, byPreference(results))
	rec.Strategy = best.Label
	for _, s := range cands {
		if s != best && !significantlyBetter(best, s) {
			rec.RunnersUp = append(rec.RunnersUp, s.Label)
		}
	}
	rec.Reason = reason(best, contenders, rec.RunnersUp, len(cands), results)
	return rec
}

// exclusion says why s may never be recommended, or "".
func exclusion(s *Summary, contra func(string) []string) string {
	if s.Runs == 0 {
		return "no run finished"
	}
	if c := contra(s.Label); len(c) > 0 {
		return "contraindicated: " + strings.Join(c, "; ")
	}
	schema, data := s.FailedByCause["schema"], s.Metrics["data_errors"].Mean
	if schema > 0 || data > 0 {
		return fmt.Sprintf("schema errors: %.0f requests per run failed against the schema, %.0f data errors", schema, data)
	}
	return ""
}

func noneReason(results []*Summary, excluded []Exclusion) string {
	if len(results) == 0 {
		return "no strategy was run"
	}
	schema := 0
	for _, e := range excluded {
		if strings.HasPrefix(e.Reason, "schema errors") {
			schema++
		}
	}
	msg := "every strategy is contraindicated or caused schema errors"
	if schema == len(results) {
		msg = "every strategy served requests with code the schema does not fit"
	}
	if schema > 0 {
		msg += "; make the release backward compatible (expand now, contract in a later release) before choosing a strategy"
	}
	return msg
}

// badShare is the share of runs that failed or whose rollback failed.
func badShare(s *Summary) float64 { return s.Outcomes["failed"] + s.Outcomes["rollback_failed"] }

// significantlyBetter: on some harm metric a's 95 % interval lies wholly
// below b's, and on none b's lies wholly below a's.
func significantlyBetter(a, b *Summary) bool {
	better := false
	for _, m := range harmMetrics {
		if below(a.Metrics[m], b.Metrics[m]) {
			better = true
		}
		if below(b.Metrics[m], a.Metrics[m]) {
			return false
		}
	}
	return better
}

// below: x's confidence interval lies wholly below y's. An interval that
// could not be computed (one run) supports no claim.
func below(x, y Stats) bool {
	if math.IsNaN(x.CIHigh) || math.IsNaN(y.CILow) {
		return false
	}
	return x.CIHigh < y.CILow
}

// byPreference orders contenders by rule 4 of Recommend.
func byPreference(results []*Summary) func(a, b *Summary) int {
	mean := func(s *Summary, m string) float64 { return s.Metrics[m].Mean }
	return func(a, b *Summary) int {
		return cmp.Or(
			cmp.Compare(b.Outcomes["succeeded"], a.Outcomes["succeeded"]),
			cmp.Compare(mean(a, "extra_instance_hours"), mean(b, "extra_instance_hours")),
			cmp.Compare(mean(a, harmMetrics[0]), mean(b, harmMetrics[0])),
			cmp.Compare(mean(a, harmMetrics[1]), mean(b, harmMetrics[1])),
			cmp.Compare(mean(a, "deploy_duration_s"), mean(b, "deploy_duration_s")),
			cmp.Compare(slices.Index(results, a), slices.Index(results, b)),
		)
	}
}

// reason explains the pick in words: its harm with the interval, whether
// the difference to the others is significant, and what decided among
// equals.
func reason(best *Summary, contenders []*Summary, runnersUp []string, cands int, results []*Summary) string {
	var b strings.Builder
	u, d := best.Metrics["blast_radius_users"], best.Metrics["downtime_s"]
	fmt.Fprintf(&b, "%s of users hit", pct(u.Mean))
	if !math.IsNaN(u.CILow) && u.CIHigh > u.CILow {
		fmt.Fprintf(&b, " (95 %% CI %s–%s)", pct(max(0, u.CILow)), pct(u.CIHigh))
	}
	if d.Mean > 0 {
		fmt.Fprintf(&b, ", %.0f s of downtime", d.Mean)
	} else {
		b.WriteString(", no downtime")
	}
	switch {
	case cands == 1:
		b.WriteString("; the only strategy that qualifies")
		return b.String()
	case len(runnersUp) == 0:
		b.WriteString("; significantly less harm than every other strategy that qualifies")
		return b.String()
	}
	fmt.Fprintf(&b, "; no significant difference in user harm from %s (overlapping 95 %% confidence intervals)", strings.Join(runnersUp, ", "))
	if len(contenders) > 1 {
		b.WriteString("; " + decidedBy(best, contenders, results))
	}
	return b.String()
}

// decidedBy names the rule-4 criterion that put best before the next
// contender.
func decidedBy(best *Summary, contenders []*Summary, results []*Summary) string {
	sorted := slices.SortedStableFunc(slices.Values(contenders), byPreference(results))
	next := sorted[1]
	mean := func(s *Summary, m string) float64 { return s.Metrics[m].Mean }
	switch {
	case best.Outcomes["succeeded"] != next.Outcomes["succeeded"]:
		return fmt.Sprintf("chosen over %s for delivering the release more often (%s of runs, against %s)",
			next.Label, pct(best.Outcomes["succeeded"]), pct(next.Outcomes["succeeded"]))
	case mean(best, "extra_instance_hours") != mean(next, "extra_instance_hours"):
		return fmt.Sprintf("chosen over %s as the cheaper (%.2f extra instance-hours, against %.2f)",
			next.Label, mean(best, "extra_instance_hours"), mean(next, "extra_instance_hours"))
	case mean(best, "deploy_duration_s") < mean(next, "deploy_duration_s") &&
		mean(best, harmMetrics[0]) == mean(next, harmMetrics[0]) && mean(best, harmMetrics[1]) == mean(next, harmMetrics[1]):
		return fmt.Sprintf("chosen over %s as the faster (%.0f s, against %.0f s)",
			next.Label, mean(best, "deploy_duration_s"), mean(next, "deploy_duration_s"))
	}
	return fmt.Sprintf("chosen over %s for less harm on average", next.Label)
}

// pct formats a fraction as a percentage with the precision it needs.
func pct(v float64) string {
	switch {
	case v == 0:
		return "0 %"
	case v < 0.001:
		return fmt.Sprintf("%.3f %%", 100*v)
	case v < 0.1:
		return fmt.Sprintf("%.1f %%", 100*v)
	}
	return fmt.Sprintf("%.0f %%", 100*v)
}

// sideBySide are the catalogue's strategies that run the new version on a
// fleet of its own next to the old one, both serving users.
var sideBySide = []string{"blue-green", "canary", "linear", "traffic-splitting", "ab-test", "immutable"}

// Contraindications are the reasons not to use the strategy of catalogue
// name for this release: the deployment's contraindications and its
// breaking migrations, for strategies that run both versions side by side
// on separate fleets (the blue/green contraindications: code tightly
// coupled to the schema, special upgrade routines).
func (sc *Scenario) Contraindications(name string) []string {
	if !slices.Contains(sideBySide, name) {
		return nil
	}
	var out []string
	for _, m := range sc.Config.DB.Migrations {
		if m.Kind == models.Breaking && (sc.Deployment.Migrations == nil || slices.Contains(sc.Deployment.Migrations, m.Name)) {
			out = append(out, fmt.Sprintf("migration %q is breaking, so the old version fails once it runs while both versions serve", m.Name))
		}
	}
	return append(out, sc.Deployment.Contraindications...)
}

// recommend is Recommend over rep with sc's contraindications.
func (sc *Scenario) recommend(rep *Report) *Recommendation {
	byLabel := map[string]string{}
	for _, st := range sc.Strategies {
		byLabel[st.Label] = st.Name
	}
	r := Recommend(rep.Results, func(label string) []string { return sc.Contraindications(byLabel[label]) })
	return &r
}
