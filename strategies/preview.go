package strategies

import (
	"fmt"
	"strings"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// A preview is what a deployment will do, laid out before it runs, as a
// reviewer reads a CloudFormation change set: the steps in order with
// what each waits for, the rollback path and the triggers. It is built
// from the same resolved configuration and planning arithmetic the
// controller runs on, so a preview and a run cannot disagree about batch
// sizes, weights or waits; what the world decides (boot times, failures)
// is named, not guessed.

// Fleet is what a preview knows of the world: the live fleet the
// deployment starts from.
type Fleet struct {
	From, To Version
	// Instances is the live group's desired capacity, spread evenly over
	// AZs in order (as the world places them).
	Instances int
	AZs       []string
	// MaxSize is the live group's MaxSize (0: 4 × Instances, the world's).
	MaxSize int
	// Migrations are the release's migrations, in order.
	Migrations []string
	// Flag is the release's feature flag, if any.
	Flag string
}

func (f Fleet) maxSize() int {
	if f.MaxSize > 0 {
		return f.MaxSize
	}
	return 4 * f.Instances
}

// zoneSizes is how many instances each zone holds.
func (f Fleet) zoneSizes() map[string]int {
	out := map[string]int{}
	for k := range f.Instances {
		if len(f.AZs) > 0 {
			out[f.AZs[k%len(f.AZs)]]++
		}
	}
	return out
}

// PreviewStep is one step: what changes, and what the step waits for
// before the next ("" when it moves on at once).
type PreviewStep struct {
	Do   string
	Wait string
}

// Preview is a deployment laid out.
type Preview struct {
	// Summary names the strategy and variant as configured.
	Summary  string
	Steps    []PreviewStep
	Rollback []string
	Triggers []string
}

// Previewer is implemented by every controller of the catalogue.
type Previewer interface {
	Preview(f Fleet) (Preview, error)
}

// previewBuilder accumulates a preview.
type previewBuilder struct {
	p Preview
	f Fleet
}

// step adds a step; args are the arguments of do's verbs, then wait's.
func (b *previewBuilder) step(do, wait string, args ...any) {
	n := min(verbs(do), len(args))
	b.p.Steps = append(b.p.Steps, PreviewStep{Do: fmt.Sprintf(do, args[:n]...), Wait: fmt.Sprintf(wait, args[n:]...)})
}

// verbs counts the formatting verbs of a format ("%%" is none).
func verbs(format string) int {
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] == '%' {
			if i+1 < len(format) && format[i+1] == '%' {
				i++
				continue
			}
			n++
		}
	}
	return n
}

func (b *previewBuilder) rollback(format string, args ...any) {
	b.p.Rollback = append(b.p.Rollback, fmt.Sprintf(format, args...))
}

// migrations adds the release's migrations.
func (b *previewBuilder) migrations() {
	for _, m := range b.f.Migrations {
		b.step("run migration "+m, "until it completes")
	}
}

// common adds the bake and the triggers of rb.
func (b *previewBuilder) common(rb Rollback) Preview {
	if rb.BakeTime != nil && *rb.BakeTime > 0 {
		b.step("bake: keep watching the triggers", "%v", *rb.BakeTime)
	}
	var t []string
	if len(rb.Alarms) > 0 {
		t = append(t, "alarms "+strings.Join(rb.Alarms, ", "))
	}
	for _, m := range rb.Analysis {
		t = append(t, "background analysis "+m.Name)
	}
	if rb.Judge != nil {
		t = append(t, "Kayenta judge every "+rb.Judge.Interval.String())
	}
	if rb.CircuitBreaker.Enable {
		t = append(t, "ECS circuit breaker")
	}
	if !rb.Human.Disabled {
		t = append(t, fmt.Sprintf("the person on call (error rate above %g%% over %v; acts after about %v)", 100*rb.Human.ErrorRate, rb.Human.Window, rb.Human.DelayMean))
	}
	if rb.ProgressDeadline < noProgressDeadline {
		t = append(t, fmt.Sprintf("progress deadline %v", rb.ProgressDeadline))
	}
	if len(b.f.Migrations) > 0 && *rb.RevertMigrations {
		b.rollback("then the down-migrations, newest first (an irreversible one makes the rollback fail)")
	}
	b.p.Triggers = append(t, b.p.Triggers...)
	return b.p
}

func newPreview(f Fleet, summary string) *previewBuilder {
	return &previewBuilder{f: f, p: Preview{Summary: summary}}
}

