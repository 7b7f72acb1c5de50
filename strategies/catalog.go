package strategies

import (
	"fmt"
	"slices"
	"strings"
)

// Spec describes one strategy of the catalogue.
type Spec struct {
	// Name as users type it: "all-at-once", "rolling", "blue-green", ...
	Name string
	// Summary is one line.
	Summary string
	// Explain is the text of `deploysim explain NAME`: how it works, what
	// it costs, when not to use it, and its config fields with defaults and
	// the source tools' names.
	Explain string
	// Differs lists where the controller still departs from the real
	// tool it is named after: what is simplified or not modelled.
	Differs []string
	// New builds the strategy from its config. decode fills a pointer to
	// the strategy's config struct from the user's YAML block (strictly:
	// unknown fields rejected). decode may be nil: defaults only.
	New func(decode func(cfg any) error) (Strategy, error)
}

// Catalog returns every strategy, sorted by name.
func Catalog() []Spec {
	specs := []Spec{
		spec("all-at-once", "every instance in place at once: downtime; rollback is a redeploy",
			explainAllAtOnce, newAllAtOnce),
		spec("rolling", "in-place batches (EB, CodeDeploy) or replacement within surge/unavailable limits (ECS, Kubernetes)",
			explainRolling, newRolling),
		spec("rolling-with-additional-batch", "EB: launch an extra batch first, keep full capacity, remove it at the end",
			explainAdditionalBatch, newAdditionalBatch),
		spec("immutable", "EB immutable (temporary group: 1, then all) or ASG instance refresh; rollback terminates the new instances",
			explainImmutable, newImmutable),
		spec("traffic-splitting", "EB: a new fleet gets NewVersionPercent of the ALB traffic for EvaluationTime, then all",
			explainTrafficSplitting, newTrafficSplitting),
		spec("blue-green", "a full green fleet, one switch (DNS, CNAME swap, target-group or ASG swap), blue kept for a wait",
			explainBlueGreen, newBlueGreen),
		spec("canary", "weighted steps with pauses and analysis (Argo, Flagger, CodeDeploy/ECS canary)",
			explainCanary, newCanary),
		spec("linear", "equal traffic steps on a timer (CodeDeploy TimeBasedLinear, ECS linear)",
			explainLinear, newLinear),
		spec("ab-test", "a fixed split for a duration, then a statistical comparison decides promote or abort",
			explainABTest, newABTest),
		spec("feature-toggle", "ship the code dark, then enable it for growing user cohorts; rollback is flag off",
			explainToggle, newToggle),
		spec("systems-manager", "Systems Manager Run Command/Automation or Patch Manager across the fleet under MaxConcurrency/MaxErrors, in a maintenance window",
			explainSystemsManager, newSystemsManager),
	}
	for k := range specs {
		specs[k].Differs = differs[specs[k].Name]
	}
	slices.SortFunc(specs, func(a, b Spec) int { return strings.Compare(a.Name, b.Name) })
	return specs
}

// Lookup finds a strategy by name, or a term of the vocabulary (Terms);
// the error lists the allowed names.
func Lookup(name string) (Spec, error) {
	var names []string
	for _, s := range Catalog() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if t, ok := term(name); ok {
		return termSpec(t), nil
	}
	for _, t := range Terms() {
		if t.Strategy != "" {
			names = append(names, t.Name)
		}
	}
	return Spec{}, fmt.Errorf("strategy %q: %w; allowed: %s", name, ErrNotFound, strings.Join(names, ", "))
}

// spec ties a config type C to its constructor: New decodes into a zero C
// and hands it to mk, which applies the defaults and validates.
func spec[C any](name, summary, explain string, mk func(C) (Strategy, error)) Spec {
	return Spec{
		Name: name, Summary: summary, Explain: explain,
		New: func(decode func(cfg any) error) (Strategy, error) {
			var c C
			if decode != nil {
				if err := decode(&c); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
			s, err := mk(c)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return s, nil
		},
	}
}

// MustNew builds a strategy of the catalogue with its defaults; it panics
// on an unknown name (for tests and examples).
func MustNew(name string) Strategy {
	sp, err := Lookup(name)
	if err != nil {
		panic(err)
	}
	s, err := sp.New(nil)
	if err != nil {
		panic(err)
	}
	return s
}
