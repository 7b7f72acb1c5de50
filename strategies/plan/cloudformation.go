package plan

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AWS CloudFormation's update and creation policies of an Auto Scaling
// group (the UpdatePolicy and CreationPolicy attributes of
// AWS::AutoScaling::AutoScalingGroup, CloudFormation User Guide).

// ParseISO8601Duration reads a duration as CloudFormation writes PauseTime
// and Timeout: "PT#H#M#S", each part optional but at least one present,
// whole numbers ("PT5M", "PT1H30M", "PT12M5S", "PT0S").
//
//	duration = "PT" [ digits "H" ] [ digits "M" ] [ digits "S" ]
//
// Choice: the date parts of ISO 8601 (P1D, P1W) and fractions are refused;
// CloudFormation documents only the PT form for these fields.
func ParseISO8601Duration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%q: want an ISO 8601 duration PT#H#M#S (PT5M, PT1H30M, PT0S)", s)
	}
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok || rest == "" {
		return bad()
	}
	var d time.Duration
	for _, u := range []struct {
		sym  byte
		unit time.Duration
	}{{'H', time.Hour}, {'M', time.Minute}, {'S', time.Second}} {
		i := strings.IndexByte(rest, u.sym)
		if i < 0 {
			continue
		}
		if i == 0 {
			return bad()
		}
		// A unit out of order leaves a letter in the number: refused.
		n, err := strconv.ParseUint(rest[:i], 10, 31)
		if err != nil {
			return bad()
		}
		d += time.Duration(n) * u.unit
		rest = rest[i+1:]
	}
	if rest != "" {
		return bad()
	}
	return d, nil
}

// FormatISO8601Duration renders d as "PT#H#M#S" with zero parts left out
// ("PT0S" for zero).
func FormatISO8601Duration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := d % time.Minute / time.Second; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// ScalingProcesses are the Auto Scaling processes SuspendProcesses names
// (the ScalingProcesses.member.N values of the Auto Scaling API).
var ScalingProcesses = []string{"Launch", "Terminate", "AddToLoadBalancer", "AlarmNotification",
	"AZRebalance", "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy", "ScheduledActions"}

// AutoScalingRollingUpdate is the AutoScalingRollingUpdate update policy.
type AutoScalingRollingUpdate struct {
	// MaxBatchSize is the most instances replaced at once (1).
	MaxBatchSize int
	// MinInstancesInService is the fewest instances in service while old
	// instances are replaced (0); it must be less than the group's
	// MaxSize.
	MinInstancesInService int
	// MinSuccessfulInstancesPercent is the share of a batch's new
	// instances that must signal success, 0–100 rounded to the nearest
	// tenth (100). It needs WaitOnResourceSignals.
	MinSuccessfulInstancesPercent float64
	// PauseTime is the pause after each batch, or with
	// WaitOnResourceSignals the time the batch's signals may take: PT0S
	// without signals, PT5M with them, at most PT1H.
	PauseTime time.Duration
	// WaitOnResourceSignals makes CloudFormation wait for cfn-signal from
	// each batch's new instances (false).
	WaitOnResourceSignals bool
	// SuspendProcesses are suspended for the update's duration.
	SuspendProcesses []string
}

// DefaultAutoScalingRollingUpdate returns the documented defaults without
// signals.
func DefaultAutoScalingRollingUpdate() AutoScalingRollingUpdate {
	return AutoScalingRollingUpdate{MaxBatchSize: 1, MinSuccessfulInstancesPercent: 100}
}

// DefaultPauseTime is PauseTime's default: PT5M when the update waits on
// signals, PT0S otherwise.
func DefaultPauseTime(waitOnSignals bool) time.Duration {
	if waitOnSignals {
		return 5 * time.Minute
	}
	return 0
}