// Preview of all-at-once.
func (s *allAtOnce) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, "all-at-once, variant "+s.cfg.Variant)
	b.migrations()
	if s.cfg.Variant == "recreate" {
		b.step("terminate all %d %s instances", "until they have drained", f.Instances, f.From)
		b.step("launch %d %s instances", "until they are healthy — the service is down meanwhile", f.Instances, f.To)
		b.rollback("recreate back: terminate every %s instance, launch %d %s", f.To, f.Instances, f.From)
		return b.common(s.cfg.Rollback), nil
	}
	b.step("deploy %s to all %d instances at once, in place: every application restarts under traffic", "until every deployment ends (install, start, validate)", f.To, f.Instances)
	if s.cfg.DeploymentConfig != "" {
		b.step("follow-on deployment to instances the group launched meanwhile", "until none is outdated")
		b.rollback("redeploy %s to all %d instances at once (same downtime)", f.From, f.Instances)
	} else {
		b.rollback("none by Elastic Beanstalk: a failed deployment stays as it is; a trigger redeploys %s to all %d instances at once", f.From, f.Instances)
	}
	return b.common(s.cfg.Rollback), nil
}

// Preview of rolling, per variant.
func (s *rolling) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, "rolling, variant "+s.cfg.Variant)
	n := f.Instances
	switch s.cfg.Variant {
	case "cloudformation":
		if err := s.previewCloudFormation(b); err != nil {
			return Preview{}, err
		}
		rb := s.cfg.Rollback
		rb.ProgressDeadline = max(rb.ProgressDeadline, s.cfn.PauseTime+2*time.Minute)
		return b.common(rb), nil
	case "ecs", "k8s":
		b.migrations()
		surge, unavail := 0, 0
		if s.cfg.Variant == "ecs" {
			l, err := plan.ECSRolling(s.ecs, n)
			if err != nil {
				return Preview{}, err
			}
			surge, unavail = l.StartAhead, l.StopFirst
		} else {
			l, err := plan.ResolveK8sRollingUpdate(s.k8s, n)
			if err != nil {
				return Preview{}, err
			}
			surge, unavail = l.MaxSurgePods, l.MaxUnavailablePods
		}
		b.step("create a new group for %s; start up to %d new instance(s) above %d and stop up to %d below", "each round until the new ones are healthy", f.To, surge, n, unavail)
		b.step("repeat until %d %s instances are healthy and no %s instance is left", "", n, f.To, f.From)
		b.rollback("the same replacement backwards, within the same limits, then the new group is deleted")
	case "codedeploy":
		b.migrations()
		if s.zonal != nil {
			zones := f.zoneSizes()
			for k, z := range f.AZs {
				conc, err := plan.ZonalMaxConcurrent(s.cd, n, *s.zonal, zones[z])
				if err != nil {
					return Preview{}, fmt.Errorf("zone %s: %w", z, err)
				}
				wait := "until its deployments end"
				if d := s.zonal.Monitor(k, len(f.AZs)); d > 0 {
					wait += fmt.Sprintf(", then monitor the zone for %v", d)
				}
				b.step("zone %s (%d/%d): deploy %s in place to its %d instances, %d at a time (out of the load balancer while deployed)", wait, z, k+1, len(f.AZs), f.To, zones[z], conc)
			}
			b.rollback("a new deployment of %s with the same configuration: zone by zone, the same monitor durations", f.From)
		} else {
			conc, err := plan.CodeDeployMaxConcurrent(s.cd, n)
			if err != nil {
				return Preview{}, err
			}
			b.step("deploy %s in place to %d instances, %d at a time, unhealthy ones first (each out of the load balancer while deployed)", "until every deployment ends", f.To, n, conc)
			b.rollback("a new deployment of %s, %d at a time", f.From, conc)
		}
		if s.cfg.OutdatedInstancesStrategy != "IGNORE" {
			b.step("follow-on deployment to instances the group launched meanwhile", "until none is outdated")
		}
	default:
		batches, err := plan.EBBatches(s.eb, n)
		if err != nil {
			return Preview{}, err
		}
		b.migrations()
		for k, m := range batches {
			b.step("batch %d/%d: take %d instance(s) out of the load balancer, deploy %s in place, put them back", "until healthy, at most %v each (Timeout)", k+1, len(batches), m, f.To, s.ebp.timeout)
		}
		b.rollback("none by Elastic Beanstalk: a failed batch leaves both versions; a trigger redeploys %s in the same batches", f.From)
	}
	return b.common(s.cfg.Rollback), nil
}

