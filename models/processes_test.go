package models

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deploysim/deploysim/strategies"
)

// script is a test controller: the function is the run.
type script func(env strategies.Env) strategies.Result

func (script) Name() string                               { return "test-script" }
func (s script) Run(env strategies.Env) strategies.Result { return s(env) }

func runScript(t *testing.T, cfg Config, f func(w *World, env strategies.Env)) {
	t.Helper()
	w, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.Deploy(context.Background(), Deployment{To: "v2", Settle: time.Second, SettleMax: time.Second,
		Strategy: script(func(env strategies.Env) strategies.Result {
			f(w, env)
			return strategies.Result{Outcome: strategies.Succeeded}
		})})
	if err != nil {
		t.Fatal(err)
	}
}

func smallWorld() Config {
	cfg := DefaultConfig()
	cfg.Instances = 4
	cfg.Traffic.Rate, cfg.Traffic.Users = 20, 500
	return cfg
}

// live counts a group's pending and in-service instances.
func live(t *testing.T, env strategies.Env, g strategies.GroupID) []strategies.Instance {
	grp, err := env.ASG.DescribeGroup(g)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(grp.Instances, func(in strategies.Instance) bool { return in.State >= strategies.Terminating })
}

// TestSignalsWhenTheApplicationComesUp: a launched instance signals
// success when its application first serves; the instances of the
// initial fleet and unknown IDs have sent nothing.
func TestSignalsWhenTheApplicationComesUp(t *testing.T) {
	cfg := smallWorld()
	cfg.Versions[1].BootTime = Dist{Mean: 3 * time.Minute}
	runScript(t, cfg, func(w *World, env strategies.Env) {
		g := env.Target.Group
		if _, ok := env.Signals.Signal(live(t, env, g)[0].ID); ok {
			t.Errorf("an instance of the initial fleet has signalled")
		}
		if _, ok := env.Signals.Signal(99999); ok {
			t.Errorf("an unknown instance has signalled")
		}
		v := env.Target.To
		start := env.Clock.Now()
		ng, err := env.ASG.CreateGroup(strategies.GroupSpec{Name: "n", Version: v, Desired: 1, Max: 1})
		if err != nil {
			t.Fatal(err)
		}
		env.Clock.Sleep(2 * time.Minute)
		id := live(t, env, ng)[0].ID
		if _, ok := env.Signals.Signal(id); ok {
			t.Errorf("signalled while booting")
		}
		env.Clock.Sleep(2 * time.Minute)
		at, ok := env.Signals.Signal(id)
		if !ok || at-start != 3*time.Minute {
			t.Errorf("signal %v at +%v, want at the end of the 3 m boot", ok, at-start)
		}
	})
}

// TestSuspendProcesses: a suspended Launch launches nothing, a suspended
// ReplaceUnhealthy keeps a dead instance, a suspended AddToLoadBalancer
// leaves a new instance out of the target group; resuming restores each.
func TestSuspendProcesses(t *testing.T) {
	runScript(t, smallWorld(), func(w *World, env strategies.Env) {
		g := env.Target.Group
		if err := env.ASG.SuspendProcesses(g, "Scaling"); err == nil {
			t.Errorf("an unknown process was accepted")
		}
		if err := env.ASG.SuspendProcesses(g, "Launch"); err != nil {
			t.Fatal(err)
		}
		six := 6
		if err := env.ASG.UpdateGroup(g, strategies.GroupUpdate{Desired: &six}); err != nil {
			t.Fatal(err)
		}
		env.Clock.Sleep(time.Minute)
		if n := len(live(t, env, g)); n != 4 {
			t.Errorf("Launch suspended: %d instances, want 4", n)
		}
		if err := env.ASG.SuspendProcesses(g, "AddToLoadBalancer"); err != nil {
			t.Fatal(err)
		}
		if err := env.ASG.ResumeProcesses(g, "Launch"); err != nil {
			t.Fatal(err)
		}
		env.Clock.Sleep(8 * time.Minute)
		ins := live(t, env, g)
		th, _ := env.ELB.DescribeTargetHealth(env.Target.TargetGroup)
		if len(ins) != 6 || len(th) != 4 {
			t.Errorf("AddToLoadBalancer suspended: %d instances, %d targets; want 6 and the 4 registered before", len(ins), len(th))
		}

		if err := env.ASG.SuspendProcesses(g, "ReplaceUnhealthy"); err != nil {
			t.Fatal(err)
		}
		victim := ins[0].ID
		w.die(int32(victim))
		env.Clock.Sleep(2 * time.Minute)
		if !slices.ContainsFunc(live(t, env, g), func(in strategies.Instance) bool { return in.ID == victim }) {
			t.Errorf("ReplaceUnhealthy suspended: the dead instance was replaced")
		}
		if err := env.ASG.ResumeProcesses(g, "ReplaceUnhealthy", "AddToLoadBalancer"); err != nil {
			t.Fatal(err)
		}
		env.Clock.Sleep(time.Minute)
		if slices.ContainsFunc(live(t, env, g), func(in strategies.Instance) bool { return in.ID == victim }) {
			t.Errorf("ReplaceUnhealthy resumed: the dead instance is still in the group")
		}
	})
}

// TestRebootPatch: a reboot patch installs while the application serves,
// then the application is down for the version's start time, still
// registered; it comes back on the new version.
func TestRebootPatch(t *testing.T) {
	cfg := smallWorld()
	cfg.Versions[1].InstallTime = Dist{Mean: 4 * time.Minute}
	cfg.Versions[1].StartTime = Dist{Mean: 2 * time.Minute}
	runScript(t, cfg, func(w *World, env strategies.Env) {
		id := live(t, env, env.Target.Group)[0].ID
		if err := env.Agent.StartDeploy(id, env.Target.To, strategies.DeployOptions{Reboot: true}); err != nil {
			t.Fatal(err)
		}
		state := func() strategies.Instance {
			for _, in := range live(t, env, env.Target.Group) {
				if in.ID == id {
					return in
				}
			}
			t.Fatal("instance gone")
			return strategies.Instance{}
		}
		env.Clock.Sleep(3 * time.Minute)
		if in := state(); !in.Serving || in.Version != env.Target.From {
			t.Errorf("installing: serving %v on %s, want serving the old version", in.Serving, in.Version)
		}
		env.Clock.Sleep(2 * time.Minute) // install done at 4 m (+ hooks): rebooting
		if in := state(); in.Serving {
			t.Errorf("rebooting: still serving")
		}
		th, _ := env.ELB.DescribeTargetHealth(env.Target.TargetGroup)
		if !slices.ContainsFunc(th, func(x strategies.TargetHealth) bool { return x.Instance == id }) {
			t.Errorf("rebooting: deregistered; a patch reboot leaves the target registered")
		}
		env.Clock.Sleep(3 * time.Minute)
		if in := state(); !in.Serving || in.Version != env.Target.To {
			t.Errorf("after the reboot: serving %v on %s, want serving the new version", in.Serving, in.Version)
		}
	})
}
