package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// SystemsManagerConfig configures systems-manager: a Systems Manager Run
// Command or Automation sent to every instance of the fleet with rate
// controls, optionally as a maintenance window task.
type SystemsManagerConfig struct {
	// Operation is patch (default: Patch Manager's AWS-RunPatchBaseline
	// with RebootIfNeeded — the new version is installed while the
	// application serves, then the instance reboots) or command (a script
	// such as AWS-RunShellScript that stops the application, installs the
	// new version and starts it again, under traffic).
	Operation string `yaml:"operation"`
	// MaxConcurrency is a count ("10") or a percentage of the targets
	// ("25%"): 50. The first invocation goes alone, then two, then four,
	// doubling up to it.
	MaxConcurrency string `yaml:"max_concurrency"`
	// MaxErrors is a count or a percentage: 0. Once more invocations have
	// failed, no new target gets the command; those in flight complete.
	MaxErrors string `yaml:"max_errors"`
	// MaintenanceWindow runs the command as a task of a maintenance
	// window (nil: at once).
	MaintenanceWindow *MaintenanceWindow `yaml:"maintenance_window"`
	Rollback          Rollback           `yaml:"rollback"`
}

// MaintenanceWindow is a Systems Manager maintenance window and the
// task's cutoff behaviour. The simulated clock starts at midnight.
type MaintenanceWindow struct {
	// Schedule: cron(M H * * ? *) daily, cron(M * * * ? *) hourly or
	// rate(N minutes|hours|days).
	Schedule string `yaml:"schedule"`
	// Duration of the window, whole hours 1–24.
	Duration time.Duration `yaml:"duration"`
	// Cutoff: no task starts in the last Cutoff of the window, whole
	// hours 0–23, less than Duration.
	Cutoff time.Duration `yaml:"cutoff"`
	// CutoffBehavior is the task's: CONTINUE_TASK (default: a running
	// task runs on, past the cutoff and the window) or CANCEL_TASK (at the
	// cutoff no new invocation starts; those running finish).
	CutoffBehavior string `yaml:"cutoff_behavior"`
}

type systemsManager struct {
	cfg            SystemsManagerConfig
	conc, errs     plan.RateValue
	window         *plan.MaintenanceWindow
	cancelAtCutoff bool
}

// defaultSSMTimeout stands for the documents' executionTimeout (3600 s):
// how long an invocation may run.
const defaultSSMTimeout = time.Hour

