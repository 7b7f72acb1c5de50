package models

import (
	"context"
	"testing"
	"time"

	"github.com/deploysim/deploysim/strategies"
)

// inPlaceAll is a minimal test controller: deploy every instance of the
// live group in place at once, wait, report.
type inPlaceAll struct{ block bool }

func (inPlaceAll) Name() string { return "test-all-at-once" }
func (s inPlaceAll) Run(env strategies.Env) strategies.Result {
	g, err := env.ASG.DescribeGroup(env.Target.Group)
	if err != nil {
		return strategies.Result{Outcome: strategies.Failed, Reason: err.Error()}
	}
	for _, in := range g.Instances {
		if err := env.Agent.StartDeploy(in.ID, env.Target.To, strategies.DeployOptions{BlockTraffic: s.block}); err != nil {
			return strategies.Result{Outcome: strategies.Failed, Reason: err.Error()}
		}
	}
	for {
		env.Clock.Sleep(5 * time.Second)
		done := 0
		for _, in := range g.Instances {
			st, _ := env.Agent.DescribeDeploy(in.ID)
			if st.State == strategies.DeployFailed {
				return strategies.Result{Outcome: strategies.Failed, Reason: st.Err}
			}
			if st.State == strategies.DeploySucceeded {
				done++
			}
		}
		if done == len(g.Instances) {
			return strategies.Result{Outcome: strategies.Succeeded}
		}
	}
}

func TestSmokeDeploy(t *testing.T) {
	w, err := New(DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := w.Deploy(context.Background(), Deployment{Strategy: inPlaceAll{}, To: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("outcome %v reason %q requests %d events %d", r.Outcome, r.Reason, r.Requests, r.Events)
	names := MetricNames
	for k, v := range r.Metrics.Values() {
		t.Logf("%-22s %v", names[k], v)
	}
	t.Logf("failed by cause %v", r.FailedByCause)
	for _, m := range r.Marks {
		t.Logf("%8v %-8s %s", m.At, m.Kind, m.Text)
	}
}

func TestSnapshot(t *testing.T) {
	w, err := New(DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.RunFor(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	s := w.Snapshot()
	var total int64
	for _, v := range s.Requests {
		for _, n := range v.ByCause {
			total += n
		}
	}
	if total+w.InFlight() != w.Arrived() || total == 0 {
		t.Fatalf("snapshot counts %d ended requests, %d in flight, %d arrived", total, w.InFlight(), w.Arrived())
	}
	if len(s.TargetGroups) != 1 || s.TargetGroups[0].Healthy != 10 || s.Instances[0].InService != 10 {
		t.Fatalf("snapshot of the initial fleet: %+v %+v", s.TargetGroups, s.Instances)
	}
	if len(s.Listeners) != 1 || len(s.DNS) != 1 || s.DNS[0].Weight != 100 {
		t.Fatalf("snapshot routing: %+v %+v", s.Listeners, s.DNS)
	}
}

func TestAlarmExpressions(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Alarms = []AlarmSpec{
		{Name: "bool", Expression: "error_rate > 0.05 && requests > 10", Period: time.Minute},
		{Name: "math", Expression: "100 * errors / requests", Comparison: ">", Threshold: 5, Period: time.Minute},
		{Name: "quiet", Expression: "error_rate > 0.5", Period: time.Minute},
	}
	w, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.bindAlarms("v1", "v2")
	if err := w.RunFor(context.Background(), 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bool", "math", "quiet"} {
		if st, _ := w.alarmState(name); st != strategies.AlarmOK {
			t.Fatalf("%s before the fault: %v, want OK", name, st)
		}
	}
	if err := w.InjectErrors("v1", 0.2); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(context.Background(), 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]strategies.AlarmState{"bool": strategies.InAlarm, "math": strategies.InAlarm, "quiet": strategies.AlarmOK} {
		if st, _ := w.alarmState(name); st != want {
			t.Errorf("%s after 20%% errors: %v, want %v", name, st, want)
		}
	}
	for _, bad := range []string{"eror_rate > 1", `"text"`, "error_rate +", `any([1, 2], {# > error_rate})`, `now().Unix() > 0`} {
		if _, err := CompileAlarmExpression(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}