// previewCloudFormation lays out an AutoScalingRollingUpdate.
func (s *rolling) previewCloudFormation(b *previewBuilder) error {
	f, p := b.f, s.cfn
	n := f.Instances
	maxSize := s.cfg.MaxSize
	if maxSize == 0 {
		maxSize = f.maxSize()
	}
	l, err := plan.RollingUpdate(p, n, maxSize, n)
	if err != nil {
		return err
	}
	b.migrations()
	if len(p.SuspendProcesses) > 0 {
		b.step("suspend "+strings.Join(p.SuspendProcesses, ", "), "")
	}
	b.step("UPDATE_IN_PROGRESS: the group's launch template moves to %s; MaxSize %d", "", f.To, maxSize)
	wait := func(k int) string {
		switch {
		case p.WaitOnResourceSignals:
			return fmt.Sprintf("for %d cfn-signal(s) within %s (PauseTime)", k, plan.FormatISO8601Duration(p.PauseTime))
		case p.PauseTime > 0:
			return fmt.Sprintf("until launched, then pause %s (no signals: the application's boot is not waited for)", plan.FormatISO8601Duration(p.PauseTime))
		}
		return "until launched only (PT0S, no signals: the application's boot is not waited for)"
	}
	if l.TempDesired != n {
		b.step("temporarily set MinSize and DesiredCapacity to %d: %d %s instance(s) launched first", "%s", l.TempDesired, l.TempDesired-n, f.To, wait(l.TempDesired-n))
	}
	for k, m := range l.Rounds {
		do := fmt.Sprintf("batch %d/%d: terminate %d obsolete %s instance(s) (draining first); the group launches their replacements", k+1, len(l.Rounds), m, f.From)
		repl := m
		if k == len(l.Rounds)-1 && l.TempDesired != n {
			do += fmt.Sprintf("; DesiredCapacity back to %d", n)
			repl = max(0, m-(l.TempDesired-n))
		}
		b.step("%s", "%s", do, wait(repl))
	}
	if p.WaitOnResourceSignals {
		need := plan.RequiredSignals(l.Launches, p.MinSuccessfulInstancesPercent)
		b.p.Triggers = append(b.p.Triggers, fmt.Sprintf("signals: %d of the update's %d must arrive (MinSuccessfulInstancesPercent %g); a timeout counts as a failure", need, l.Launches, p.MinSuccessfulInstancesPercent))
	}
	b.step("UPDATE_COMPLETE", "")
	b.rollback("UPDATE_ROLLBACK_IN_PROGRESS: the same rolling update back to %s — same batches, same waits", f.From)
	if p.WaitOnResourceSignals {
		b.rollback("its signals can time out too (a boot longer than %s): UPDATE_ROLLBACK_FAILED", plan.FormatISO8601Duration(p.PauseTime))
	}
	return nil
}

// Preview of rolling-with-additional-batch.
func (s *additionalBatch) Preview(f Fleet) (Preview, error) {
	p, err := plan.EBRollingWithAdditionalBatch(s.eb, f.Instances)
	if err != nil {
		return Preview{}, err
	}
	b := newPreview(f, "rolling-with-additional-batch")
	b.migrations()
	b.step("launch an additional batch of %d %s instance(s)", "until healthy, at most %v (Timeout)", p.AdditionalBatch, f.To, s.ebp.timeout)
	for k, m := range p.Batches {
		b.step("batch %d/%d: take %d instance(s) out of the load balancer, deploy %s in place, put them back", "until healthy, at most %v each", k+1, len(p.Batches), m, f.To, s.ebp.timeout)
	}
	b.step("terminate the additional batch", "until drained")
	b.rollback("none by Elastic Beanstalk; a trigger redeploys %s with the same policy (an additional batch of it first)", f.From)
	return b.common(s.cfg.Rollback), nil
}

