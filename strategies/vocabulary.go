package strategies

import (
	"fmt"
	"strings"
	"time"
)

// The seeds' vocabulary: the types of deployment people name before they
// name a tool — big bang, phased rollout, parallel adoption. Each term is
// a preset of a catalogue strategy: `deploysim explain TERM` says which,
// and a scenario may name the term as a strategy, optionally overriding
// any field of the strategy it maps to.

// Term is one word of the vocabulary.
type Term struct {
	Name    string
	Summary string
	// About says what the word means and what deploysim runs for it.
	About string
	// Strategy is the catalogue strategy the term maps to ("" for a word
	// with several meanings, which names the terms to use instead).
	Strategy string
	// Preset is the strategy block the term stands for, as YAML; apply
	// sets the same fields on the strategy's config (a test checks they
	// agree).
	Preset string
	apply  func(cfg any)
}

// Terms returns the vocabulary, in the seeds' order.
func Terms() []Term {
	return []Term{
		{
			Name: "big-bang", Strategy: "all-at-once",
			Summary: "everything changes at once, for everyone: all-at-once",
			About: `A big bang deployment switches every user to the new version in one step: nothing runs side by
side, there is no partial exposure, and going back is another big bang. In deploysim it is all-at-once
with its defaults (Elastic Beanstalk AllAtOnce: every instance restarts on the new version at once),
so it costs downtime; set variant: recreate for a Kubernetes Recreate.`,
			Preset: "name: all-at-once",
			apply:  func(any) {},
		},
		{
			Name: "phased-rollout",
			Summary: "the new version reaches one part after another: by Availability Zone or by user cohort " +
				"(name phased-rollout-by-az or phased-rollout-by-cohort)",
			About: `A phased rollout brings the new version to one part of the service after another, watching each
phase before the next. The parts are either places or people:
  phased-rollout-by-az      one Availability Zone at a time: CodeDeploy zonal deployments
  phased-rollout-by-cohort  one cohort of users at a time: a feature flag enabled for growing cohorts
Name one of them in a scenario.`,
		},
		{
			Name: "phased-rollout-by-az", Strategy: "rolling",
			Summary: "one Availability Zone at a time with a monitor duration after each: CodeDeploy zonal deployments",
			About: `A phased rollout by place: CodeDeploy's zonal configuration deploys to one Availability Zone at a
time, half of the zone at a time at most, and watches each zone before the next — 15 minutes after the
first, 5 after the others. A bad release detected in the first zone reaches a third of a three-zone
fleet. It is rolling variant codedeploy with zonal_config; override any of its fields.`,
			Preset: `name: rolling
variant: codedeploy
deployment_config: CodeDeployDefault.HalfAtATime
zonal_config:
  first_zone_monitor_duration: 15m
  monitor_duration: 5m
  minimum_healthy_hosts_per_zone: {type: FLEET_PERCENT, value: 50}`,
			apply: func(cfg any) {
				c := cfg.(*RollingConfig)
				c.Variant = "codedeploy"
				c.DeploymentConfig = "CodeDeployDefault.HalfAtATime"
				c.ZonalConfig = &ZonalConfig{
					FirstZoneMonitorDuration:   new(15 * time.Minute),
					MonitorDuration:            5 * time.Minute,
					MinimumHealthyHostsPerZone: &MinimumHealthyHosts{Type: "FLEET_PERCENT", Value: 50},
				}
			},
		},
		{
			Name: "phased-rollout-by-cohort", Strategy: "feature-toggle",
			Summary: "growing cohorts of users get the new behaviour, each watched before the next: a feature flag",
			About: `A phased rollout by people: the code ships dark to every instance, then a feature flag is enabled
for 10 %, 25 %, 50 % and finally all users, 30 minutes apart. A cohort only grows — its users keep the
new behaviour — and going back is the flag off, without a redeploy. It is feature-toggle with those
steps; the scenario's deployment.flag names the flag and the version's flag_error_rate what the new
code path does.`,
			Preset: `name: feature-toggle
steps: [10, 25, 50, 100]
step_interval: 30m`,
			apply: func(cfg any) {
				c := cfg.(*FeatureToggleConfig)
				c.Steps = []float64{10, 25, 50, 100}
				c.StepInterval = 30 * time.Minute
			},
		},
		{
			Name: "parallel-adoption", Strategy: "ab-test",
			Summary: "both versions serve side by side, half the users each, for a long time before one is kept: ab-test",
			About: `In a parallel adoption the old and the new version run side by side for a long time — half the users
on each — until the new one has proven itself (or not), and only then is the old one retired. Two full
fleets cost twice, and both versions must work with one database and one set of users. It is ab-test
at weight 50 for 4 hours behind Route 53 weighted records, judged at the end.`,
			Preset: `name: ab-test
weight: 50
duration: 4h`,
			apply: func(cfg any) {
				c := cfg.(*ABTestConfig)
				c.Weight = 50
				c.Duration = 4 * time.Hour
			},
		},
	}
}

// term finds a term by name.
func term(name string) (Term, bool) {
	for _, t := range Terms() {
		if t.Name == name {
			return t, true
		}
	}
	return Term{}, false
}

// termSpec makes a term a strategy of the catalogue's shape: its New
// applies the preset, then the user's fields, to the strategy it maps to.
func termSpec(t Term) Spec {
	sp := Spec{Name: t.Name, Summary: t.Summary}
	if t.Strategy == "" {
		sp.Explain = t.About + "\n"
		sp.New = func(func(any) error) (Strategy, error) {
			return nil, fmt.Errorf("%s: %s", t.Name, strings.ReplaceAll(strings.TrimSpace(t.Summary), "\n", " "))
		}
		return sp
	}
	target, err := Lookup(t.Strategy)
	if err != nil {
		panic(err) // the vocabulary names catalogue strategies (tested)
	}
	sp.Explain = t.About + "\n\nMaps to:\n" + indent(t.Preset) + "\nAny field of " + t.Strategy +
		" may be set next to name: " + t.Name + ". " + t.Strategy + " explained:\n\n" + target.Explain
	sp.Differs = target.Differs
	sp.New = func(decode func(any) error) (Strategy, error) {
		s, err := target.New(func(cfg any) error {
			t.apply(cfg)
			if decode != nil {
				return decode(cfg)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", t.Name, t.Strategy, err)
		}
		return s, nil
	}
	return sp
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// Vocabulary returns the terms as strategies a scenario can name (terms
// with several meanings left out), sorted as Terms.
func Vocabulary() []Spec {
	var out []Spec
	for _, t := range Terms() {
		if t.Strategy != "" {
			out = append(out, termSpec(t))
		}
	}
	return out
}
