package strategies

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// The contract: the only way a strategy sees and changes the world. Each
// interface is shaped like the real API a deployment controller calls
// (Auto Scaling, ELBv2, Route 53, a CodeDeploy agent, a migration tool,
// CloudWatch) and is owned here, by its consumer. The simulated world in
// package models is one implementation; another could drive a real cloud.
//
// Every method may be called only from the strategy's own goroutine of
// control (Run). Methods that take time in the real service (a migration, a
// synchronous wait) block for that much virtual time; everything else
// returns at once and is observed by polling, as real controllers do.
// Errors are operating errors (a group that does not exist, a weight out of
// range) and are never panics.

// ID types are distinct so that an instance cannot be passed where a target
// group is meant.
type (
	InstanceID     int
	GroupID        int
	TargetGroupID  int
	LoadBalancerID int
)

func (id InstanceID) String() string     { return fmt.Sprintf("i-%04d", int(id)) }
func (id GroupID) String() string        { return fmt.Sprintf("asg-%d", int(id)) }
func (id TargetGroupID) String() string  { return fmt.Sprintf("tg-%d", int(id)) }
func (id LoadBalancerID) String() string { return fmt.Sprintf("alb-%d", int(id)) }

// Version names an application revision ("v1").
type Version string

// ErrNotFound is wrapped by errors about an ID that does not exist.
var ErrNotFound = errors.New("not found")

// ErrIrreversible is returned by Database.Revert for a migration that has
// no down-migration.
var ErrIrreversible = errors.New("migration is irreversible")

// Clock is virtual time. Sleep blocks the strategy for d.
type Clock interface {
	Now() time.Duration
	Sleep(d time.Duration)
}

// InstanceState is an EC2/Auto Scaling lifecycle state.
type InstanceState uint8

const (
	Pending     InstanceState = iota // launched, booting
	InService                        // running the application (or trying to)
	Terminating                      // being shut down
	Terminated
)

func (s InstanceState) String() string {
	return [...]string{"pending", "in_service", "terminating", "terminated"}[s]
}

// Instance is what DescribeGroup reports of one instance.
type Instance struct {
	ID      InstanceID
	Group   GroupID
	AZ      string
	Version Version
	State   InstanceState
	// Healthy is the Auto Scaling health status: EC2 status checks, and for
	// health-check type ELB also the target groups' verdict after the grace
	// period.
	Healthy bool
	// Serving is whether the application process is up and accepting
	// connections (false while booting, crashed, or stopped for an in-place
	// deploy).
	Serving bool
}

// GroupSpec creates an Auto Scaling group from a launch template version.
type GroupSpec struct {
	Name         string
	Version      Version
	Desired      int
	Min, Max     int
	TargetGroups []TargetGroupID
	// HealthCheckType is "EC2" (default) or "ELB".
	HealthCheckType string
	// HealthCheckGracePeriod defaults to 300s.
	HealthCheckGracePeriod time.Duration
	// ReplaceOnExit makes the group treat its instances as an Amazon ECS
	// service treats its tasks: when the application process exits (a
	// crash, an out-of-memory kill) the instance is stopped and the group
	// launches a new one — a new ID, a new start, a new placement —
	// instead of restarting the process in place as a supervisor on an
	// instance does.
	ReplaceOnExit bool
}

// GroupUpdate changes a group; nil fields are left alone.
type GroupUpdate struct {
	Desired, Min, Max *int
	Version           *Version // the launch template version new instances get
}

// Group is what DescribeGroup reports.
type Group struct {
	ID                GroupID
	Name              string
	Version           Version
	Desired, Min, Max int
	TargetGroups      []TargetGroupID
	Instances         []Instance
}

// AutoScaling is the Auto Scaling API subset a deployment controller uses.
type AutoScaling interface {
	CreateGroup(spec GroupSpec) (GroupID, error)
	UpdateGroup(id GroupID, u GroupUpdate) error
	// TerminateInstance terminates one instance; with decrementDesired the
	// group does not launch a replacement.
	TerminateInstance(id InstanceID, decrementDesired bool) error
	DescribeGroup(id GroupID) (Group, error)
	// DeleteGroup terminates every instance of the group and removes it.
	DeleteGroup(id GroupID) error
	// SuspendProcesses and ResumeProcesses stop and restart Auto Scaling
	// processes of a group (Launch, Terminate, AddToLoadBalancer,
	// HealthCheck, ReplaceUnhealthy, AZRebalance, AlarmNotification,
	// ScheduledActions, InstanceRefresh), as CloudFormation's
	// SuspendProcesses does for the length of a rolling update. An
	// unknown name is an error; suspending a process twice is not.
	SuspendProcesses(id GroupID, processes ...string) error
	ResumeProcesses(id GroupID, processes ...string) error
}

