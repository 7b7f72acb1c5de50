package strategies_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// smallConfig is a fast world: 10 instances at 50 requests per second.
func smallConfig() models.Config {
	cfg := models.DefaultConfig()
	cfg.Traffic.Rate = 50
	cfg.Traffic.Users = 2000
	return cfg
}

// badVersion makes v2 fail 20 % of its requests while passing health
// checks.
func badVersion(cfg *models.Config) {
	for i := range cfg.Versions {
		if cfg.Versions[i].Name == "v2" {
			cfg.Versions[i].ErrorRate = 0.2
		}
	}
}

// build decodes a config with a function that fills cfg via set.
func build(t *testing.T, name string, set func(cfg any)) strategies.Strategy {
	t.Helper()
	sp, err := strategies.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var decode func(any) error
	if set != nil {
		decode = func(c any) error { set(c); return nil }
	}
	s, err := sp.New(decode)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deploy runs s in a world of cfg with seed and returns the result.
func deploy(t *testing.T, cfg models.Config, seed uint64, s strategies.Strategy, d models.Deployment) models.Result {
	t.Helper()
	w, err := models.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	d.Strategy = s
	if d.To == "" {
		d.To = "v2"
	}
	r, err := w.Deploy(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// describe renders a result for failure messages: outcome, reason, the
// key metrics and the marks.
func describe(r models.Result) string {
	var b strings.Builder
	m := r.Metrics
	fmt.Fprintf(&b, "outcome %v (%s)\n deploy %.0fs downtime %.0fs floor %.2f peak %.0f detection %.0fs rollback %.0fs\n",
		r.Outcome, r.Reason, m.DeployDuration, m.Downtime, m.CapacityFloor, m.PeakInstances, m.Detection, m.Rollback)
	for _, mk := range r.Marks {
		fmt.Fprintf(&b, "  %8v %-8s %s\n", mk.At, mk.Kind, mk.Text)
	}
	return b.String()
}

func modelsDeployment(name string) models.Deployment {
	d := models.Deployment{}
	if name == "feature-toggle" {
		d.Flag = "newpath"
	}
	return d
}
