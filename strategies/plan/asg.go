package plan

// InstanceRefreshPreferences are the capacity preferences of an EC2 Auto
// Scaling instance refresh (or the group's instance maintenance policy).
type InstanceRefreshPreferences struct {
	// MinHealthyPercent is MinHealthyPercentage: capacity kept in service
	// and healthy, as a percentage of desired capacity, rounded up. Whole
	// number 0–100, default 90.
	MinHealthyPercent float64
	// MaxHealthyPercent is MaxHealthyPercentage: the most capacity that may
	// be in service or pending, as a percentage of desired capacity. Whole
	// number 100–200, default 100 (terminate before launching); at most 100
	// points above MinHealthyPercent.
	MaxHealthyPercent float64
}

// DefaultInstanceRefreshPreferences returns the defaults when no instance
// maintenance policy is set: 90 % minimum, 100 % maximum.
func DefaultInstanceRefreshPreferences() InstanceRefreshPreferences {
	return InstanceRefreshPreferences{MinHealthyPercent: 90, MaxHealthyPercent: 100}
}

// Validate checks the documented ranges.
func (p InstanceRefreshPreferences) Validate() error {
	if !isWhole(p.MinHealthyPercent) || !inRange(p.MinHealthyPercent, 0, 100) {
		return fieldErr("MinHealthyPercentage", p.MinHealthyPercent, "a whole percentage from 0 to 100")
	}
	if !isWhole(p.MaxHealthyPercent) || !inRange(p.MaxHealthyPercent, 100, 200) {
		return fieldErr("MaxHealthyPercentage", p.MaxHealthyPercent, "a whole percentage from 100 to 200")
	}
	if p.MaxHealthyPercent-p.MinHealthyPercent > 100 {
		return fieldErr("MaxHealthyPercentage", p.MaxHealthyPercent, "at most 100 points above MinHealthyPercentage")
	}
	return nil
}

// InstanceRefreshLimits are the resolved capacity limits of a refresh.
type InstanceRefreshLimits struct {
	// MinHealthyInstances is ⌈desired × MinHealthyPercent / 100⌉.
	MinHealthyInstances int
	// MaxInstances is ⌊desired × MaxHealthyPercent / 100⌋.
	MaxInstances int
	// ReplacePerStep is how many instances are replaced at the same time:
	// MaxInstances − MinHealthyInstances, at least one and at most desired.
	ReplacePerStep int
}

// InstanceRefreshBatch resolves p for a group of desired instances. With the
// defaults a group of 10 replaces 1 instance at a time and a group of 20
// replaces 2; MinHealthyPercentage 100 "limits the rate of replacement to one
// instance at a time" and 0 replaces every instance at once.
//
// Choice: the maximum is rounded down (the documentation gives no rule for
// it; rounding down never exceeds the ceiling). The floor of one instance
// per step, documented for a 100 % minimum, is also applied when rounding
// alone leaves no room (4 instances at 90 %: ⌈3.6⌉ = 4 must stay healthy).
func InstanceRefreshBatch(p InstanceRefreshPreferences, desired int) (InstanceRefreshLimits, error) {
	if err := p.Validate(); err != nil {
		return InstanceRefreshLimits{}, err
	}
	if desired < 1 {
		return InstanceRefreshLimits{}, fieldErr("desired capacity", desired, "1 or more instances")
	}
	l := InstanceRefreshLimits{
		MinHealthyInstances: ceilPercentOf(desired, p.MinHealthyPercent),
		MaxInstances:        floorPercentOf(desired, p.MaxHealthyPercent),
	}
	l.ReplacePerStep = min(desired, max(1, l.MaxInstances-l.MinHealthyInstances))
	return l, nil
}