// Preview of immutable, per variant.
func (s *immutable) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, "immutable, variant "+s.cfg.Variant)
	n := f.Instances
	b.migrations()
	switch s.cfg.Variant {
	case "instance-refresh":
		l, err := plan.InstanceRefreshBatch(s.pref, n)
		if err != nil {
			return Preview{}, err
		}
		how := "terminate first, then launch"
		if l.MaxInstances > n {
			how = "launch first, then terminate"
		}
		steps := (n + l.ReplacePerStep - 1) / l.ReplacePerStep
		b.step("instance refresh: %d step(s) replacing %d instance(s) at a time (%s; at least %d healthy)", "each until the new instances are healthy, then 10 s warm-up", steps, l.ReplacePerStep, how, l.MinHealthyInstances)
		b.rollback("refresh back to %s with the same preferences", f.From)
	case "cloudformation":
		b.step("UPDATE_IN_PROGRESS: create a replacement group of %d %s instances behind the same target group", "", n, f.To)
		if s.creation != nil {
			need := plan.ReplacingUpdateSignals(*s.creation, n)
			b.step("CreationPolicy", "for %d cfn-signal(s) within %s; fewer fails the update", need, plan.FormatISO8601Duration(s.creation.Timeout))
		} else {
			b.step("no CreationPolicy", "until the instances are launched only — the old group goes while they boot")
		}
		b.step("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: delete the old group", "until its instances have drained")
		b.rollback("before the cleanup: delete the replacement group (the old one never stopped serving)")
		b.rollback("after it: a replacing update back to %s", f.From)
		if s.creation != nil {
			rb := s.cfg.Rollback
			rb.ProgressDeadline = max(rb.ProgressDeadline, s.creation.Timeout+2*time.Minute)
			return b.common(rb), nil
		}
	default:
		p, err := plan.EBImmutable(n)
		if err != nil {
			return Preview{}, err
		}
		b.step("create a temporary group with %d %s instance", "until healthy", p.FirstInstances, f.To)
		b.step("raise it by %d instances", "until all %d are healthy (%d instances at the peak)", p.RemainingInstances, n, p.PeakInstances)
		b.step("cut over: terminate the %d %s instances", "until drained", n, f.From)
		b.rollback("before the cut-over: delete the temporary group; after: launch %d %s again", n, f.From)
	}
	return b.common(s.cfg.Rollback), nil
}

// Preview of traffic-splitting.
func (s *trafficSplitting) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, "traffic-splitting")
	b.step("launch a new fleet of %d %s instances behind its own target group (1, then the rest)", "until healthy", f.Instances, f.To)
	b.migrations()
	b.step("route %g%% of the listener's traffic to the new fleet", "%v (EvaluationTime) while its health is watched", s.ts.NewVersionPercent, s.ts.EvaluationTime)
	b.step("route all traffic to the new fleet; terminate the %d %s instances", "until drained", f.Instances, f.From)
	b.rollback("all traffic back to the old fleet (one listener change) and the new fleet terminated; after the old fleet is gone it is launched again first")
	return b.common(s.cfg.Rollback), nil
}

// Preview of blue-green.
func (s *blueGreen) Preview(f Fleet) (Preview, error) {
	c := s.cfg
	b := newPreview(f, "blue-green, variant "+c.Variant)
	b.step("launch green: %d %s instances", "until healthy", f.Instances, f.To)
	if c.DeploymentReadyOption.ActionOnTimeout == "STOP_DEPLOYMENT" {
		b.step("wait for approval", "at most %v, else stop and roll back", c.DeploymentReadyOption.WaitTime)
	}
	if c.AutoPromotionEnabled != nil && !*c.AutoPromotionEnabled {
		b.step("wait for promotion", "a manual promotion (or %ds)", c.AutoPromotionSeconds)
	}
	for _, m := range c.PrePromotionAnalysis {
		b.step("pre-promotion analysis "+m.Name, "to completion")
	}
	b.migrations()
	switch c.Variant {
	case "dns-weighted":
		b.step("flip the Route 53 weighted records to green", "resolvers move as their caches expire (the TTL, longer for clients ignoring it)")
	case "cname-swap":
		b.step("swap the environments' CNAMEs", "resolvers move as their caches expire")
	case "asg-swap":
		b.step("attach green to the target group, detach blue", "")
	default:
		b.step("move the listener to green's target group", "")
	}
	for _, m := range c.PostPromotionAnalysis {
		b.step("post-promotion analysis "+m.Name, "to completion")
	}
	b.step("keep blue for the termination wait", "%v", *c.TerminationWaitTime)
	if c.TerminationAction != "KEEP_ALIVE" {
		b.step("terminate blue", "until drained")
	}
	b.rollback("while blue lives: switch back (instant for a listener, a TTL for DNS)")
	b.rollback("after blue is gone: redeploy %s onto green, half at a time", f.From)
	return b.common(c.Rollback), nil
}