func newSystemsManager(c SystemsManagerConfig) (Strategy, error) {
	s := &systemsManager{conc: plan.DefaultMaxConcurrency, errs: plan.DefaultMaxErrors}
	switch c.Operation {
	case "":
		c.Operation = "patch"
	case "patch", "command":
	default:
		return nil, fmt.Errorf("operation %q: allowed patch, command", c.Operation)
	}
	var err error
	if c.MaxConcurrency != "" {
		if s.conc, err = plan.ParseRateValue("max_concurrency", c.MaxConcurrency, 1); err != nil {
			return nil, err
		}
	}
	if c.MaxErrors != "" {
		if s.errs, err = plan.ParseRateValue("max_errors", c.MaxErrors, 0); err != nil {
			return nil, err
		}
	}
	if mw := c.MaintenanceWindow; mw != nil {
		sched, err := plan.ParseSchedule(mw.Schedule)
		if err != nil {
			return nil, fmt.Errorf("maintenance_window.schedule: %w", err)
		}
		w := plan.MaintenanceWindow{Schedule: sched, Duration: mw.Duration, Cutoff: mw.Cutoff}
		if err := w.Validate(); err != nil {
			return nil, fmt.Errorf("maintenance_window: %w", err)
		}
		s.window = &w
		switch plan.CutoffBehavior(mw.CutoffBehavior) {
		case "", plan.ContinueTask:
		case plan.CancelTask:
			s.cancelAtCutoff = true
		default:
			return nil, fmt.Errorf("maintenance_window.cutoff_behavior %q: allowed CONTINUE_TASK, CANCEL_TASK", mw.CutoffBehavior)
		}
	}
	// Systems Manager rolls nothing back and has no bake; an invocation
	// may run for its execution timeout.
	if c.Rollback.BakeTime == nil {
		c.Rollback.BakeTime = new(time.Duration(0))
	}
	if c.Rollback.ProgressDeadline == 0 {
		c.Rollback.ProgressDeadline = defaultSSMTimeout
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	s.cfg = c
	return s, nil
}

func (s *systemsManager) Name() string { return "systems-manager" }

// Run sends the command to every instance of the live group, oldest
// first, under the rate controls: at most MaxConcurrency invocations at
// once (ramping up 1, 2, 4, …), no new invocation once errors exceed
// MaxErrors, none after a CANCEL_TASK window's cutoff. Systems Manager
// has no rollback: a trigger (a person, an alarm of the command's alarm
// configuration) cancels the command — no new invocations, those in
// flight complete — and the fleet stays as it is, on mixed versions.
func (s *systemsManager) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	g := env.Target.Group
	r.w.watchGroup(g)
	ins, err := r.live(g)
	if err != nil {
		return failed(err)
	}
	targets := ids(ins, "")
	maxConc, maxErr := plan.SSMMaxConcurrency(s.conc, len(targets)), plan.SSMMaxErrors(s.errs, len(targets))
	cutoff := time.Duration(-1)
	if s.window != nil {
		run := s.window.NextRun(env.Clock.Now())
		if wait := run.Start - env.Clock.Now(); wait > 0 {
			r.phasef("waiting for the maintenance window %s (opens at %s)", s.window.Schedule.Expr, clock(run.Start))
			if a := r.wait(wait); a != nil {
				return r.stopped(a, 0, n)
			}
		}
		r.phasef("maintenance window open until %s (cutoff %s)", clock(run.End), clock(run.Cutoff))
		if s.cancelAtCutoff {
			cutoff = run.Cutoff
		}
	}
	if a := r.migrate(); a != nil {
		return r.finish(a, func() error { return nil })
	}
	// Instances the group launches from now on get the new version (an
	// updated image or user data), so that the fleet converges.
	if a := r.launchVersion(g, env.Target.To); a != nil {
		return r.finish(a, func() error { return nil })
	}
	r.phasef("send %s to %d targets: MaxConcurrency %v (%d), MaxErrors %v (%d)", s.cfg.Operation, len(targets), s.conc, maxConc, s.errs, maxErr)
	st := r.rateControlled(targets, env.Target.To, ssmOptions(s.cfg.Operation), maxConc, maxErr, cutoff)
	switch {
	case st.trigger != nil:
		return r.stopped(st.trigger, st.done, len(targets))
	case st.errors > maxErr:
		return Result{Outcome: Failed, Trigger: Trigger{Kind: TriggerLifecycle, Name: "MaxErrors"},
			Reason: fmt.Sprintf("MaxErrors %v exceeded: %d of %d invocations failed, %d targets not sent",
				s.errs, st.errors, st.done, len(targets)-st.done)}
	case st.cut:
		return Result{Outcome: Failed, Trigger: Trigger{Kind: TriggerDeadline, Name: "maintenance window cutoff"},
			Reason: fmt.Sprintf("maintenance window cutoff at %s: %d of %d targets not started (CANCEL_TASK); they wait for the next window",
				clock(cutoff), len(targets)-st.done, len(targets))}
	case st.errors > 0:
		env.Log.Note(fmt.Sprintf("%d invocation(s) failed, within MaxErrors %v", st.errors, s.errs))
	}
	if a := r.bake(); a != nil {
		return r.stopped(a, len(targets), len(targets))
	}
	if st.errors > 0 {
		// The command succeeded as Systems Manager counts it, but the
		// failed targets keep the old version.
		return Result{Outcome: Failed, Trigger: Trigger{Kind: TriggerLifecycle, Name: "failed invocations"},
			Reason: fmt.Sprintf("%d invocation(s) failed within MaxErrors %v: their instances keep %s", st.errors, s.errs, env.Target.From)}
	}
	return Result{Outcome: Succeeded}
}

