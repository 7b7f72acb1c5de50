package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// MinimumHealthyHostsType is the type field of a CodeDeploy
// MinimumHealthyHosts value.
type MinimumHealthyHostsType string

const (
	// HostCount: Value is the minimum number of healthy instances.
	HostCount MinimumHealthyHostsType = "HOST_COUNT"
	// FleetPercent: Value is a percentage of the instances in the deployment;
	// "at the start of the deployment, CodeDeploy converts the percentage to
	// the equivalent number of instances and rounds up fractional instances".
	FleetPercent MinimumHealthyHostsType = "FLEET_PERCENT"
	// MostConcurrency is what GetDeploymentConfig returns for
	// CodeDeployDefault.OneAtATime (with Value 1): deploy to one instance at
	// a time. Users cannot create configurations of this type; it exists
	// here so the predefined OneAtATime can be represented as AWS reports it.
	MostConcurrency MinimumHealthyHostsType = "MOST_CONCURRENCY"
)

// MinimumHealthyHosts is a CodeDeploy EC2/on-premises deployment
// configuration's minimumHealthyHosts.
type MinimumHealthyHosts struct {
	Type  MinimumHealthyHostsType
	Value int
}

// Validate checks Type and Value. FLEET_PERCENT values are whole percentages
// 0–100; HOST_COUNT values are non-negative; MOST_CONCURRENCY is accepted only
// with Value 1, the predefined OneAtATime.
func (m MinimumHealthyHosts) Validate() error {
	switch m.Type {
	case HostCount:
		if m.Value < 0 {
			return fieldErr("minimumHealthyHosts.value", m.Value, "0 or more instances for HOST_COUNT")
		}
	case FleetPercent:
		if m.Value < 0 || m.Value > 100 {
			return fieldErr("minimumHealthyHosts.value", m.Value, "0 to 100 for FLEET_PERCENT")
		}
	case MostConcurrency:
		if m.Value != 1 {
			return fieldErr("minimumHealthyHosts.value", m.Value, "1 for MOST_CONCURRENCY (CodeDeployDefault.OneAtATime)")
		}
	default:
		return fieldErr("minimumHealthyHosts.type", m.Type, "HOST_COUNT or FLEET_PERCENT (MOST_CONCURRENCY only as reported for OneAtATime)")
	}
	return nil
}

// ErrMinimumHealthyUnreachable is returned (wrapped) when the minimum number
// of healthy instances is not below the number of instances, so CodeDeploy
// "will immediately fail the overall deployment" without deploying anywhere.
var ErrMinimumHealthyUnreachable = errors.New("plan: minimum healthy instances not below the fleet size")

// MinimumHealthyInstances converts m to a number of instances for a
// deployment of fleetSize instances: HOST_COUNT as given, FLEET_PERCENT
// rounded up, MOST_CONCURRENCY as fleetSize − 1 ("all instances but one are
// kept in a healthy state").
//
// Documented example: 10 instances at 95 % rounds up to 10.
func MinimumHealthyInstances(m MinimumHealthyHosts, fleetSize int) (int, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	if fleetSize < 1 {
		return 0, fieldErr("fleetSize", fleetSize, "1 or more instances")
	}
	switch m.Type {
	case FleetPercent:
		return ceilPercentOf(fleetSize, float64(m.Value)), nil
	case MostConcurrency:
		return fleetSize - 1, nil
	default:
		return m.Value, nil
	}
}