// Preview of canary, linear and ab-test.
func (s *shifter) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, s.name+", traffic routing "+s.routing)
	if s.fullFleet {
		b.step("launch the full replacement fleet: %d %s instances", "until healthy", f.Instances, f.To)
	} else {
		b.step("create the canary group of %s, sized by each step's weight", "", f.To)
	}
	b.migrations()
	for _, st := range s.steps {
		switch {
		case st.weight >= 0:
			b.step("route %g%% of the traffic to %s", "", st.weight, f.To)
		case st.approval:
			b.step("pause", "until approved")
		case st.pause > 0:
			b.step("pause", "%v while the triggers watch", st.pause)
		case st.scale != nil:
			b.step("set the canary's scale", "")
		case st.analysis != nil:
			for _, m := range st.analysis {
				b.step("analysis "+m.Name, "%d measurement(s), %v apart", m.Count, m.Interval)
			}
		case st.judge != nil:
			b.step("Kayenta judge: %s against %s", "pass promotes, fail aborts", f.To, f.From)
		}
	}
	b.step("promote: all traffic to %s, the old fleet removed", "after %v", f.To, s.scaleDown)
	b.rollback("all traffic back to the stable fleet; the canary removed")
	return b.common(s.rb), nil
}

// Preview of the Flagger form of canary.
func (s *flagger) Preview(f Fleet) (Preview, error) {
	p, err := plan.FlaggerSchedule(s.a)
	if err != nil {
		return Preview{}, err
	}
	b := newPreview(f, "canary (Flagger, "+s.mode.String()+"), traffic routing "+s.routing)
	b.step("scale the canary to the primary's %d instances of %s", "until ready", f.Instances, f.To)
	b.migrations()
	for _, st := range p.Steps {
		b.step("at +%v: canary weight %g%%", "one interval (%v) of checks; a failed check holds the weight", st.At, st.NewPercent, s.a.Interval)
	}
	b.step("promote at +%v: copy the canary to the primary (its rolling update), route back to the primary", "until the primary is updated", p.PromotionAt)
	b.rollback("after %d failed checks (%v after the first): all traffic to the primary, the canary scaled to zero", s.a.Threshold, p.RollbackAfter)
	return b.common(s.rb), nil
}

// Preview of feature-toggle.
func (s *featureToggle) Preview(f Fleet) (Preview, error) {
	b := newPreview(f, "feature-toggle, shipped with "+s.ship.Name())
	if pv, ok := s.ship.(Previewer); ok {
		ship, err := pv.Preview(f)
		if err != nil {
			return Preview{}, err
		}
		for _, st := range ship.Steps {
			b.p.Steps = append(b.p.Steps, PreviewStep{Do: "ship dark: " + st.Do, Wait: st.Wait})
		}
	}
	flag := f.Flag
	if flag == "" {
		flag = "(deployment.flag: none set — the run fails)"
	}
	for _, p := range s.cfg.Steps {
		wait := fmt.Sprintf("%v", s.cfg.StepInterval)
		if p >= 100 {
			wait = ""
		}
		b.step("flag %s on for %g%% of users (a cohort only grows)", wait, flag, p)
	}
	b.rollback("flag off: instant, no redeploy; a failed ship rolls back as its strategy does")
	return b.common(s.cfg.Rollback), nil
}

// Preview of systems-manager.
func (s *systemsManager) Preview(f Fleet) (Preview, error) {
	n := f.Instances
	maxConc, maxErr := plan.SSMMaxConcurrency(s.conc, n), plan.SSMMaxErrors(s.errs, n)
	b := newPreview(f, "systems-manager, operation "+s.cfg.Operation)
	if s.window != nil {
		run := s.window.NextRun(0)
		b.step("wait for the maintenance window %s", "opens at %s; tasks may start until %s (cutoff), the window ends at %s",
			s.window.Schedule.Expr, clock(run.Start), clock(run.Cutoff), clock(run.End))
	}
	b.migrations()
	what := "install the patch while serving, then reboot (down, still registered, for the version's start time)"
	if s.cfg.Operation == "command" {
		what = "stop the application, install, start it (under traffic)"
	}
	b.step("send to %d targets: %s", "", n, what)
	var waves []string
	for done := 0; done < n; {
		w := min(plan.SSMWindow(maxConc, done), n-done)
		waves = append(waves, fmt.Sprint(w))
		done += w
	}
	b.step("invocations in waves of %s (MaxConcurrency %v = %d: 1, then doubling)", "each invocation to its end", strings.Join(waves, ", "), s.conc, maxConc)
	b.step("stop sending once more than %d invocation(s) failed (MaxErrors %v); invocations in flight complete", "", maxErr, s.errs)
	if s.window != nil {
		if s.cancelAtCutoff {
			b.step("at the cutoff (CANCEL_TASK): no new invocation; targets not started wait for the next window", "")
		} else {
			b.step("at the cutoff (CONTINUE_TASK): the command runs on", "")
		}
	}
	b.rollback("none: Systems Manager uninstalls nothing; a trigger cancels the command (no new invocations, those in flight complete) and the fleet stays on mixed versions")
	return b.common(s.cfg.Rollback), nil
}