func ssmOptions(op string) DeployOptions {
	return DeployOptions{Reboot: op == "patch"}
}

// stopped ends a Systems Manager run that a trigger cancelled: nothing is
// rolled back.
func (r *runner) stopped(a *abort, sent, targets int) Result {
	if a.fired {
		r.env.Log.Note("command cancelled: " + a.reason + "; Systems Manager rolls nothing back")
	}
	return Result{Outcome: Failed, Trigger: a.trigger, Reason: fmt.Sprintf("%s (%d of %d targets sent)", a.reason, sent, targets)}
}

// rateStatus is how a rate-controlled command ended.
type rateStatus struct {
	done, errors int
	cut          bool   // stopped at the window's cutoff
	trigger      *abort // cancelled by a trigger or a deadline
}

// rateControlled runs one invocation per target as Systems Manager's rate
// controls do and waits for those in flight. cutoff ≥ 0 stops new
// invocations at that time.
func (r *runner) rateControlled(targets []InstanceID, v Version, o DeployOptions, maxConc, maxErr int, cutoff time.Duration) rateStatus {
	var st rateStatus
	queue := targets
	var running []InstanceID
	stop := false
	note := func(msg string) {
		if !stop {
			stop = true
			r.env.Log.Note(msg)
		}
	}
	a := r.until(fmt.Sprintf("the command on %d targets", len(targets)), func() bool {
		still := running[:0]
		for _, id := range running {
			ds, err := r.env.Agent.DescribeDeploy(id)
			switch {
			case err != nil || ds.State == DeployFailed:
				st.errors++
				st.done++
				r.w.progress()
				if err == nil {
					r.env.Log.Note(fmt.Sprintf("invocation on %v failed at %s: %s", id, ds.Step, ds.Err))
				}
			case ds.State == DeploySucceeded:
				st.done++
				r.w.progress()
			default:
				still = append(still, id)
			}
		}
		running = still
		if plan.SSMStops(st.errors, maxErr) {
			note(fmt.Sprintf("errors (%d) exceed MaxErrors (%d): no new targets; %d invocations in flight complete", st.errors, maxErr, len(running)))
		}
		if cutoff >= 0 && r.env.Clock.Now() >= cutoff && len(queue) > 0 && !stop {
			st.cut = true
			note(fmt.Sprintf("maintenance window cutoff: no new invocations; %d in flight complete", len(running)))
		}
		for !stop && len(queue) > 0 && len(running) < plan.SSMWindow(maxConc, st.done) {
			id := queue[0]
			queue = queue[1:]
			if err := r.env.Agent.StartDeploy(id, v, o); err != nil {
				// The instance is gone (the group replaced it): it is no
				// longer a target.
				r.env.Log.Note(fmt.Sprintf("%v: %v: not a target any more", id, err))
				st.done++
				continue
			}
			running = append(running, id)
			r.phasef("invoke on %v (%d/%d, %d in flight)", id, st.done+len(running), len(targets), len(running))
		}
		return len(running) == 0 && (stop || len(queue) == 0)
	})
	if a != nil {
		// Cancelled: invocations in flight complete (no trigger is
		// watched meanwhile: the decision is taken).
		st.trigger = a
		r.rollingBack = true
		_ = r.settleDeploys(running)
	}
	return st
}

// clock renders a time of the simulated day ("02:00", "day 1 02:00").
func clock(d time.Duration) string {
	day := d / (24 * time.Hour)
	d %= 24 * time.Hour
	s := fmt.Sprintf("%02d:%02d", d/time.Hour, d%time.Hour/time.Minute)
	if day > 0 {
		s = fmt.Sprintf("day %d %s", day, s)
	}
	return s
}