// CodeDeployMaxConcurrent returns how many instances of a fully healthy
// fleet CodeDeploy deploys to at the same time: "as many instances as it can
// without any risk of having the number of healthy instances fall below the
// specified minimum", that is fleetSize − minimum healthy.
//
// Documented examples: 9 instances with HOST_COUNT 6 deploy 3 at a time; 9
// with FLEET_PERCENT 40 (rounded up to 4) deploy 5 at a time; 10 with
// HOST_COUNT 9 deploy one at a time, 8 two at a time, 0 all at once.
//
// OneAtATime is special: it deploys one at a time even to a single-instance
// fleet (where fleetSize − (fleetSize − 1) is also 1). For every other
// configuration a minimum at or above the fleet size returns an error
// wrapping ErrMinimumHealthyUnreachable, as CodeDeploy fails such a
// deployment at once (documented: 10 instances at 95 %).
func CodeDeployMaxConcurrent(m MinimumHealthyHosts, fleetSize int) (int, error) {
	minHealthy, err := MinimumHealthyInstances(m, fleetSize)
	if err != nil {
		return 0, err
	}
	if m.Type == MostConcurrency {
		return 1, nil
	}
	if minHealthy >= fleetSize {
		return 0, fmt.Errorf("%w: %d of %d instances must stay healthy (%s %d)",
			ErrMinimumHealthyUnreachable, minHealthy, fleetSize, m.Type, m.Value)
	}
	return fleetSize - minHealthy, nil
}

// CodeDeploySucceeded reports whether CodeDeploy marks an in-place
// deployment to fleetSize instances as Succeeded when the revision reached
// succeeded instances: at least the minimum healthy number, and in every
// case at least one ("even if the minimum healthy hosts value is 0,
// deployment to at least one instance must succeed").
//
// With OneAtATime that is fleetSize − 1 (the last instance may fail), except
// that a single-instance fleet needs its one instance.
func CodeDeploySucceeded(m MinimumHealthyHosts, fleetSize, succeeded int) (bool, error) {
	minHealthy, err := MinimumHealthyInstances(m, fleetSize)
	if err != nil {
		return false, err
	}
	if succeeded < 0 || succeeded > fleetSize {
		return false, fieldErr("succeeded", succeeded, fmt.Sprintf("0 to the fleet size (%d)", fleetSize))
	}
	return succeeded >= max(1, minHealthy), nil
}

// CodeDeploy's predefined EC2/on-premises configuration names.
const (
	CodeDeployAllAtOnce   = "CodeDeployDefault.AllAtOnce"
	CodeDeployHalfAtATime = "CodeDeployDefault.HalfAtATime"
	CodeDeployOneAtATime  = "CodeDeployDefault.OneAtATime"
)

// codeDeployServerConfigs are the predefined EC2/on-premises configurations.
//
// OneAtATime: GetDeploymentConfig reports MOST_CONCURRENCY 1. An older
// version of the CodeDeploy user guide tabulated it as "99%"; that reading
// would round 99 % of 10 up to 10 and fail at once, which OneAtATime does
// not, so the API's answer is used.
var codeDeployServerConfigs = map[string]MinimumHealthyHosts{
	CodeDeployAllAtOnce:   {Type: HostCount, Value: 0},
	CodeDeployHalfAtATime: {Type: FleetPercent, Value: 50},
	CodeDeployOneAtATime:  {Type: MostConcurrency, Value: 1},
}

// CodeDeployServerConfig returns the minimum healthy hosts of a predefined
// EC2/on-premises configuration by its exact name. HalfAtATime deploys to
// "up to half of the instances at a time (with fractions rounded down)" —
// which is what FLEET_PERCENT 50 rounded up leaves: 9 instances, 4 at a time.
func CodeDeployServerConfig(name string) (MinimumHealthyHosts, error) {
	if m, ok := codeDeployServerConfigs[name]; ok {
		return m, nil
	}
	return MinimumHealthyHosts{}, unknownName("CodeDeploy EC2/on-premises deployment config", name, slices.Sorted(maps.Keys(codeDeployServerConfigs)))
}

// InstanceHealth is CodeDeploy's instance health of an instance.
type InstanceHealth string

const (
	// InstanceHealthy: the last deployment to the instance succeeded.
	InstanceHealthy InstanceHealth = "Healthy"
	// InstanceUnhealthy: the last attempt failed, or nothing was deployed yet.
	InstanceUnhealthy InstanceHealth = "Unhealthy"
)