// Validate checks the documented ranges. maxSize is the group's MaxSize
// (0: not known, not checked).
func (p AutoScalingRollingUpdate) Validate(maxSize int) error {
	switch {
	case p.MaxBatchSize < 1:
		return fieldErr("MaxBatchSize", p.MaxBatchSize, "1 or more instances")
	case p.MinInstancesInService < 0:
		return fieldErr("MinInstancesInService", p.MinInstancesInService, "0 or more instances")
	case maxSize > 0 && p.MinInstancesInService >= maxSize:
		return fieldErr("MinInstancesInService", p.MinInstancesInService, fmt.Sprintf("less than the group's MaxSize (%d)", maxSize))
	case !inRange(p.MinSuccessfulInstancesPercent, 0, 100):
		return fieldErr("MinSuccessfulInstancesPercent", p.MinSuccessfulInstancesPercent, "a percentage from 0 to 100")
	case p.MinSuccessfulInstancesPercent != 100 && !p.WaitOnResourceSignals:
		return fieldErr("MinSuccessfulInstancesPercent", p.MinSuccessfulInstancesPercent, "only with WaitOnResourceSignals true")
	case p.PauseTime < 0 || p.PauseTime > time.Hour:
		return fieldErr("PauseTime", FormatISO8601Duration(p.PauseTime), "PT0S to PT1H")
	}
	for _, s := range p.SuspendProcesses {
		if !slices.Contains(ScalingProcesses, s) {
			return fieldErr("SuspendProcesses", fmt.Sprintf("%q", s), "one of "+strings.Join(ScalingProcesses, ", "))
		}
	}
	return nil
}

// RollingUpdateLayout is how CloudFormation lays a rolling update out on
// a group, as its stack events report it ("Rolling update initiated.
// Terminating 3 obsolete instance(s) in batches of 1, while keeping at
// least 3 instance(s) in service." and "Temporarily setting autoscaling
// group MinSize and DesiredCapacity to 4.").
type RollingUpdateLayout struct {
	// BatchSize is how many obsolete instances each round terminates:
	// MaxBatchSize, at most MaxSize − MinInstancesInService (the group
	// must hold the batch's replacements next to the instances kept in
	// service) and at most the obsolete instances.
	BatchSize int
	// TempDesired is the group's MinSize and DesiredCapacity for the
	// length of the update: max(BatchSize + MinInstancesInService,
	// DesiredCapacity). Above the desired capacity, the difference is
	// launched first, before any obsolete instance is terminated; the
	// last round sets the original capacity back.
	TempDesired int
	// Rounds are the obsolete instances each round terminates (each but
	// the last is BatchSize); the group launches their replacements.
	Rounds []int
	// Launches is how many new instances the whole update launches (one
	// per obsolete instance), the signals it expects.
	Launches int
}

// RollingUpdate lays out the rolling update of a group of desired
// instances (obsolete of them on the old launch template) with MaxSize
// maxSize.
//
// Sources: the stack events of real updates (desired 3, minimum 3, batch
// 1 → "in batches of 1", temporary capacity 4; desired 5, minimum 5,
// MaxSize 10 → "in batches of 5", temporary capacity 10; desired 6,
// minimum 6, MaxSize 9 → temporary capacity 9) and the documented rule
// that MinInstancesInService "must be less than the MaxSize".
func RollingUpdate(p AutoScalingRollingUpdate, desired, maxSize, obsolete int) (RollingUpdateLayout, error) {
	if err := p.Validate(maxSize); err != nil {
		return RollingUpdateLayout{}, err
	}
	if desired < 1 {
		return RollingUpdateLayout{}, fieldErr("DesiredCapacity", desired, "1 or more instances")
	}
	if maxSize < desired {
		return RollingUpdateLayout{}, fieldErr("MaxSize", maxSize, fmt.Sprintf("at least the desired capacity (%d)", desired))
	}
	if obsolete < 0 || obsolete > desired {
		return RollingUpdateLayout{}, fieldErr("obsolete instances", obsolete, fmt.Sprintf("0 to the desired capacity (%d)", desired))
	}
	l := RollingUpdateLayout{TempDesired: desired, Launches: obsolete}
	if obsolete == 0 {
		return l, nil
	}
	l.BatchSize = min(p.MaxBatchSize, maxSize-p.MinInstancesInService, obsolete)
	l.TempDesired = max(l.BatchSize+p.MinInstancesInService, desired)
	for left := obsolete; left > 0; left -= l.BatchSize {
		l.Rounds = append(l.Rounds, min(left, l.BatchSize))
	}
	return l, nil
}

