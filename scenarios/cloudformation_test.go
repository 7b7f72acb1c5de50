package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios/importer"
)

// webTier is the realistic template of the importer's testdata: an Auto
// Scaling group under an AutoScalingRollingUpdate behind an ALB, a Route 53
// record, a CodeDeploy deployment group with a zonal configuration and
// CloudWatch alarms.
const webTier = "importer/testdata/cloudformation-web-tier.yaml"

// importTemplate imports a template as `deploysim import cloudformation`
// does and returns the scenario YAML it prints.
func importTemplate(t *testing.T, path string, params map[string]string) []byte {
	t.Helper()
	b, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := importer.ImportWith(importer.CloudFormation, importer.Options{Params: params}, importer.Source{File: path, Src: b})
	if err != nil {
		t.Fatal(err)
	}
	y, err := r.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// TestCloudFormationWebTierEndToEnd imports the web tier and simulates
// both of its deployments — the stack update of the launch template
// (AutoScalingRollingUpdate) and an application release through the
// CodeDeploy deployment group (zonal) — for a healthy and a bad release.
func TestCloudFormationWebTierEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the imported scenario")
	}
	src := importTemplate(t, webTier, nil)
	run := func(extra string) *Report {
		sc, err := Parse("web-tier.yaml", append(append([]byte{}, src...), extra...))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sc.Run(context.Background(), Options{Replications: 4, Workers: 2})
		if err != nil {
			t.Fatalf("seed %d: %v", sc.Seed, err)
		}
		return rep
	}
	figures := func(what string, rep *Report) {
		for _, s := range rep.Results {
			m := s.Metrics
			t.Logf("%s %-19s outcomes %v; deploy %.0f s, downtime %.1f s, availability %.5f, capacity floor %.2f, peak %.1f instances, exposure %.3f, detection %.0f s, rollback %.0f s",
				what, s.Label, s.Outcomes, m["deploy_duration_s"].Mean, m["downtime_s"].Mean, m["availability"].Mean,
				m["capacity_floor"].Mean, m["peak_instances"].Mean, m["exposure"].Mean, m["detection_s"].Mean, m["rollback_s"].Mean)
		}
	}
	healthy := run("")
	figures("healthy", healthy)
	group, cd := healthy.Results[0], healthy.Results[1]
	if group.Label != "WebGroup" || cd.Label != "WebDeploymentGroup" {
		t.Fatalf("labels %s, %s: want the template's logical IDs", group.Label, cd.Label)
	}
	for _, s := range healthy.Results {
		if s.Outcomes["succeeded"] != 1 {
			t.Errorf("healthy release, %s: outcomes %v, want every run succeeded (reasons %v)", s.Label, s.Outcomes, s.Reasons)
		}
	}
	// Desired 6 in prod, MinInstancesInService 5, MaxBatchSize 2, MaxSize
	// 12: the group is raised to 7 for the update, then three batches of
	// two, each waiting for its cfn-signals (boots of 5 m ± 1 m).
	if p := group.Metrics["peak_instances"].Mean; p < 7 || p > 9 {
		t.Errorf("WebGroup: peak %.1f instances, want the temporary capacity 7 (+ a batch draining)", p)
	}
	if d := group.Metrics["deploy_duration_s"].Mean; d < 4*4*60 {
		t.Errorf("WebGroup: %.0f s, want four waits for boots of about 5 m", d)
	}
	// Zone by zone: 15 m after the first zone, 5 m after the second.
	if d := cd.Metrics["deploy_duration_s"].Mean; d < 20*60 {
		t.Errorf("WebDeploymentGroup: %.0f s, want at least the 20 m of monitor durations", d)
	}

	bad := run("versions:\n  v2: {error_rate: 20%}\n")
	figures("bad", bad)
	cdBad := bad.Results[1]
	if cdBad.Outcomes["rolled_back"] != 1 || reasonRuns(cdBad, "alarm", "shop-web-target-5xx") != 4 {
		t.Errorf("bad release through CodeDeploy: outcomes %v reasons %v, want rolled back on the template's 5xx alarm", cdBad.Outcomes, cdBad.Reasons)
	}
	// The alarm fires during zone a's monitor duration: at most that
	// zone's share of the traffic reached v2.
	if e := cdBad.Metrics["exposure"].Mean; e > 0.34 {
		t.Errorf("bad release through CodeDeploy: exposure %.3f, want at most zone a's third", e)
	}
	if o := bad.Results[0].Outcomes["succeeded"]; o == 1 {
		t.Errorf("bad release through the stack update: every run succeeded; the person on call must roll some back")
	}
}

// reasonRuns counts the runs a trigger of kind and name stopped.
func reasonRuns(s *Summary, kind, name string) int {
	for _, r := range s.Reasons {
		if r.Trigger == kind && r.Name == name {
			return r.Runs
		}
	}
	return 0
}