// RevisionHealth is CodeDeploy's revision health of an instance.
type RevisionHealth string

const (
	// RevisionCurrent: the instance runs the revision of the deployment
	// group's last successful deployment.
	RevisionCurrent RevisionHealth = "Current"
	// RevisionOld: the instance runs an older revision.
	RevisionOld RevisionHealth = "Old"
	// RevisionUnknown: no revision was installed successfully.
	RevisionUnknown RevisionHealth = "Unknown"
)

// InstanceDescriptor is what the deploy order needs to know of an instance.
type InstanceDescriptor struct {
	ID       string
	Instance InstanceHealth
	Revision RevisionHealth
}

// codeDeployRank is the documented scheduling class of an instance: 0
// unhealthy, 1 unknown revision, 2 old revision, 3 current revision.
func codeDeployRank(d InstanceDescriptor) int {
	switch {
	case d.Instance == InstanceUnhealthy:
		return 0
	case d.Revision == RevisionUnknown:
		return 1
	case d.Revision == RevisionOld:
		return 2
	default:
		return 3
	}
}

// CodeDeployOrder returns the instances in the order CodeDeploy schedules an
// in-place deployment to them: unhealthy instance health first, then unknown
// revision health, then old revision health, then current revision health.
// Within a class the input order is kept (the sort is stable), so callers
// pass a deterministic order; CodeDeploy itself promises no order within a
// class. The input slice is not modified.
//
// Note that "Current" means the revision of the group's last successful
// deployment, not the revision being deployed now.
func CodeDeployOrder(instances []InstanceDescriptor) []InstanceDescriptor {
	out := slices.Clone(instances)
	slices.SortStableFunc(out, func(a, b InstanceDescriptor) int {
		return codeDeployRank(a) - codeDeployRank(b)
	})
	return out
}

// TrafficRoutingType is a CodeDeploy trafficRoutingConfig type, used by ECS
// and Lambda deployments.
type TrafficRoutingType string

const (
	AllAtOnce       TrafficRoutingType = "AllAtOnce"
	TimeBasedCanary TrafficRoutingType = "TimeBasedCanary"
	TimeBasedLinear TrafficRoutingType = "TimeBasedLinear"
)

// TrafficRouting is a CodeDeploy trafficRoutingConfig. Only the fields of
// its Type are read.
type TrafficRouting struct {
	Type TrafficRoutingType
	// CanaryPercent is timeBasedCanary.canaryPercentage: the share shifted
	// in the first increment.
	CanaryPercent float64
	// CanaryInterval is timeBasedCanary.canaryInterval (minutes in the
	// API): the wait before the remaining traffic is shifted.
	CanaryInterval time.Duration
	// LinearPercent is timeBasedLinear.linearPercentage: "the percentage of
	// traffic that is shifted at the start of each increment".
	LinearPercent float64
	// LinearInterval is timeBasedLinear.linearInterval (minutes in the API):
	// "the number of minutes between each incremental traffic shift".
	LinearInterval time.Duration
}

// Validate checks the fields of r.Type. CodeDeploy's API takes whole
// percentages and whole minutes.
//
// Choice: we require percentages 1–99 (a canary or step of 100 % is an
// all-at-once in disguise and 0 % never finishes) and intervals of at least
// one minute; the API reference gives the field types but no ranges.
func (r TrafficRouting) Validate() error {
	switch r.Type {
	case AllAtOnce:
		return nil
	case TimeBasedCanary:
		return validateShift("canaryPercentage", r.CanaryPercent, "canaryInterval", r.CanaryInterval)
	case TimeBasedLinear:
		return validateShift("linearPercentage", r.LinearPercent, "linearInterval", r.LinearInterval)
	default:
		return fieldErr("trafficRoutingConfig.type", r.Type, "AllAtOnce, TimeBasedCanary or TimeBasedLinear")
	}
}

