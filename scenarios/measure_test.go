package scenarios

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

// Scenario-level checks that every number and verdict is what the world
// measured. Each runs real controllers on the simulated world and reads the
// measurements; each names the scenario and seed to reproduce a failure.

// runEach runs every replication of the strategy labelled label once and
// hands each full result (timeline included) to f.
func runEach(t *testing.T, sc *Scenario, label string, f func(rep int, r *models.Result)) {
	t.Helper()
	for i := range sc.Strategies {
		st := &sc.Strategies[i]
		if st.Label != label {
			continue
		}
		for rep := range sc.Replications {
			seed := ReplicationSeed(sc.Seed, rep)
			r, err := sc.RunOnce(context.Background(), st, seed)
			if err != nil {
				t.Fatalf("%s/%s world seed %d: %v", sc.Name, label, seed, err)
			}
			f(rep, &r)
		}
		return
	}
	t.Fatalf("%s: no strategy %q", sc.Name, label)
}

func parse(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func builtin(t *testing.T, name string) *Scenario {
	t.Helper()
	sc, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// metric returns a run's metric by its documented name.
func metric(r *models.Result, name string) float64 {
	for k, n := range models.MetricNames {
		if n == name {
			return r.Metrics.Values()[k]
		}
	}
	panic("no metric " + name)
}

// breakingSwitchBack is a blue/green deployment of a release with a
// breaking migration and a bad new version: the alarm fires after the
// switch, and blue/green switches back onto blue, whose code does not work
// with the migrated schema unless the migration is reverted.
const breakingSwitchBack = `
replications: 3
world:
  instances: 8
  traffic: {rate: 80, users: 3000}
  db:
    migrations:
      - {name: rename-column, kind: breaking, duration: 30s}
versions:
  v2: {error_rate: 10%}
alarms:
  - {name: v2-errors, metric: error_rate, version: $to, comparison: ">", threshold: 0.03, period: 1m, evaluation_periods: 2}
deployment: {settle_max: 20m}
strategies:
  - {name: blue-green, label: revert, rollback: {alarms: [v2-errors]}}
  - {name: blue-green, label: no-revert, rollback: {alarms: [v2-errors], revert_migrations: false}}
`

// TestSwitchBackOntoBrokenBlueIsNoRecovery: a switch back onto a blue
// that cannot serve is not a rollback that worked. Before recovery was
// defined by users being served, this was rolled_back with rollback_s =
// 2 while every request failed.
func TestSwitchBackOntoBrokenBlueIsNoRecovery(t *testing.T) {
	sc := parse(t, breakingSwitchBack)
	runEach(t, sc, "no-revert", func(rep int, r *models.Result) {
		if r.Outcome != strategies.RollbackFailed || !strings.Contains(r.Reason, "users not served again") {
			t.Errorf("no-revert replication %d: %v (%s), want rollback_failed: blue fails every request on the new schema", rep, r.Outcome, r.Reason)
		}
		// Users stayed broken from the switch back to the end of the
		// measurement: all of it is downtime and time to recover.
		broken := (r.Timeline.Points[len(r.Timeline.Points)-1].At - r.Timeline.RollbackAt).Seconds()
		if ttr := metric(r, "time_to_recover_s"); ttr < broken {
			t.Errorf("no-revert replication %d: time_to_recover_s %.0f, want at least the %.0f s users stayed broken", rep, ttr, broken)
		}
		if d := metric(r, "downtime_s"); d < broken-sc.SLO.Window.Seconds() {
			t.Errorf("no-revert replication %d: downtime_s %.0f, want at least %.0f", rep, d, broken-sc.SLO.Window.Seconds())
		}
		if !strings.Contains(r.CutOff, "the rollback has not restored service") {
			t.Errorf("no-revert replication %d: cut-off %q, want the unrestored service named", rep, r.CutOff)
		}
	})
	runEach(t, sc, "revert", func(rep int, r *models.Result) {
		// Blue works again only once the down-migration has run.
		var revertDone time.Duration = -1
		for _, m := range r.Marks {
			if m.Kind == "phase" && strings.HasPrefix(m.Text, "revert ") {
				revertDone = m.At
			}
		}
		if r.Outcome != strategies.RolledBack || revertDone < 0 {
			t.Fatalf("revert replication %d: %v (%s), want rolled_back after a revert", rep, r.Outcome, r.Reason)
		}
		rb := metric(r, "rollback_s")
		if min := (revertDone - r.Timeline.RollbackAt).Seconds(); rb < min {
			t.Errorf("revert replication %d: rollback_s %.0f, want at least the %.0f s until the down-migration started", rep, rb, min)
		}
		// At recovery the SLO window's success ratio is back at the floor.
		at := r.Timeline.RollbackAt + time.Duration(rb*float64(time.Second))
		for _, p := range r.Timeline.Points {
			if p.At+r.Timeline.Bucket == at && p.WindowRatio < sc.SLO.AvailabilityFloor {
				t.Errorf("revert replication %d: recovered at %v with the SLO window at %.3f", rep, at, p.WindowRatio)
			}
		}
	})
}

// TestSuccessMeansTheNewVersionServesAll: during an AZ outage the Auto
// Scaling group replaces instances; a deployment that ends with the old
// version still answering is not a success. Before, 3 of 10 rolling runs
// of az-outage-mid-deploy succeeded with v1 answering a third of the
// traffic. The in-place controllers now bring those replacements to the
// new version (as Elastic Beanstalk and CodeDeploy do), so the check is
// exercised with CodeDeploy told to leave outdated instances alone
// (outdatedInstancesStrategy IGNORE): those runs end mixed and must be
// reported failed.
func TestSuccessMeansTheNewVersionServesAll(t *testing.T) {
	src, err := BuiltinSource("az-outage-mid-deploy")
	if err != nil {
		t.Fatal(err)
	}
	const ignore = "  - {name: rolling, label: codedeploy-ignore-outdated, deployment_config: CodeDeployDefault.OneAtATime, outdated_instances_strategy: IGNORE}\n"
	text := strings.Replace(string(src), "faults:", ignore+"faults:", 1)
	sc := parse(t, text)
	mixed := 0
	for _, label := range []string{"rolling", "blue-green", "codedeploy-ignore-outdated"} {
		runEach(t, sc, label, func(rep int, r *models.Result) {
			pts := r.Timeline.Points
			var old int64
			for _, p := range pts[len(pts)-60:] {
				old += p.PerVersion[0].Served
			}
			if r.Outcome == strategies.Succeeded && old > 0 {
				t.Errorf("%s replication %d: succeeded while v1 answered %d requests in the last minute", label, rep, old)
			}
			if strings.HasPrefix(r.Reason, "mixed end state: v1 still answered") {
				mixed++
				if r.Outcome != strategies.Failed || old == 0 {
					t.Errorf("%s replication %d: %v with %d v1 requests at the end (%s)", label, rep, r.Outcome, old, r.Reason)
				}
			}
		})
	}
	if mixed == 0 {
		t.Errorf("%s seed %d: no run ended mixed; the scenario no longer exercises the check", sc.Name, sc.Seed)
	}
}

// TestDetectionFromTheProblemsStart: in capacity-shortage the launch
// failures are in effect from the deployment's start, so the problem a
// progress deadline detects begins there: detection_s is at least the
// deadline, never negative. Before, the fault's end was taken as its start
// and blue-green reported -40 s.
func TestDetectionFromTheProblemsStart(t *testing.T) {
	sc := builtin(t, "capacity-shortage")
	rolledBack := 0
	for _, label := range []string{"immutable", "blue-green"} {
		runEach(t, sc, label, func(rep int, r *models.Result) {
			d := metric(r, "detection_s")
			if r.Timeline.RollbackAt < 0 {
				if !math.IsNaN(d) {
					t.Errorf("%s replication %d: detection_s %v without a rollback", label, rep, d)
				}
				return
			}
			rolledBack++
			want := (r.Timeline.RollbackAt - r.Timeline.DeployAt).Seconds()
			if d != want || d < (10*time.Minute).Seconds() {
				t.Errorf("%s replication %d: detection_s %.0f, want %.0f (the deployment's start, when the shortage was already in effect, to the trigger: at least the 10m deadline)", label, rep, d, want)
			}
			if ttr := metric(r, "time_to_recover_s"); !(ttr >= d) {
				t.Errorf("%s replication %d: time_to_recover_s %v < detection_s %v", label, rep, ttr, d)
			}
		})
	}
	if rolledBack == 0 {
		t.Errorf("%s seed %d: no run rolled back; the scenario no longer exercises detection", sc.Name, sc.Seed)
	}
}

// TestMeasurementOutlastsCachedAnswers: 5 % of clients keep their DNS
// answer for 30 minutes; blue is terminated a minute after the flip. The
// measurement goes on until no cached answer leads to the terminated blue,
// and counts every refusal. Before, the 5-minute settle stopped it with
// 1,611 of about 2,400 failures counted.
func TestMeasurementOutlastsCachedAnswers(t *testing.T) {
	sc := builtin(t, "dns-ttl-early-termination")
	sc.Replications = 2
	runEach(t, sc, "terminate-after-1m", func(rep int, r *models.Result) {
		pts := r.Timeline.Points
		var failed, late int64
		for _, p := range pts {
			if p.At < r.Timeline.DeployAt {
				continue
			}
			failed += p.Failed
			if p.At >= r.Timeline.EndAt+sc.Deployment.Settle {
				late += p.Failed
			}
		}
		if r.CutOff != "" {
			t.Fatalf("replication %d cut off: %s", rep, r.CutOff)
		}
		if float64(failed) != metric(r, "failed_requests") {
			t.Errorf("replication %d: failed_requests %v, the timeline counts %d", rep, metric(r, "failed_requests"), failed)
		}
		if late == 0 {
			t.Errorf("replication %d: no failure after the minimum settle; the clients holding blue's answer failed later", rep)
		}
		for _, p := range pts[len(pts)-int(sc.SLO.Window/r.Timeline.Bucket):] {
			if p.Failed > 0 {
				t.Errorf("replication %d: %d failures at %v, in the last SLO window of a quiet world", rep, p.Failed, p.At)
			}
		}
	})

	// With a cap shorter than the clients' hold time the run is cut short,
	// and says so.
	sc.Deployment.SettleMax = 10 * time.Minute
	sc.Replications = 1
	runEach(t, sc, "terminate-after-1m", func(rep int, r *models.Result) {
		if !strings.Contains(r.CutOff, "cached DNS answers") {
			t.Errorf("capped at 10m: cut-off %q, want the cached DNS answers named", r.CutOff)
		}
		if end := r.Timeline.Points[len(r.Timeline.Points)-1].At + r.Timeline.Bucket; end != r.Timeline.EndAt+10*time.Minute {
			t.Errorf("capped at 10m: measured until %v, want %v", end, r.Timeline.EndAt+10*time.Minute)
		}
	})
	rep, err := sc.Run(context.Background(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Results {
		if s.Label == "terminate-after-1m" && (s.CutOff == nil || s.CutOff.Runs != 1 || s.CutOff.SettleMaxS != 600) {
			t.Errorf("summary cut_off %+v, want 1 run at 600 s", s.CutOff)
		}
	}
}

// TestDeployDurationSplit: the deployment's time splits into active work,
// waiting and termination wait, which add up to deploy_duration_s and can
// be used in thresholds.
func TestDeployDurationSplit(t *testing.T) {
	sc := parse(t, `
replications: 2
world: {instances: 4, traffic: {rate: 20, users: 500}}
strategies:
  - {name: blue-green, termination_wait_time: 15m}
  - {name: rolling, batch_size_type: Fixed, batch_size: 2, rollback: {bake_time: 4m}}
expect:
  - {expr: "mean(deploy_termination_wait_s) == 900 && mean(deploy_waiting_s) == 0", strategies: [blue-green]}
  - {expr: "mean(deploy_waiting_s) == 240 && mean(deploy_termination_wait_s) == 0", strategies: [rolling]}
`)
	rep, err := sc.Run(context.Background(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Results {
		for _, c := range s.Expect {
			if !c.OK {
				t.Errorf("%s: %s: %v %s", s.Label, c.Expr, c.Values, c.Error)
			}
		}
		for k, row := range s.Values {
			get := func(name string) float64 {
				for i, n := range models.MetricNames {
					if n == name {
						return row[i]
					}
				}
				return math.NaN()
			}
			active := get("deploy_active_s")
			if sum := active + get("deploy_waiting_s") + get("deploy_termination_wait_s"); math.Abs(sum-get("deploy_duration_s")) > 1e-9 || active <= 0 {
				t.Errorf("%s replication %d: active %v + waiting + termination wait = %v, deploy_duration_s %v", s.Label, k, active, sum, get("deploy_duration_s"))
			}
		}
	}
}

// TestTimelineBandsAndRefusals: the timeline of the JSON document puts a
// refusal by a terminated environment on the version it ran, and its bands
// cover every replication at a cost per bucket, not per request.
func TestTimelineBandsAndRefusals(t *testing.T) {
	sc := builtin(t, "dns-ttl-early-termination")
	sc.Replications = 2
	rep, err := sc.Run(context.Background(), Options{Workers: 1, Timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Results[1]
	if s.Label != "terminate-after-1m" || s.Timeline == nil {
		t.Fatalf("%s: no timeline", s.Label)
	}
	first, tl := &s.Timeline.First, s.Sample.Timeline
	var deleted float64 = -1
	for _, m := range first.Marks {
		if m.Kind == "elb" && m.Text == "delete alb-0" {
			deleted = m.TS
		}
	}
	if deleted < 0 {
		t.Fatalf("blue's load balancer was never deleted: %+v", first.Marks)
	}
	// Until the rollback redeploys v1, nothing of v1 answers.
	until := math.Inf(1)
	if first.RollbackAtS != nil {
		until = *first.RollbackAtS
	}
	v1 := first.ByVersion["v1"]
	var refused int64
	for k, ts := range first.TS {
		if ts < deleted+1 || ts >= until {
			continue
		}
		var sum int64
		for _, vs := range first.ByVersion {
			sum += vs.Requests[k]
		}
		if sum != first.Requests[k] {
			t.Fatalf("at %v s: %d requests, %d on versions: a refusal counted on no version", ts, first.Requests[k], sum)
		}
		if v1.Served[k] > 0 {
			t.Fatalf("at %v s v1 answered %d requests after blue was deleted", ts, v1.Served[k])
		}
		refused += v1.Requests[k]
		if v1.Failed[k] != v1.Requests[k] {
			t.Fatalf("at %v s: %d of %d requests sent to the deleted blue failed", ts, v1.Failed[k], v1.Requests[k])
		}
	}
	if refused == 0 {
		t.Error("no request of a TTL-ignoring client reached the deleted blue")
	}
	b := &s.Timeline.Bands
	for k := range b.TS {
		for _, g := range [][][]float64{b.Healthy, b.SuccessRatio, b.Share["v2"]} {
			if !(g[0][k] <= g[1][k] && g[1][k] <= g[2][k]) {
				t.Fatalf("bucket %d: quantiles out of order %v %v %v", k, g[0][k], g[1][k], g[2][k])
			}
		}
		if b.Runs[k] < 1 || b.Runs[k] > 2 {
			t.Fatalf("bucket %d: %d runs", k, b.Runs[k])
		}
	}
	if len(b.TS) < len(tl.Points) || len(b.EndAtS) != 2 {
		t.Errorf("bands over %d buckets and %d runs, want at least the first run's %d and 2", len(b.TS), len(b.EndAtS), len(tl.Points))
	}

	// What a replication keeps for the bands depends on its buckets and
	// versions, not on its traffic.
	for _, rate := range []float64{20, 400} {
		c := *sc
		c.Config.Traffic.Rate = rate
		r, err := c.RunOnce(context.Background(), &c.Strategies[1], 1)
		if err != nil {
			t.Fatal(err)
		}
		tr := traceOf(&r)
		if per := 4 * len(tr.values) / len(r.Timeline.Points); per != 4*(len(r.Timeline.Versions)+2) {
			t.Errorf("%v requests/s: %d bytes a bucket, want %d", rate, per, 4*(len(r.Timeline.Versions)+2))
		}
	}
}

func TestSettleLoadErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"deployment: {settle: 10m, settle_max: 5m}\n", "deployment.settle_max: got 5m0s, want at least deployment.settle (10m0s)"},
		{"deployment: {settle: 0s}\n", "deployment.settle: want a positive duration"},
	} {
		if _, err := Parse("x.yaml", []byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestTimelineDeterministicAcrossWorkers: the bands are built in
// replication order, so the document does not depend on the workers.
func TestTimelineDeterministicAcrossWorkers(t *testing.T) {
	sc := builtin(t, "crash-loop")
	one := reportJSON(t, sc, Options{Replications: 3, Workers: 1, Timeline: true})
	two := reportJSON(t, sc, Options{Replications: 3, Workers: 2, Timeline: true})
	if !bytes.Equal(one, two) {
		t.Fatalf("scenario %s seed %d: timelines differ between 1 and 2 workers", sc.Name, sc.Seed)
	}
}