// TestCloudFormationRoundTrip: the imported web tier and the scenario a
// user would write by hand for it give the same results.
func TestCloudFormationRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates both scenarios")
	}
	const byHand = `
world:
  instances: 6
  asg: {health_check_type: ELB, health_check_grace_period: 5m}
  dns: {ttl: 60s}
  traffic: {timeout: 60s}
  lb:
    algorithm: least_outstanding_requests
    deregistration_delay: 60s
    health_check: {interval: 15s, timeout: 5s, healthy_threshold: 3, unhealthy_threshold: 2}
alarms:
  - {name: shop-web-target-5xx, metric: errors, comparison: ">", threshold: 100, period: 1m, evaluation_periods: 2, datapoints_to_alarm: 2, treat_missing_data: notBreaching}
  - {name: shop-web-p99, metric: latency_p99, comparison: ">", threshold: 1500, period: 1m, evaluation_periods: 3}
strategies:
  - name: rolling
    label: WebGroup
    variant: cloudformation
    max_batch_size: 2
    min_instances_in_service: 5
    max_size: 12
    wait_on_resource_signals: true
    pause_time: 12m
    suspend_processes: [HealthCheck, ReplaceUnhealthy, AZRebalance, AlarmNotification, ScheduledActions]
  - name: rolling
    label: WebDeploymentGroup
    variant: codedeploy
    minimum_healthy_hosts: {type: FLEET_PERCENT, value: 50}
    zonal_config:
      first_zone_monitor_duration: 15m
      monitor_duration: 5m
      minimum_healthy_hosts_per_zone: {type: HOST_COUNT, value: 1}
    rollback: {alarms: [shop-web-target-5xx]}
versions:
  v2: {error_rate: 2%}
`
	measure := func(src []byte) []byte {
		sc, err := Parse("x.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := sc.Run(context.Background(), Options{Replications: 2, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		var out []any
		for _, s := range rep.Results {
			out = append(out, []any{s.Label, s.Metrics, s.Outcomes, s.FailedByCause, s.Reasons})
		}
		b, _ := json.Marshal(out)
		return b
	}
	imported := measure(append(importTemplate(t, webTier, nil), "versions:\n  v2: {error_rate: 2%}\n"...))
	hand := measure([]byte(byHand))
	if !bytes.Equal(imported, hand) {
		t.Errorf("imported and hand-written scenarios differ:\n%s\n%s", imported, hand)
	}
}

// TestCloudFormationFromFile: a strategy block imports the template's
// first deployment, says the template holds more, and reports the world
// settings it cannot hold.
func TestCloudFormationFromFile(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(webTier)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	scen := "strategies:\n  - from_file: {kind: cloudformation, path: web.yaml, params: {Environment: staging, DesiredCapacity: \"3\"}}\n"
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte(scen), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := LoadFile(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Strategies[0]
	if st.Name != "rolling" || st.Values["variant"] != "cloudformation" || st.Values["min_instances_in_service"] != 1 || st.Values["max_size"] != 4 {
		t.Errorf("imported block %s %v: want the staging stack update (minimum 1, MaxSize 4)", st.Name, st.Values)
	}
	all := strings.Join(sc.Warnings, "\n")
	for _, want := range []string{"the template holds 2 deployments", "instances: 3", "Resources.CodeDeployRole"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

// TestPlanOfTheWebTier pins the plan of the imported web tier
// (testdata/golden/plan-cloudformation-web-tier.txt; refresh with
// -update).
func TestPlanOfTheWebTier(t *testing.T) {
	sc, err := Parse("cloudformation-web-tier", importTemplate(t, webTier, nil))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := sc.Plan()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePlan(&b, sc, plans); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "plan-cloudformation-web-tier.txt")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scenarios -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("plan differs from %s:\n%s", path, b.String())
	}
}

// TestVocabularyInAScenario: a scenario names the seeds' terms; each runs
// as the strategy it maps to, with the user's fields over the preset.
func TestVocabularyInAScenario(t *testing.T) {
	sc := parse(t, `
replications: 1
world: {instances: 6, traffic: {rate: 40, users: 1000}}
strategies:
  - big-bang
  - {name: phased-rollout-by-az, zonal_config: {first_zone_monitor_duration: 2m}, rollback: {bake_time: 1m}}
  - {name: parallel-adoption, duration: 10m, traffic_routing: alb, rollback: {bake_time: 1m}}
`)
	if got := []string{sc.Strategies[0].Label, sc.Strategies[1].Label, sc.Strategies[2].Label}; strings.Join(got, ",") != "big-bang,phased-rollout-by-az,parallel-adoption" {
		t.Fatalf("labels %v", got)
	}
	runEach(t, sc, "phased-rollout-by-az", func(_ int, r *models.Result) {
		if r.Outcome.String() != "succeeded" {
			t.Fatalf("phased-rollout-by-az: %v (%s)", r.Outcome, r.Reason)
		}
		var first, second time.Duration
		for _, m := range r.Marks {
			switch {
			case strings.HasPrefix(m.Text, "monitor zone a for 2m0s"):
				first = m.At
			case strings.HasPrefix(m.Text, "zone b (2/3)"):
				second = m.At
			}
		}
		if first == 0 || second-first != 2*time.Minute {
			t.Errorf("phased-rollout-by-az: zone b %v after zone a's monitor, want the overridden 2 m", second-first)
		}
	})
	runEach(t, sc, "parallel-adoption", func(_ int, r *models.Result) {
		// Half the traffic on each version for the 10 minutes (1 s
		// buckets; the binomial spread of a share of 40 requests a
		// second is 8 %, so 4 standard deviations is 0.32).
		side := 0
		for _, p := range r.Timeline.Points {
			if math.Abs(p.PerVersion[1].Share-0.5) < 0.32 && p.Requests > 0 {
				side++
			}
		}
		if side < 9*60 {
			t.Errorf("parallel-adoption: %d s with both versions sharing the traffic, want about the 10 m experiment", side)
		}
	})
	if _, err := Parse("x.yaml", []byte("strategies: [phased-rollout]\n")); err == nil ||
		!strings.Contains(err.Error(), "phased-rollout-by-az") || !strings.Contains(err.Error(), "phased-rollout-by-cohort") {
		t.Errorf("naming phased-rollout: %v, want an error naming both kinds", err)
	}
}