func validateShift(pctField string, pct float64, intervalField string, interval time.Duration) error {
	if !isWhole(pct) || !inRange(pct, 1, 99) {
		return fieldErr(pctField, pct, "a whole percentage from 1 to 99")
	}
	if interval < time.Minute || !wholeMinutes(interval) {
		return fieldErr(intervalField, interval, "whole minutes, at least 1m")
	}
	return nil
}

// Schedule returns the weight schedule of r, with At measured from the first
// traffic shift.
//
//   - AllAtOnce: 100 % at 0.
//   - TimeBasedCanary: CanaryPercent at 0, 100 % at CanaryInterval.
//   - TimeBasedLinear: LinearPercent is shifted "at the start of each
//     increment", increments are LinearInterval apart, so increment k
//     (k = 0, 1, …) brings min(100, (k+1) × LinearPercent) at k × LinearInterval.
//
// So Linear10PercentEvery1Minute reaches 100 % at 9 minutes, not 10: ten
// increments, the first at the start, nine intervals between them. The
// common reading "10 % every minute, so 10 minutes" counts a tenth interval
// that has no shift at its start. When LinearPercent does not divide 100 the
// last increment shifts the remainder (15 %: 15, 30, …, 90, then 100).
func (r TrafficRouting) Schedule() ([]Step, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	switch r.Type {
	case TimeBasedCanary:
		return []Step{{At: 0, NewPercent: r.CanaryPercent}, {At: r.CanaryInterval, NewPercent: 100}}, nil
	case TimeBasedLinear:
		return linearSteps(r.LinearPercent, r.LinearInterval), nil
	default:
		return []Step{{At: 0, NewPercent: 100}}, nil
	}
}

// linearSteps shifts stepPercent at 0 and every interval after until 100 %.
// The percentage is accumulated in tenths of a percent so that steps such as
// ECS's 3.3 % add up exactly.
func linearSteps(stepPercent float64, interval time.Duration) []Step {
	stepTenths := int(stepPercent*10 + 0.5)
	var steps []Step
	for k := 0; ; k++ {
		tenths := min(1000, (k+1)*stepTenths)
		steps = append(steps, Step{At: time.Duration(k) * interval, NewPercent: float64(tenths) / 10})
		if tenths == 1000 {
			return steps
		}
	}
}

// ComputePlatform is the CodeDeploy compute platform a predefined
// traffic-shifting configuration belongs to.
type ComputePlatform string

const (
	PlatformECS    ComputePlatform = "ECS"
	PlatformLambda ComputePlatform = "Lambda"
)

// PredefinedTrafficConfig is one of CodeDeploy's predefined ECS or Lambda
// deployment configurations.
type PredefinedTrafficConfig struct {
	Name     string
	Platform ComputePlatform
	Routing  TrafficRouting
}

func canary(pct float64, minutes int) TrafficRouting {
	return TrafficRouting{Type: TimeBasedCanary, CanaryPercent: pct, CanaryInterval: time.Duration(minutes) * time.Minute}
}

func linear(pct float64, minutes int) TrafficRouting {
	return TrafficRouting{Type: TimeBasedLinear, LinearPercent: pct, LinearInterval: time.Duration(minutes) * time.Minute}
}

