package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/strategies"
)

// Narrative explains an experiment in words: why each strategy scored as
// it did, and which one to pick for what price.
type Narrative struct {
	Strategies     []StrategyNote
	Recommendation string
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
	n.Recommendation = recommend(rep)
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
	for _, c := range contraindications(sc, s.Strategy) {
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

// contraindications names the reasons a strategy that runs two versions
// side by side should not be used for this release.
func contraindications(sc *scenarios.Scenario, strategy string) []string {
	twoFleets := strategy == "blue-green" || strategy == "canary" || strategy == "linear" ||
		strategy == "traffic-splitting" || strategy == "ab-test" || strategy == "immutable"
	if !twoFleets {
		return nil
	}
	var out []string
	for _, m := range sc.Config.DB.Migrations {
		if m.Kind == models.Breaking {
			out = append(out, fmt.Sprintf("migration %q is breaking, so the old version fails once it runs while both versions serve", m.Name))
		}
	}
	out = append(out, sc.Deployment.Contraindications...)
	return out
}

// recommend picks the strategy with the least downtime, then the smallest
// blast radius, then the fastest rollback, and names what it costs against
// the cheapest alternative.
func recommend(rep *scenarios.Report) string {
	if len(rep.Results) == 0 {
		return ""
	}
	key := func(s *scenarios.Summary) []float64 {
		bad := s.Outcomes["rollback_failed"] + s.Outcomes["failed"]
		rb := mean(s, "rollback_s")
		if math.IsNaN(rb) {
			rb = 0
		}
		return []float64{bad, round(mean(s, "downtime_s"), 1), round(mean(s, "blast_radius_users"), 3), rb, mean(s, "extra_instance_hours")}
	}
	ranked := slices.Clone(rep.Results)
	slices.SortStableFunc(ranked, func(a, b *scenarios.Summary) int {
		ka, kb := key(a), key(b)
		for i := range ka {
			if ka[i] != kb[i] {
				if ka[i] < kb[i] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	best := ranked[0]
	msg := fmt.Sprintf("Recommended: %s — %s of downtime, %s of users affected", best.Label,
		secs(mean(best, "downtime_s")), pct(mean(best, "blast_radius_users")))
	if rb := mean(best, "rollback_s"); !math.IsNaN(rb) {
		msg += fmt.Sprintf(", %s to roll back", secs(rb))
	}
	msg += fmt.Sprintf(", for %.2f extra instance-hours.", mean(best, "extra_instance_hours"))
	cheapest := slices.MinFunc(rep.Results, func(a, b *scenarios.Summary) int {
		return cmpFloat(mean(a, "extra_instance_hours"), mean(b, "extra_instance_hours"))
	})
	if cheapest != best && mean(cheapest, "extra_instance_hours") < mean(best, "extra_instance_hours") {
		msg += fmt.Sprintf(" The trade-off: %s costs %.2f extra instance-hours but gives %s of downtime and affects %s of users.",
			cheapest.Label, mean(cheapest, "extra_instance_hours"), secs(mean(cheapest, "downtime_s")), pct(mean(cheapest, "blast_radius_users")))
	}
	return msg
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