// TargetState is an ELBv2 target health state.
type TargetState uint8

const (
	TargetInitial TargetState = iota
	TargetHealthy
	TargetUnhealthy
	TargetDraining
	TargetUnused
)

func (s TargetState) String() string {
	return [...]string{"initial", "healthy", "unhealthy", "draining", "unused"}[s]
}

// TargetHealth is one row of DescribeTargetHealth.
type TargetHealth struct {
	Instance InstanceID
	State    TargetState
}

// Forward is one weighted target group of a listener's forward action.
// Weights are 0–999.
type Forward struct {
	TargetGroup TargetGroupID
	Weight      int
}

// LoadBalancing is the ELBv2 API subset: target groups, registration with
// deregistration delay (draining), listener weights, and target health.
type LoadBalancing interface {
	CreateTargetGroup(name string) (TargetGroupID, error)
	RegisterTargets(tg TargetGroupID, ids ...InstanceID) error
	// DeregisterTargets starts draining: the targets get no new requests
	// and are removed when their in-flight requests finish or the
	// deregistration delay passes.
	DeregisterTargets(tg TargetGroupID, ids ...InstanceID) error
	DescribeTargetHealth(tg TargetGroupID) ([]TargetHealth, error)
	// SetListener replaces the forward action of the load balancer's
	// listener.
	SetListener(lb LoadBalancerID, fwd []Forward) error
	Listener(lb LoadBalancerID) ([]Forward, error)
}

// LoadBalancers creates and deletes whole load balancers (an environment of
// its own, as in blue/green with DNS).
type LoadBalancers interface {
	// CreateLoadBalancer creates a load balancer whose listener forwards to
	// tg, reachable under the environment name cname.
	CreateLoadBalancer(cname string, tg TargetGroupID) (LoadBalancerID, error)
	DeleteLoadBalancer(id LoadBalancerID) error
}

// WeightedRecord is one Route 53 weighted record of the application's name:
// its SetIdentifier, the environment name (CNAME) it points to, and its
// weight 0–255.
type WeightedRecord struct {
	SetIdentifier string
	Target        string
	Weight        int
}

// DNS is the Route 53 API subset for the application's name. Changes take
// effect at the authoritative servers at once; clients see them as their
// resolvers' caches expire.
type DNS interface {
	SetWeights(records []WeightedRecord) error
	Weights() []WeightedRecord
	// SwapCNAMEs exchanges the load balancers behind two environment names
	// (Elastic Beanstalk's swap-environment-cnames).
	SwapCNAMEs(a, b string) error
	TTL() time.Duration
}

// DeployState is the state of an in-place deployment on one instance.
type DeployState uint8

const (
	DeployNone DeployState = iota
	DeployInProgress
	DeploySucceeded
	DeployFailed
)

func (s DeployState) String() string {
	return [...]string{"none", "in_progress", "succeeded", "failed"}[s]
}

// DeployOptions configure one in-place deployment.
type DeployOptions struct {
	// BlockTraffic deregisters the instance from its target groups (and
	// waits for draining) before stopping the application, and registers it
	// again (waiting for it to be healthy) after starting it — CodeDeploy
	// with a load balancer, Elastic Beanstalk rolling. Without it the
	// application restarts under traffic (all at once).
	BlockTraffic bool
	// AllowTrafficTimeout bounds the wait for the target to be healthy
	// after AllowTraffic; zero means 5 minutes.
	AllowTrafficTimeout time.Duration
	// Reboot makes the deployment an operating-system patch as Systems
	// Manager's AWS-RunPatchBaseline applies one: the revision is
	// downloaded and installed while the application keeps serving, then
	// the instance reboots — the application is down for the revision's
	// start time and comes back on the new revision. Without BlockTraffic
	// the load balancer keeps sending requests to the rebooting instance
	// until its health checks fail.
	Reboot bool
}

// DeployStatus reports an in-place deployment.
type DeployStatus struct {
	State DeployState
	// Step is the lifecycle event running or, after a failure, the one that
	// failed (CodeDeploy names: "BlockTraffic", "Install", ...).
	Step string
	Err  string
}

