package scenarios

import (
	"fmt"
	"io"
	"strings"

	"github.com/deploysim/deploysim/strategies"
)

// StrategyPlan is what one strategy of a scenario will do, laid out
// before anything runs.
type StrategyPlan struct {
	Label, Name string
	Preview     strategies.Preview
}

// Plan lays out each strategy of the scenario on the scenario's world,
// from the strategies' resolved configurations (strategies.Previewer):
// nothing is simulated.
func (sc *Scenario) Plan() ([]StrategyPlan, error) {
	f := sc.fleet()
	var out []StrategyPlan
	for i := range sc.Strategies {
		st := &sc.Strategies[i]
		s, err := st.New()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.Label, err)
		}
		pv, ok := s.(strategies.Previewer)
		if !ok {
			return nil, fmt.Errorf("%s: strategy %s cannot lay out its run", st.Label, st.Name)
		}
		p, err := pv.Preview(f)
		if err != nil {
			// The controller refuses such a configuration the same way
			// when it starts: nothing changes.
			p = strategies.Preview{Summary: st.Name, Steps: []strategies.PreviewStep{{Do: "fails before changing anything: " + err.Error()}}}
		}
		out = append(out, StrategyPlan{Label: st.Label, Name: st.Name, Preview: p})
	}
	return out, nil
}

// fleet is the preview's view of the scenario's world.
func (sc *Scenario) fleet() strategies.Fleet {
	f := strategies.Fleet{
		From: strategies.Version(sc.Deployment.From), To: strategies.Version(sc.Deployment.To),
		Instances: sc.Config.Instances, AZs: sc.Config.AZs, Flag: sc.Deployment.Flag,
		Migrations: sc.Deployment.Migrations,
	}
	if f.Migrations == nil {
		for _, m := range sc.Config.DB.Migrations {
			f.Migrations = append(f.Migrations, m.Name)
		}
	}
	return f
}

// WritePlan renders plans as a reviewer reads a change set: per strategy
// the numbered steps with what each waits for, the rollback path and the
// rollback triggers.
func WritePlan(w io.Writer, sc *Scenario, plans []StrategyPlan) error {
	f := sc.fleet()
	var b strings.Builder
	fmt.Fprintf(&b, "Plan of %s: %s → %s on %d instances in %s (nothing is simulated)\n",
		sc.Name, f.From, f.To, f.Instances, strings.Join(f.AZs, ", "))
	for _, p := range plans {
		name := p.Label
		if p.Label != p.Name {
			name += " (" + p.Name + ")"
		}
		fmt.Fprintf(&b, "\n%s — %s\n", name, p.Preview.Summary)
		for k, st := range p.Preview.Steps {
			fmt.Fprintf(&b, "  %2d. %s\n", k+1, st.Do)
			if st.Wait != "" {
				fmt.Fprintf(&b, "      waits: %s\n", st.Wait)
			}
		}
		for _, r := range p.Preview.Rollback {
			fmt.Fprintf(&b, "  rollback: %s\n", r)
		}
		for _, t := range p.Preview.Triggers {
			fmt.Fprintf(&b, "  trigger: %s\n", t)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
