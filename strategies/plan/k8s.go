package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// IntOrPercent is a Kubernetes int-or-string value as used by maxSurge and
// maxUnavailable: either an absolute count or a whole percentage.
type IntOrPercent struct {
	Value     int
	IsPercent bool
}

// IntValue returns an absolute IntOrPercent.
func IntValue(n int) IntOrPercent { return IntOrPercent{Value: n} }

// PercentValue returns a percentage IntOrPercent.
func PercentValue(p int) IntOrPercent { return IntOrPercent{Value: p, IsPercent: true} }

// ParseIntOrPercent parses "3" or "25%". As in Kubernetes, a percentage is a
// whole number followed by "%": "25.5%" is rejected. Signs are accepted so
// that validation, not parsing, reports negative values with the field name.
//
// Grammar:
//
//	value   = integer | integer "%"
//	integer = [ "+" | "-" ] digit { digit }
func ParseIntOrPercent(s string) (IntOrPercent, error) {
	num, isPct := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(num)
	if err != nil {
		return IntOrPercent{}, fmt.Errorf("plan: invalid int-or-percent %q: allowed an integer (\"3\") or a whole percentage (\"25%%\")", s)
	}
	return IntOrPercent{Value: n, IsPercent: isPct}, nil
}

// String renders v as Kubernetes writes it: "3" or "25%".
func (v IntOrPercent) String() string {
	if v.IsPercent {
		return strconv.Itoa(v.Value) + "%"
	}
	return strconv.Itoa(v.Value)
}

// Scaled resolves v against total: an absolute value as is, a percentage as
// total × v / 100 rounded up when roundUp, down otherwise (Kubernetes'
// GetScaledValueFromIntOrPercent).
func (v IntOrPercent) Scaled(total int, roundUp bool) int {
	if !v.IsPercent {
		return v.Value
	}
	if roundUp {
		return ceilPercentOf(total, float64(v.Value))
	}
	return floorPercentOf(total, float64(v.Value))
}

// K8sRollingUpdate is a Deployment's spec.strategy.rollingUpdate.
type K8sRollingUpdate struct {
	// MaxSurge is maxSurge: pods above the desired count during the update;
	// a percentage is rounded up. Default 25%.
	MaxSurge IntOrPercent
	// MaxUnavailable is maxUnavailable: pods below the desired count that may
	// be unavailable; a percentage is rounded down. Default 25%.
	MaxUnavailable IntOrPercent
}

// DefaultK8sRollingUpdate returns the Kubernetes defaults, 25% and 25%.
func DefaultK8sRollingUpdate() K8sRollingUpdate {
	return K8sRollingUpdate{MaxSurge: PercentValue(25), MaxUnavailable: PercentValue(25)}
}

// Validate applies the Deployment validation rules: neither value negative,
// maxUnavailable not above 100%, and not both zero ("may not be 0 when
// maxSurge is 0"). 0 and 0% both count as zero for the last rule.
func (r K8sRollingUpdate) Validate() error {
	if r.MaxSurge.Value < 0 {
		return fieldErr("maxSurge", r.MaxSurge, "a non-negative integer or percentage")
	}
	if r.MaxUnavailable.Value < 0 {
		return fieldErr("maxUnavailable", r.MaxUnavailable, "a non-negative integer or percentage")
	}
	if r.MaxUnavailable.IsPercent && r.MaxUnavailable.Value > 100 {
		return fieldErr("maxUnavailable", r.MaxUnavailable, "a percentage not above 100%")
	}
	if r.MaxSurge.Value == 0 && r.MaxUnavailable.Value == 0 {
		return fieldErr("maxUnavailable", r.MaxUnavailable, "a value above 0 when maxSurge is 0")
	}
	return nil
}

// K8sRollingLimits are a rolling update's resolved fenceposts.
type K8sRollingLimits struct {
	// MaxSurgePods is maxSurge resolved against the desired replicas.
	MaxSurgePods int
	// MaxUnavailablePods is maxUnavailable resolved against the desired
	// replicas (at least 1 when MaxSurgePods is 0).
	MaxUnavailablePods int
	// MaxTotalPods is replicas + MaxSurgePods: old and new pods together.
	MaxTotalPods int
	// MinAvailablePods is replicas − MaxUnavailablePods.
	MinAvailablePods int
}

// ResolveK8sRollingUpdate resolves r for a Deployment of replicas pods, as
// the Deployment controller's ResolveFenceposts does: maxSurge rounded up,
// maxUnavailable rounded down, and if both come out 0 — possible only
// through rounding, since validation forbids literal zeros for both —
// maxUnavailable becomes 1, "on the theory that surge might not work due to
// quota". Default 25%/25% on 10 replicas: surge ⌈2.5⌉ = 3, unavailable
// ⌊2.5⌋ = 2, so at most 13 pods and at least 8 available.
func ResolveK8sRollingUpdate(r K8sRollingUpdate, replicas int) (K8sRollingLimits, error) {
	if err := r.Validate(); err != nil {
		return K8sRollingLimits{}, err
	}
	if replicas < 0 {
		return K8sRollingLimits{}, fieldErr("replicas", replicas, "0 or more pods")
	}
	surge := r.MaxSurge.Scaled(replicas, true)
	unavailable := r.MaxUnavailable.Scaled(replicas, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return K8sRollingLimits{
		MaxSurgePods:       surge,
		MaxUnavailablePods: unavailable,
		MaxTotalPods:       replicas + surge,
		MinAvailablePods:   max(0, replicas-unavailable),
	}, nil
}