// RollingUpdateFailed reports whether a rolling update that expects
// launches signals in all, of which failures have timed out (or were
// lost with their instance), can no longer meet its minimum: the
// successes still possible fall below RequiredSignals. CloudFormation's
// message then reads "Received N SUCCESS signal(s) out of M. Unable to
// satisfy 100% MinSuccessfulInstancesPercent requirement".
func RollingUpdateFailed(p AutoScalingRollingUpdate, launches, failures int) bool {
	return launches-failures < RequiredSignals(launches, p.MinSuccessfulInstancesPercent)
}

// RequiredSignals is how many of n new instances must signal success for
// a minimum successful percentage: the percentage is rounded to the
// nearest tenth, then the count rounded up. Documented: five instances at
// 50 % need three.
func RequiredSignals(n int, percent float64) int {
	p := math.Round(percent*10) / 10
	return ceilPercentOf(n, p)
}

// CreationPolicy is the CreationPolicy of an Auto Scaling group: the
// signals its creation waits for (a replacing update creates a group).
type CreationPolicy struct {
	// Count is ResourceSignal.Count: success signals to receive (1).
	Count int
	// Timeout is ResourceSignal.Timeout: how long to wait for them (PT5M,
	// at most PT12H), from the start of the group's creation.
	Timeout time.Duration
	// MinSuccessfulInstancesPercent is AutoScalingCreationPolicy's: the
	// share of the group's instances that must signal success in a
	// replacing update (100); negative when not set.
	MinSuccessfulInstancesPercent float64
}

// DefaultCreationPolicy returns the defaults: one signal within PT5M, no
// AutoScalingCreationPolicy.
func DefaultCreationPolicy() CreationPolicy {
	return CreationPolicy{Count: 1, Timeout: 5 * time.Minute, MinSuccessfulInstancesPercent: -1}
}

// Validate checks the documented ranges.
func (c CreationPolicy) Validate() error {
	switch {
	case c.Count < 1:
		return fieldErr("ResourceSignal.Count", c.Count, "1 or more signals")
	case c.Timeout <= 0 || c.Timeout > 12*time.Hour:
		return fieldErr("ResourceSignal.Timeout", FormatISO8601Duration(c.Timeout), "more than PT0S, at most PT12H")
	case c.MinSuccessfulInstancesPercent > 100 || (c.MinSuccessfulInstancesPercent < 0 && c.MinSuccessfulInstancesPercent != -1):
		return fieldErr("AutoScalingCreationPolicy.MinSuccessfulInstancesPercent", c.MinSuccessfulInstancesPercent, "a percentage from 0 to 100")
	}
	return nil
}

// ReplacingUpdateSignals is how many success signals a replacing update
// of a group of desired instances waits for.
//
// Choice: with an AutoScalingCreationPolicy its percentage of the desired
// capacity (the documentation's "if the minimum number of instances
// (specified by the MinSuccessfulInstancesPercent property) don't signal
// success within the Timeout period, the replacement update fails");
// without one, ResourceSignal.Count, never more than the group launches.
func ReplacingUpdateSignals(c CreationPolicy, desired int) int {
	if c.MinSuccessfulInstancesPercent >= 0 {
		return RequiredSignals(desired, c.MinSuccessfulInstancesPercent)
	}
	return min(c.Count, desired)
}