// codeDeployTrafficConfigs lists every predefined ECS and Lambda
// configuration with its exact name. The spellings are AWS's, inconsistent
// as they are: ECS linear names end in "Minutes" even for one minute
// (ECSLinear10PercentEvery1Minutes) while Lambda's one-minute name ends in
// "Minute" (LambdaLinear10PercentEvery1Minute). The ECS table of the
// CodeDeploy user guide writes "ECSCanary10percent5Minutes" with a lower-case
// p; the registered names (as used by CloudFormation, the CDK and the CLI)
// have "Percent", which is what is accepted here.
var codeDeployTrafficConfigs = []PredefinedTrafficConfig{
	{"CodeDeployDefault.ECSAllAtOnce", PlatformECS, TrafficRouting{Type: AllAtOnce}},
	{"CodeDeployDefault.ECSCanary10Percent5Minutes", PlatformECS, canary(10, 5)},
	{"CodeDeployDefault.ECSCanary10Percent15Minutes", PlatformECS, canary(10, 15)},
	{"CodeDeployDefault.ECSLinear10PercentEvery1Minutes", PlatformECS, linear(10, 1)},
	{"CodeDeployDefault.ECSLinear10PercentEvery3Minutes", PlatformECS, linear(10, 3)},
	{"CodeDeployDefault.LambdaAllAtOnce", PlatformLambda, TrafficRouting{Type: AllAtOnce}},
	{"CodeDeployDefault.LambdaCanary10Percent5Minutes", PlatformLambda, canary(10, 5)},
	{"CodeDeployDefault.LambdaCanary10Percent10Minutes", PlatformLambda, canary(10, 10)},
	{"CodeDeployDefault.LambdaCanary10Percent15Minutes", PlatformLambda, canary(10, 15)},
	{"CodeDeployDefault.LambdaCanary10Percent30Minutes", PlatformLambda, canary(10, 30)},
	{"CodeDeployDefault.LambdaLinear10PercentEvery1Minute", PlatformLambda, linear(10, 1)},
	{"CodeDeployDefault.LambdaLinear10PercentEvery2Minutes", PlatformLambda, linear(10, 2)},
	{"CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", PlatformLambda, linear(10, 3)},
	{"CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", PlatformLambda, linear(10, 10)},
}

// CodeDeployTrafficConfigs returns all predefined ECS and Lambda
// configurations, ECS first, each platform in the order of the CodeDeploy
// user guide. The slice is a copy.
func CodeDeployTrafficConfigs() []PredefinedTrafficConfig {
	return slices.Clone(codeDeployTrafficConfigs)
}

// CodeDeployTrafficConfig looks a predefined ECS or Lambda configuration up
// by its exact, case-sensitive name. An unknown name returns a *FieldError
// listing every allowed name, and a "did you mean" hint when the name
// differs from a real one only in letter case or a trailing "s" — the two
// slips AWS's own spellings invite.
func CodeDeployTrafficConfig(name string) (PredefinedTrafficConfig, error) {
	names := make([]string, len(codeDeployTrafficConfigs))
	for i, c := range codeDeployTrafficConfigs {
		if c.Name == name {
			return c, nil
		}
		names[i] = c.Name
	}
	return PredefinedTrafficConfig{}, unknownName("CodeDeploy ECS/Lambda deployment config", name, names)
}

// CodeDeployConfigNames returns every predefined CodeDeploy configuration
// name this package knows, EC2/on-premises first, sorted within each group.
func CodeDeployConfigNames() []string {
	names := slices.Sorted(maps.Keys(codeDeployServerConfigs))
	traffic := make([]string, 0, len(codeDeployTrafficConfigs))
	for _, c := range codeDeployTrafficConfigs {
		traffic = append(traffic, c.Name)
	}
	slices.Sort(traffic)
	return append(names, traffic...)
}

// unknownName builds the lookup error: the allowed names, and a hint when the
// given name is a near miss.
func unknownName(what, name string, allowed []string) error {
	desc := strings.Join(allowed, ", ")
	for _, a := range allowed {
		if strings.EqualFold(a, name) || strings.TrimSuffix(a, "s") == strings.TrimSuffix(name, "s") {
			desc = fmt.Sprintf("one of %s (did you mean %q?)", desc, a)
			return fieldErr(what, fmt.Sprintf("%q", name), desc)
		}
	}
	return fieldErr(what, fmt.Sprintf("%q", name), "one of "+desc)
}
