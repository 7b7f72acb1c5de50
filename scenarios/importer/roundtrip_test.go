package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// handWritten are the strategy blocks a user would write by hand for the
// imported files, from the catalogue's own documentation.
var handWritten = map[string]string{
	"k8s-rolling": `
name: rolling
variant: k8s
max_surge: "2"
max_unavailable: 10%
rollback: {progress_deadline: 5m, progress_deadline_abort: false}`,
	"k8s-recreate": `
name: all-at-once
variant: recreate
rollback: {progress_deadline_abort: false}`,
	"eb-rolling": `
name: rolling
batch_size_type: Percentage
batch_size: 25
rollback: {progress_deadline: 15m}`,
	"eb-trafficsplitting": `
name: traffic-splitting
new_version_percent: 15
evaluation_time: 10m
rollback: {progress_deadline: 10m}`,
	"codedeploy-config": `
name: rolling
variant: codedeploy
minimum_healthy_hosts: {type: FLEET_PERCENT, value: 75}`,
	"codedeploy-ecs-linear": `
name: linear
linear_percentage: 20
linear_interval: 2m`,
	"argo-bluegreen": `
name: blue-green
preview_service: true
auto_promotion_enabled: true
auto_promotion_seconds: 60
scale_down_delay_seconds: 120
pre_promotion_analysis:
  - {name: error-rate, metric: error_rate, count: 2, interval: 30s, failure_condition: "result[0] > 0.05"}
rollback: {progress_deadline_abort: false}`,
	"argo-canary": `
name: canary
traffic_routing: alb
steps:
  - set_weight: 10
  - pause: {duration: 5m}
  - set_weight: 30
  - analysis:
      - {name: p99-latency, metric: latency_p99, interval: 30s, count: 4, failure_limit: 1, success_condition: "result[0] < 500"}
  - set_weight: 60
  - pause: {duration: 2m}
  - set_weight: 100
rollback:
  analysis:
    - {name: success-rate, metric: success_rate, interval: 1m, failure_limit: 3, success_condition: "result[0] >= 0.95"}
  progress_deadline: 10m
  progress_deadline_abort: true`,
	"flagger-canary": `
name: canary
traffic_routing: alb
flagger:
  interval: 1m
  threshold: 5
  max_weight: 50
  step_weight: 10
  metrics:
    - {name: request-success-rate, min: 99, interval: 1m}
    - {name: request-duration, max: 500, interval: 30s}
rollback: {progress_deadline: 5m}`,
	"ecs-canary": `
name: canary
canary_percent: 10
canary_bake_time: 5m
rollback: {bake_time: 15m}`,
}

// build makes a strategy from a block with name: as a scenario would.
func build(t *testing.T, block []byte) strategies.Strategy {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(block, &m); err != nil {
		t.Fatal(err)
	}
	name, _ := m["name"].(string)
	delete(m, "name")
	sp, err := strategies.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sp.New(decodeStrict(t, m))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return st
}

func deploy(t *testing.T, instances int, seed uint64, st strategies.Strategy) models.Result {
	t.Helper()
	cfg := models.DefaultConfig()
	cfg.Traffic.Rate = 50
	cfg.Traffic.Users = 2000
	if instances > 0 {
		cfg.Instances = instances
	}
	for i := range cfg.Versions {
		if cfg.Versions[i].Name == "v2" {
			cfg.Versions[i].ErrorRate = 0.002
		}
	}
	w, err := models.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := w.Deploy(context.Background(), models.Deployment{Strategy: st, To: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRoundTrip imports, runs the imported block (through its YAML, as
// `deploysim import` prints it) and the hand-written one with the same
// seed, and requires identical results.
func TestRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates deployments")
	}
	const seed = 7
	for _, gc := range goldenCases {
		want, ok := handWritten[gc.name]
		if !ok {
			continue
		}
		t.Run(gc.name, func(t *testing.T) {
			r, err := gc.run(t)
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.YAML()
			if err != nil {
				t.Fatal(err)
			}
			n, _ := r.World["instances"].(int)
			got := deploy(t, n, seed, build(t, out))
			ref := deploy(t, n, seed, build(t, []byte(want)))
			if got.Outcome != ref.Outcome || got.Reason != ref.Reason || fmt.Sprintf("%+v", got.Metrics) != fmt.Sprintf("%+v", ref.Metrics) { // NaN-safe
				t.Errorf("seed %d: imported %v (%s) %+v\nhand-written %v (%s) %+v\nimported block:\n%s",
					seed, got.Outcome, got.Reason, got.Metrics, ref.Outcome, ref.Reason, ref.Metrics, out)
			}
			if got.Outcome != strategies.Succeeded {
				t.Logf("seed %d: outcome %v (%s)", seed, got.Outcome, got.Reason)
			}
		})
	}
}

// TestDurationsAsStrings pins the representation: the strategies' configs
// hold time.Duration, which YAML decodes only from strings like "5m".
func TestDurationsAsStrings(t *testing.T) {
	sp, _ := strategies.Lookup("traffic-splitting")
	for _, tc := range []struct {
		in string
		ok bool
	}{{"evaluation_time: 10m", true}, {"evaluation_time: 600", false}} {
		_, err := sp.New(func(c any) error {
			d := yaml.NewDecoder(bytes.NewReader([]byte(tc.in)))
			d.KnownFields(true)
			return d.Decode(c)
		})
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}
