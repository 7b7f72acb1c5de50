package plan

import (
	"fmt"
	"time"
)

// ECSDeploymentConfiguration holds the rolling-update (deployment controller
// ECS) limits of an ECS service's deploymentConfiguration.
type ECSDeploymentConfiguration struct {
	// MinimumHealthyPercent is minimumHealthyPercent: the lower limit on
	// RUNNING (and, behind a load balancer, healthy) tasks, as a percentage
	// of desiredCount, rounded up. Default 100 in the API.
	MinimumHealthyPercent float64
	// MaximumPercent is maximumPercent: the upper limit on RUNNING or
	// PENDING tasks, as a percentage of desiredCount, rounded down. Default
	// 200.
	MaximumPercent float64
}

// DefaultECSDeploymentConfiguration returns the API defaults 100 % / 200 %.
func DefaultECSDeploymentConfiguration() ECSDeploymentConfiguration {
	return ECSDeploymentConfiguration{MinimumHealthyPercent: 100, MaximumPercent: 200}
}

// Validate checks that both values are whole percentages with
// minimumHealthyPercent 0–100 and maximumPercent at least 100.
//
// Choice: a maximumPercent below 100 would stop the service from ever
// running its desired count; we reject it rather than model it.
func (c ECSDeploymentConfiguration) Validate() error {
	if !isWhole(c.MinimumHealthyPercent) || !inRange(c.MinimumHealthyPercent, 0, 100) {
		return fieldErr("minimumHealthyPercent", c.MinimumHealthyPercent, "a whole percentage from 0 to 100")
	}
	if !isWhole(c.MaximumPercent) || !(c.MaximumPercent >= 100) {
		return fieldErr("maximumPercent", c.MaximumPercent, "a whole percentage of 100 or more")
	}
	return nil
}

// ECSRollingLimits are the task counts an ECS rolling update works within.
type ECSRollingLimits struct {
	// MinHealthyTasks is ⌈desiredCount × minimumHealthyPercent / 100⌉.
	MinHealthyTasks int
	// MaxTasks is ⌊desiredCount × maximumPercent / 100⌋.
	MaxTasks int
	// StopFirst is how many old tasks may be stopped before any new task
	// is healthy: desiredCount − MinHealthyTasks.
	StopFirst int
	// StartAhead is how many new tasks may be started before any old task
	// is stopped: MaxTasks − desiredCount.
	StartAhead int
}

// ECSRolling resolves c for a service of desiredCount tasks. The two
// documented examples: 4 tasks at 50 % minimum healthy may stop 2 old tasks
// before starting 2 new ones; 4 tasks at 200 % maximum may start 4 new tasks
// before stopping the 4 old ones.
//
// If both StopFirst and StartAhead are 0 (for example 100 %/100 %, or one
// task at 100 %/150 % which rounds down to 1) the deployment could never
// progress; the limits are returned together with an error wrapping
// ErrNoProgress.
func ECSRolling(c ECSDeploymentConfiguration, desiredCount int) (ECSRollingLimits, error) {
	if err := c.Validate(); err != nil {
		return ECSRollingLimits{}, err
	}
	if desiredCount < 0 {
		return ECSRollingLimits{}, fieldErr("desiredCount", desiredCount, "0 or more tasks")
	}
	l := ECSRollingLimits{
		MinHealthyTasks: ceilPercentOf(desiredCount, c.MinimumHealthyPercent),
		MaxTasks:        floorPercentOf(desiredCount, c.MaximumPercent),
	}
	l.StopFirst = desiredCount - l.MinHealthyTasks
	l.StartAhead = l.MaxTasks - desiredCount
	if desiredCount > 0 && l.StopFirst == 0 && l.StartAhead == 0 {
		return l, fmt.Errorf("%w: %d tasks with minimumHealthyPercent %g and maximumPercent %g can neither stop nor start a task",
			ErrNoProgress, desiredCount, c.MinimumHealthyPercent, c.MaximumPercent)
	}
	return l, nil
}

// ECSCircuitBreakerThreshold returns the default deployment circuit breaker
// failure threshold for a service of desiredCount tasks: 0.5 × desiredCount,
// rounded up, clamped to 3..200. Desired 1 → 3, 6 → 3, 10 → 5, 25 → 13,
// 500 → 200.
//
// The minimum was 10 in earlier versions of the ECS developer guide (its
// table showed 1 task → 10); the current API reference says 3. Rounding up
// is documented by that older table's example (25 tasks → 13, "the value is
// rounded up").
func ECSCircuitBreakerThreshold(desiredCount int) int {
	return ECSThresholdConfiguration{Type: ECSBoundedPercent, Value: 50}.threshold(desiredCount)
}

// ECSThresholdType is the type of an ECS deployment circuit breaker
// thresholdConfiguration.
type ECSThresholdType string

const (
	// ECSCount uses Value as the threshold itself.
	ECSCount ECSThresholdType = "COUNT"
	// ECSBoundedPercent multiplies Value % by the desired count and clamps
	// the result to 3..200. The default, with Value 50.
	ECSBoundedPercent ECSThresholdType = "BOUNDED_PERCENT"
	// ECSUnboundedPercent multiplies Value % by the desired count.
	ECSUnboundedPercent ECSThresholdType = "UNBOUNDED_PERCENT"
)

// ECSThresholdConfiguration is the circuit breaker's thresholdConfiguration
// (type and integer value; default BOUNDED_PERCENT 50).
type ECSThresholdConfiguration struct {
	Type  ECSThresholdType
	Value int
}