// InPlace deploys a revision onto an existing instance through the
// CodeDeploy lifecycle (ApplicationStop, DownloadBundle, BeforeInstall,
// Install, AfterInstall, ApplicationStart, ValidateService, and the traffic
// events around them).
type InPlace interface {
	StartDeploy(id InstanceID, v Version, o DeployOptions) error
	DescribeDeploy(id InstanceID) (DeployStatus, error)
}

// Signals is CloudFormation's resource signalling (the cfn-signal helper
// script calling SignalResource) as a stack operation sees it: an
// instance launched from a template whose bootstrap ends with cfn-signal
// sends one success signal when its application first comes up. An
// instance that never comes up (it died while booting, it is still
// booting) has sent none; CloudFormation counts it as failed when the
// wait times out.
type Signals interface {
	// Signal reports whether instance id has signalled success, and
	// when. An unknown instance has sent nothing.
	Signal(id InstanceID) (at time.Duration, ok bool)
}

// Database runs the release's schema migrations. Both calls block for the
// migration's duration.
type Database interface {
	Migrate(name string) error
	// Revert runs the down-migration; ErrIrreversible if there is none.
	Revert(name string) error
	SchemaVersion() int
}

// Flags turns a feature flag on for a share of users (0–100), chosen by a
// stable hash of the user so that a cohort only grows.
type Flags interface {
	SetFlag(name string, percent float64) error
}

// AlarmState is a CloudWatch alarm state.
type AlarmState uint8

const (
	InsufficientData AlarmState = iota
	AlarmOK
	InAlarm
)

func (s AlarmState) String() string {
	return [...]string{"INSUFFICIENT_DATA", "OK", "ALARM"}[s]
}

// Scope selects the requests a query covers: a version, a target group,
// or both (zero values mean "any").
type Scope struct {
	Version     Version
	TargetGroup TargetGroupID
}

// Stats aggregates the requests of a scope over a window.
type Stats struct {
	Requests    int64
	Errors      int64 // every outcome but ok
	AppErrors   int64 // 5xx from the application itself
	SuccessRate float64
	LatencyP50  time.Duration
	LatencyP90  time.Duration
	LatencyP99  time.Duration
	LatencyMean time.Duration
}

// Observer is the monitoring a controller reads: alarms and metrics.
type Observer interface {
	AlarmState(name string) (AlarmState, error)
	// Window aggregates scope over the last d (rounded to whole metric
	// periods of the world's measurement bucket).
	Window(scope Scope, d time.Duration) Stats
	// Samples returns one value per period over the last d, oldest first,
	// for metric "error_rate", "success_rate", "latency_p50",
	// "latency_p99", "latency_mean" or "requests"; periods without
	// requests are left out.
	Samples(scope Scope, metric string, d, period time.Duration) ([]float64, error)
	// HealthyHosts counts healthy targets of a target group.
	HealthyHosts(tg TargetGroupID) int
}

// PhaseKind says what a strategy spends its time on, so that the
// deployment's duration can be split into work and waiting.
type PhaseKind uint8

const (
	// PhaseActive: changing the world or waiting for a change to take
	// effect (launches, installs, health checks, draining, migrations).
	PhaseActive PhaseKind = iota
	// PhaseWaiting: holding on purpose while the triggers watch — pauses
	// between steps, bake times, approvals, analysis intervals, warm-ups.
	PhaseWaiting
	// PhaseTerminationWait: the old fleet kept alive after the switch so
	// that a rollback is a switch back (CodeDeploy terminationWaitTime,
	// Argo scaleDownDelaySeconds).
	PhaseTerminationWait
)

func (k PhaseKind) String() string {
	return [...]string{"active", "waiting", "termination_wait"}[k]
}

// Recorder receives what a strategy is doing, for the timeline and the
// measurements: phases ("batch 2/4", "shift 20%") and the rollback decision.
type Recorder interface {
	Phase(name string)
	// Spending classifies the strategy's time from now until the next
	// call (PhaseActive before the first); the measurements split the
	// deployment's duration by it.
	Spending(kind PhaseKind)
	// RollbackStarted marks the moment trigger t fired and the strategy
	// began to roll back; reason says what it saw, in words.
	RollbackStarted(t Trigger, reason string)
	// Note records an event worth showing (an approval, an analysis
	// verdict).
	Note(msg string)
}

