package strategies_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/strategies"
)

func ssm(set func(*strategies.SystemsManagerConfig)) func(any) {
	return func(c any) {
		sc := c.(*strategies.SystemsManagerConfig)
		sc.Rollback.Human.Disabled = true
		set(sc)
	}
}

// deployWorld is deploy with a hook on the world before the deployment
// (faults).
func deployWorld(t *testing.T, cfg models.Config, seed uint64, s strategies.Strategy, before func(w *models.World)) models.Result {
	t.Helper()
	w, err := models.New(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before(w)
	r, err := w.Deploy(context.Background(), models.Deployment{Strategy: s, To: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inFlight reads "n in flight" from an invocation mark.
func inFlight(t *testing.T, text string) int {
	var k, n, m int
	if _, err := fmt.Sscanf(text[strings.Index(text, "("):], "(%d/%d, %d in flight)", &k, &n, &m); err != nil {
		t.Fatalf("mark %q: %v", text, err)
	}
	return m
}

// TestSystemsManagerRampAndMaxConcurrency: the first invocation goes
// alone; the window doubles up to MaxConcurrency 4 and never exceeds it.
func TestSystemsManagerRampAndMaxConcurrency(t *testing.T) {
	cfg := smallConfig()
	cfg.Instances = 12
	s := build(t, "systems-manager", ssm(func(sc *strategies.SystemsManagerConfig) {
		sc.Operation, sc.MaxConcurrency = "command", "4"
	}))
	r := deploy(t, cfg, 1, s, models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	var invokes []models.Mark
	for _, m := range r.Marks {
		if strings.HasPrefix(m.Text, "invoke on") {
			invokes = append(invokes, m)
		}
	}
	if len(invokes) != 12 {
		t.Fatalf("seed 1: %d invocations, want 12\n%s", len(invokes), describe(r))
	}
	peak := 0
	for _, m := range invokes {
		peak = max(peak, inFlight(t, m.Text))
	}
	if peak != 4 {
		t.Errorf("seed 1: at most %d in flight, want MaxConcurrency 4", peak)
	}
	// The second waits for the first to finish (install 20 s + start 15 s).
	if d := invokes[1].At - invokes[0].At; d < 20*time.Second {
		t.Errorf("seed 1: the second invocation followed the first after %v, want after its completion", d)
	}
}

// TestSystemsManagerMaxErrorsStops: half the invocations fail at Install;
// with MaxErrors 1 the command stops sending after the second error and
// the invocations in flight complete; the rest keep the old version.
func TestSystemsManagerMaxErrorsStops(t *testing.T) {
	cfg := smallConfig()
	s := build(t, "systems-manager", ssm(func(sc *strategies.SystemsManagerConfig) {
		sc.Operation, sc.MaxConcurrency, sc.MaxErrors = "command", "3", "1"
	}))
	r := deployWorld(t, cfg, 1, s, func(w *models.World) {
		if err := w.SetHookFailure("Install", 0.5); err != nil {
			t.Fatal(err)
		}
	})
	if r.Outcome != strategies.Failed || !strings.Contains(r.Reason, "MaxErrors 1 exceeded") {
		t.Fatalf("seed 1: want failed on MaxErrors\n%s", describe(r))
	}
	stop := marksWith(r, "errors (2) exceed MaxErrors (1)")
	if len(stop) != 1 {
		t.Fatalf("seed 1: want one stop mark at the second error\n%s", describe(r))
	}
	for _, at := range marksWith(r, "invoke on") {
		if at > stop[0] {
			t.Errorf("seed 1: an invocation started at %v, after the stop at %v", at, stop[0])
		}
	}
	last := r.Timeline.Points[len(r.Timeline.Points)-1]
	if last.PerVersion[0].InService == 0 {
		t.Errorf("seed 1: want targets left on v1 after the stop\n%s", describe(r))
	}
}

// patchWindow is a daily window at 00:00 for 2 h with a 1 h cutoff.
func patchWindow(behavior string) *strategies.MaintenanceWindow {
	return &strategies.MaintenanceWindow{Schedule: "cron(0 0 * * ? *)", Duration: 2 * time.Hour, Cutoff: time.Hour, CutoffBehavior: behavior}
}

// TestSystemsManagerCutoffLeavesMixedVersions: patching 12 instances one
// at a time, each install 10 m and reboot 2 m, cannot finish in the
// window's first hour. With CANCEL_TASK no invocation starts after the
// cutoff and the fleet stays on mixed versions; with CONTINUE_TASK the
// command runs on and patches every instance. Each reboot is downtime for
// its instance: requests sent to it are refused until its health checks
// fail.
func TestSystemsManagerCutoffLeavesMixedVersions(t *testing.T) {
	cfg := smallConfig()
	cfg.Instances = 12
	for i := range cfg.Versions {
		if cfg.Versions[i].Name == "v2" {
			cfg.Versions[i].InstallTime = models.Dist{Mean: 10 * time.Minute}
			cfg.Versions[i].StartTime = models.Dist{Mean: 2 * time.Minute}
		}
	}
	run := func(behavior string) models.Result {
		s := build(t, "systems-manager", ssm(func(sc *strategies.SystemsManagerConfig) {
			sc.MaxConcurrency, sc.MaintenanceWindow = "1", patchWindow(behavior)
		}))
		return deploy(t, cfg, 1, s, models.Deployment{})
	}
	cancel := run("CANCEL_TASK")
	if cancel.Outcome != strategies.Failed || !strings.Contains(cancel.Reason, "cutoff at 01:00") {
		t.Fatalf("seed 1: want failed at the cutoff\n%s", describe(cancel))
	}
	for _, at := range marksWith(cancel, "invoke on") {
		if at >= time.Hour {
			t.Errorf("seed 1: invocation started at %v, after the 01:00 cutoff", at)
		}
	}
	last := cancel.Timeline.Points[len(cancel.Timeline.Points)-1]
	if last.PerVersion[0].InService == 0 || last.PerVersion[1].InService == 0 {
		t.Errorf("seed 1: want mixed versions left, got v1 %d v2 %d", last.PerVersion[0].InService, last.PerVersion[1].InService)
	}
	if cancel.FailedByCause["refused"] == 0 {
		t.Errorf("seed 1: reboots refused no request; a rebooting instance behind the load balancer must")
	}

	cont := run("CONTINUE_TASK")
	if cont.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: CONTINUE_TASK: want succeeded\n%s", describe(cont))
	}
	inv := marksWith(cont, "invoke on")
	if len(inv) != 12 || inv[len(inv)-1] < time.Hour {
		t.Errorf("seed 1: CONTINUE_TASK: want 12 invocations, the last after the cutoff; got %d", len(inv))
	}
}

// TestSystemsManagerWaitsForTheWindow: a window opening at 01:00 holds the
// command until then (the deployment starts at 00:02), as waiting time.
func TestSystemsManagerWaitsForTheWindow(t *testing.T) {
	cfg := smallConfig()
	s := build(t, "systems-manager", ssm(func(sc *strategies.SystemsManagerConfig) {
		sc.Operation, sc.MaxConcurrency = "command", "50%"
		sc.MaintenanceWindow = &strategies.MaintenanceWindow{Schedule: "cron(0 1 * * ? *)", Duration: 2 * time.Hour}
	}))
	r := deploy(t, cfg, 1, s, models.Deployment{})
	if r.Outcome != strategies.Succeeded {
		t.Fatalf("seed 1: want succeeded\n%s", describe(r))
	}
	inv := marksWith(r, "invoke on")
	if len(inv) == 0 || inv[0] < time.Hour {
		t.Errorf("seed 1: first invocation at %v, want at the 01:00 opening", inv)
	}
	if r.Metrics.DeployWaiting < 57*60 {
		t.Errorf("seed 1: %.0f s waiting, want the 58 m until the window", r.Metrics.DeployWaiting)
	}
}