// Threshold returns the number of failed tasks at which the circuit breaker
// marks a deployment of desiredCount tasks FAILED.
//
// Choice: the API reference says only that percentage types multiply Value
// by the desired count. We round up (as the default has always done) and,
// for UNBOUNDED_PERCENT, never go below 1 — a threshold of 0 would fail a
// deployment before any task ran. COUNT must be at least 1 for the same
// reason.
func (t ECSThresholdConfiguration) Threshold(desiredCount int) (int, error) {
	switch t.Type {
	case ECSCount:
		if t.Value < 1 {
			return 0, fieldErr("thresholdConfiguration.value", t.Value, "1 or more failed tasks for COUNT")
		}
	case ECSBoundedPercent, ECSUnboundedPercent:
		if t.Value < 1 {
			return 0, fieldErr("thresholdConfiguration.value", t.Value, "a percentage of 1 or more")
		}
	default:
		return 0, fieldErr("thresholdConfiguration.type", t.Type, "COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT")
	}
	if desiredCount < 0 {
		return 0, fieldErr("desiredCount", desiredCount, "0 or more tasks")
	}
	return t.threshold(desiredCount), nil
}

func (t ECSThresholdConfiguration) threshold(desiredCount int) int {
	switch t.Type {
	case ECSCount:
		return t.Value
	case ECSUnboundedPercent:
		return max(1, ceilPercentOf(desiredCount, float64(t.Value)))
	default:
		return min(200, max(3, ceilPercentOf(desiredCount, float64(t.Value))))
	}
}

// ECSLinearConfiguration is linearConfiguration of an ECS-native LINEAR
// deployment (deployment controller ECS, strategy LINEAR).
type ECSLinearConfiguration struct {
	// StepPercent is stepPercent: production traffic shifted per step.
	// Multiples of 0.1 from 3.0 to 100.0, default 10.0.
	StepPercent float64
	// StepBakeTime is stepBakeTimeInMinutes: the wait between steps, not
	// applied after 100 %. Whole minutes 0–1440, default 6 minutes.
	StepBakeTime time.Duration
}

// DefaultECSLinearConfiguration returns the API defaults: 10 % every 6
// minutes.
func DefaultECSLinearConfiguration() ECSLinearConfiguration {
	return ECSLinearConfiguration{StepPercent: 10, StepBakeTime: 6 * time.Minute}
}

// Validate checks the documented valid values.
func (c ECSLinearConfiguration) Validate() error {
	if !isTenth(c.StepPercent) || !inRange(c.StepPercent, 3, 100) {
		return fieldErr("stepPercent", c.StepPercent, "a multiple of 0.1 from 3.0 to 100.0")
	}
	return validateBake("stepBakeTimeInMinutes", c.StepBakeTime)
}

// Schedule returns the production traffic schedule from the first shift:
// StepPercent at 0, another StepPercent after each StepBakeTime, the last
// step shifting the remainder to 100 %. The number of bake periods is
// 100/StepPercent − 1 when StepPercent divides 100 and ⌊100/StepPercent⌋
// otherwise, as CloudFormation's documented duration formula counts them;
// the defaults reach 100 % after 9 × 6 = 54 minutes. The deployment-level
// bakeTimeInMinutes (after 100 %, before the old revision is removed) is not
// part of the traffic schedule.
func (c ECSLinearConfiguration) Schedule() ([]Step, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return linearSteps(c.StepPercent, c.StepBakeTime), nil
}

// ECSCanaryConfiguration is canaryConfiguration of an ECS-native CANARY
// deployment.
type ECSCanaryConfiguration struct {
	// CanaryPercent is canaryPercent: multiples of 0.1 from 0.1 to 100.0,
	// default 5.0.
	CanaryPercent float64
	// CanaryBakeTime is canaryBakeTimeInMinutes: whole minutes 0–1440,
	// default 10 minutes.
	CanaryBakeTime time.Duration
}

// DefaultECSCanaryConfiguration returns the API defaults: 5 % for 10
// minutes.
func DefaultECSCanaryConfiguration() ECSCanaryConfiguration {
	return ECSCanaryConfiguration{CanaryPercent: 5, CanaryBakeTime: 10 * time.Minute}
}

// Validate checks the documented valid values.
func (c ECSCanaryConfiguration) Validate() error {
	if !isTenth(c.CanaryPercent) || !inRange(c.CanaryPercent, 0.1, 100) {
		return fieldErr("canaryPercent", c.CanaryPercent, "a multiple of 0.1 from 0.1 to 100.0")
	}
	return validateBake("canaryBakeTimeInMinutes", c.CanaryBakeTime)
}

// Schedule returns CanaryPercent at 0 and 100 % after CanaryBakeTime (a
// single step when CanaryPercent is 100).
func (c ECSCanaryConfiguration) Schedule() ([]Step, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.CanaryPercent == 100 {
		return []Step{{At: 0, NewPercent: 100}}, nil
	}
	return []Step{{At: 0, NewPercent: c.CanaryPercent}, {At: c.CanaryBakeTime, NewPercent: 100}}, nil
}

func validateBake(field string, d time.Duration) error {
	if d < 0 || d > 1440*time.Minute || !wholeMinutes(d) {
		return fieldErr(field, d, "whole minutes from 0m to 1440m")
	}
	return nil
}

// isTenth reports whether x is a multiple of 0.1, within floating-point
// noise.
func isTenth(x float64) bool {
	t := x * 10
	r := float64(int64(t + 0.5))
	return t-r < 1e-6 && r-t < 1e-6
}