// Target is the deployment at hand: what is running, where, and what to
// roll out.
type Target struct {
	From, To Version
	// Group is the Auto Scaling group running From, behind TargetGroup on
	// LoadBalancer, reachable as environment CNAME.
	Group        GroupID
	TargetGroup  TargetGroupID
	LoadBalancer LoadBalancerID
	CNAME        string
	// Record is the Route 53 SetIdentifier of the live environment's
	// weighted record.
	Record string
	// Migrations are the release's schema migrations, in order.
	Migrations []string
	// Flag is the feature flag guarding the new code path, if any.
	Flag string
	// Contraindications lists reasons the release should not run two
	// versions side by side (set by the scenario: tight schema coupling,
	// special upgrade routines, software that cannot run twice).
	Contraindications []string
}

// Env is everything a strategy is handed.
type Env struct {
	Clock Clock
	ASG   AutoScaling
	ELB   LoadBalancing
	LBs   LoadBalancers
	DNS   DNS
	Agent InPlace
	DB    Database
	Flags Flags
	// Signals are the cfn-signal success signals of launched instances.
	Signals Signals
	Obs     Observer
	Log     Recorder
	// Rand is the strategy's own seeded stream (human reaction times,
	// approval delays).
	Rand   *rand.Rand
	Target Target
}

// Outcome is how a deployment ended.
type Outcome uint8

const (
	Succeeded      Outcome = iota // the new version serves all traffic
	RolledBack                    // a trigger fired and the old version serves all traffic again
	Failed                        // stuck: timed out or gave up with versions mixed
	RollbackFailed                // a rollback was needed and could not restore the old version
)

// Outcomes lists every outcome in order.
var Outcomes = []Outcome{Succeeded, RolledBack, Failed, RollbackFailed}

func (o Outcome) String() string {
	return [...]string{"succeeded", "rolled_back", "failed", "rollback_failed"}[o]
}

// TriggerKind is the kind of thing that stopped a deployment before its
// end: what fired the rollback, or what left the deployment failed.
type TriggerKind uint8

const (
	TriggerNone      TriggerKind = iota // the deployment ran to its end
	TriggerAlarm                        // a CloudWatch alarm went into ALARM
	TriggerAnalysis                     // an Argo analysis metric or a Flagger check failed
	TriggerJudge                        // a Kayenta judge gave a Fail verdict
	TriggerBreaker                      // the ECS deployment circuit breaker tripped
	TriggerDeadline                     // the progress deadline passed
	TriggerHuman                        // the on-call engineer acted on a red dashboard
	TriggerApproval                     // a manual approval was rejected or timed out
	TriggerHealth                       // new instances failed health checks during an evaluation
	TriggerLifecycle                    // an in-place deployment failed at a lifecycle event
	TriggerMigration                    // a schema migration failed
	// TriggerSignal: CloudFormation did not receive enough cfn-signal
	// successes within PauseTime or a CreationPolicy's Timeout.
	TriggerSignal
	TriggerTimeLimit // the run's time limit stopped the controller
	// TriggerEndState: the strategy reported success, but the world's end
	// state contradicts it (the old version still answers requests).
	TriggerEndState
	// TriggerError is an operating error: the world refused a call the
	// controller needed (an alarm or group that does not exist). It is a
	// problem of the setup, not an outcome of the deployment: the runner
	// reports it as an error.
	TriggerError
)

// TriggerKinds lists every kind but TriggerNone, in order.
var TriggerKinds = []TriggerKind{TriggerAlarm, TriggerAnalysis, TriggerJudge, TriggerBreaker, TriggerDeadline,
	TriggerHuman, TriggerApproval, TriggerHealth, TriggerLifecycle, TriggerMigration, TriggerSignal, TriggerTimeLimit, TriggerEndState, TriggerError}

func (k TriggerKind) String() string {
	return [...]string{"", "alarm", "analysis", "judge", "breaker", "deadline", "human", "approval",
		"health", "lifecycle", "migration", "signal", "time_limit", "end_state", "error"}[k]
}

// Trigger is what stopped a deployment: its kind and, for kinds with
// several instances, which one (the alarm's or analysis metric's name, the
// approval gate, the lifecycle event). Reports group runs by it, so Name
// holds no measured values.
type Trigger struct {
	Kind TriggerKind
	Name string
}

// Result is what a strategy reports when it returns.
type Result struct {
	Outcome Outcome
	// Trigger is what stopped the deployment early (Kind TriggerNone when
	// it ran to its end).
	Trigger Trigger
	Reason  string
}

// Strategy is a deployment controller.
type Strategy interface {
	// Name is the catalogue name ("rolling", "blue-green").
	Name() string
	// Run carries out the deployment of env.Target and returns when it has
	// succeeded, rolled back or given up.
	Run(env Env) Result
}
