package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/strategies"
)

// Narrative explains an experiment in words: why each strategy scored as
// it did, and which one to pick (the experiment's Recommendation).
type Narrative struct {
	Strategies     []StrategyNote
	Recommendation string
	// NotRecommended are the strategies that may not be recommended here,
	// each with why.
	NotRecommended []string
}

// StrategyNote is the explanation of one strategy's results.
type StrategyNote struct {
	Label   string
	Verdict string
	Reasons []string
	// Explain is the catalogue's explanation of the strategy: how it
	// works, what it costs, when not to use it.
	Explain string
}

func pct(v float64) string {
	if v > 0 && v < 0.001 {
		return fmt.Sprintf("%.3f %%", 100*v)
	}
	if v > 0 && v < 0.1 {
		return fmt.Sprintf("%.1f %%", 100*v)
	}
	return fmt.Sprintf("%.0f %%", 100*v)
}

func secs(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return (time.Duration(math.Round(v)) * time.Second).String()
}

// Narrate derives the narrative from the numbers alone.
func Narrate(sc *scenarios.Scenario, rep *scenarios.Report) Narrative {
	var n Narrative
	for _, s := range rep.Results {
		n.Strategies = append(n.Strategies, explain(sc, s))
	}
	n.Recommendation, n.NotRecommended = Recommendation(rep)
	return n
}

func mean(s *scenarios.Summary, m string) float64 { return s.Metrics[m].Mean }

func explain(sc *scenarios.Scenario, s *scenarios.Summary) StrategyNote {
	note := StrategyNote{Label: s.Label}
	if sp, err := strategies.Lookup(s.Strategy); err == nil {
		note.Explain = strings.TrimSpace(sp.Explain)
	}
	var parts []string
	for _, o := range []string{"succeeded", "rolled_back", "failed", "rollback_failed"} {
		if sh := s.Outcomes[o]; sh > 0 {
			parts = append(parts, fmt.Sprintf("%s in %s of runs", strings.ReplaceAll(o, "_", " "), pct(sh)))
		}
	}
	note.Verdict = strings.Join(parts, ", ")
	add := func(format string, args ...any) { note.Reasons = append(note.Reasons, fmt.Sprintf(format, args...)) }

	if d := mean(s, "downtime_s"); d > 0 {
		add("Users saw %s of downtime on average (success ratio over the SLO window below the floor); %s of users hit at least one failed request.",
			secs(d), pct(mean(s, "blast_radius_users")))
	} else if b := mean(s, "blast_radius_users"); b > 0 {
		add("No downtime, but %s of users hit at least one failed request.", pct(b))
	} else {
		add("No user saw a failed request.")
	}
	if r := s.Sample; r != nil {
		if floor, phase := capacityLow(r); !math.IsNaN(floor) && floor < 0.999 {
			where := ""
			if phase != "" {
				where = fmt.Sprintf(" during %q", phase)
			}
			add("Healthy capacity dipped to %s of the baseline%s in the first replication (mean floor %s).", pct(floor), where, pct(mean(s, "capacity_floor")))
		}
	}
	if s.Outcomes["rolled_back"]+s.Outcomes["rollback_failed"] > 0 {
		restore := "restoring the old version took " + secs(mean(s, "rollback_s"))
		if s.Outcomes["rollback_failed"] > 0 {
			restore += " on average, counting rollbacks that never served users again up to the end of the measurement"
		}
		add("Before the rollback decision %s of requests were served by the new version; the trigger fired %s after the problem began, and %s.",
			pct(mean(s, "exposure")), secs(mean(s, "detection_s")), restore)
		if r := s.Sample; r != nil {
			for _, m := range r.Marks {
				if m.Kind == "rollback" {
					add("Rollback trigger in the first replication: %s.", m.Text)
					break
				}
			}
		}
	}
	if s.Outcomes["rollback_failed"] > 0 && s.Sample != nil && s.Sample.Reason != "" {
		add("Rollback was impossible: %s.", s.Sample.Reason)
	}
	if de := mean(s, "data_errors"); de > 0 {
		add("%.0f writes on average were served by code incompatible with the schema (data errors).", de)
	}
	if mv := mean(s, "mixed_versions_s"); mv > 0 {
		add("Both versions served traffic for %s.", secs(mv))
	}
	if x := mean(s, "extra_instance_hours"); x > 0.005 {
		add("It cost %.2f extra instance-hours (peak %.0f instances).", x, mean(s, "peak_instances"))
	}
	for _, c := range sc.Contraindications(s.Strategy) {
		add("Contraindicated: %s.", c)
	}
	return note
}

// capacityLow finds the lowest healthy capacity of a run's deployment, as
// a share of the capacity at its start, and the phase it happened in.
func capacityLow(r *models.Result) (float64, string) {
	tl := &r.Timeline
	base, low, at := -1, math.MaxInt, time.Duration(-1)
	for _, p := range tl.Points {
		if p.At < tl.DeployAt {
			continue
		}
		if base < 0 {
			base = p.Healthy
		}
		if tl.EndAt > 0 && p.At > tl.EndAt {
			break
		}
		if p.Healthy < low {
			low, at = p.Healthy, p.At
		}
	}
	if base <= 0 || at < 0 {
		return math.NaN(), ""
	}
	phase := ""
	for _, m := range r.Marks {
		if m.Kind == "phase" && m.At <= at {
			phase = m.Text
		}
	}
	return float64(low) / float64(base), phase
}

// Recommendation words the experiment's recommendation: the strategy and
// why, and each strategy that may not be recommended with why.
func Recommendation(rep *scenarios.Report) (string, []string) {
	r := rep.Recommendation
	if r == nil {
		return "", nil
	}
	var not []string
	for _, e := range r.Excluded {
		not = append(not, e.Strategy+" — "+e.Reason)
	}
	if r.Strategy == "" {
		return "Recommended: none — " + r.Reason + ".", not
	}
	return "Recommended: " + r.Strategy + " — " + r.Reason + ".", not
}
