package strategies

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/deploysim/deploysim/strategies/analysis"
	"github.com/deploysim/deploysim/strategies/plan"
)

// Rollback configures what makes a strategy roll back and how long it keeps
// watching. Every strategy embeds it under the YAML key "rollback"; zero
// fields take the defaults listed here.
type Rollback struct {
	// Alarms are CloudWatch alarm names; any of them in ALARM is a trigger
	// (CodeDeploy alarmConfiguration, EB/ASG instance refresh alarms). The
	// ref tag asks a scenario loader to resolve the names against the
	// scenario's alarms.
	Alarms []string `yaml:"alarms" ref:"alarm"`
	// Analysis are Argo Rollouts AnalysisTemplate metrics run in the
	// background for the whole rollout (Argo's canary.analysis); a Failed or
	// Error metric is a trigger.
	Analysis []AnalysisMetric `yaml:"analysis"`
	// Judge is a Kayenta canary judge run in the background while both
	// versions serve; a Fail verdict is a trigger.
	Judge *JudgeConfig `yaml:"judge"`
	// CircuitBreaker is ECS's deployment circuit breaker.
	CircuitBreaker CircuitBreaker `yaml:"circuit_breaker"`
	// ProgressDeadline bounds every wait for capacity to become healthy
	// (Kubernetes progressDeadlineSeconds, EB Timeout): 10m.
	ProgressDeadline time.Duration `yaml:"progress_deadline"`
	// ProgressDeadlineAbort rolls back when the deadline passes (Argo
	// progressDeadlineAbort); false leaves the deployment stuck with the
	// outcome failed, as a Kubernetes Deployment does. Default true.
	ProgressDeadlineAbort *bool `yaml:"progress_deadline_abort"`
	// Human is the on-call engineer watching the service's error rate.
	Human Human `yaml:"human"`
	// Approval is the person who answers manual approval gates.
	Approval Approval `yaml:"approval"`
	// BakeTime is how long triggers are still watched after the last
	// traffic shift before the deployment counts as done (ECS bakeTime;
	// for other tools the time people keep watching dashboards): 10m.
	BakeTime *time.Duration `yaml:"bake_time"`
	// RevertMigrations runs the release's down-migrations, newest first,
	// when rolling back (default true). Set false for expand-only
	// releases, whose schema the old version works with.
	RevertMigrations *bool `yaml:"revert_migrations"`
	// PollInterval is how often the controller polls the world: 5s.
	PollInterval time.Duration `yaml:"poll_interval"`
}

// Human models people noticing a problem on the dashboards: once the error
// rate of the whole service over Window exceeds ErrorRate, someone acts
// after a delay drawn from a log-normal distribution, if the dashboard is
// still red then.
type Human struct {
	Disabled    bool          `yaml:"disabled"`
	DelayMean   time.Duration `yaml:"delay_mean"`   // 5m
	DelayStdDev time.Duration `yaml:"delay_stddev"` // 2m
	ErrorRate   float64       `yaml:"error_rate"`   // 0.01
	Window      time.Duration `yaml:"window"`       // 1m
}

// Approval is the approver of manual gates: they arrive after a log-normal
// delay and approve unless the new version's error rate is above the
// Human threshold.
type Approval struct {
	DelayMean   time.Duration `yaml:"delay_mean"`   // 10m
	DelayStdDev time.Duration `yaml:"delay_stddev"` // 5m
}

// CircuitBreaker is ECS's deploymentCircuitBreaker. It counts failed
// tasks of the new revision — a task that stops without the deployment
// stopping it (its essential container exited, it never reached RUNNING,
// its machine died), a task marked unhealthy by the load balancer or by
// its group, an in-place deployment that failed — and marks the
// deployment FAILED when the count reaches the threshold. With
// ResetOnHealthyTask (the default) a new-revision task that becomes
// healthy resets the count to zero: ECS's consecutive model; without it
// failures add up over the whole deployment (the cumulative model).
type CircuitBreaker struct {
	Enable bool `yaml:"enable"`
	// Rollback rolls back when the breaker trips; without it the
	// deployment is left failed.
	Rollback bool `yaml:"rollback"`
	// Threshold overrides the default ⌈0.5 × desired⌉ clamped to 3..200
	// (ECS thresholdConfiguration type COUNT).
	Threshold int `yaml:"threshold"`
	// ResetOnHealthyTask is ECS's resetOnHealthyTask: true.
	ResetOnHealthyTask *bool `yaml:"reset_on_healthy_task"`
}

// AnalysisMetric is one Argo Rollouts AnalysisTemplate metric whose
// provider is the world's monitoring: result is a one-element vector.
type AnalysisMetric struct {
	Name string `yaml:"name"`
	// Metric is error_rate, success_rate, latency_p50, latency_p90,
	// latency_p99, latency_mean (milliseconds) or requests (per second).
	Metric string `yaml:"metric"`
	// Scope is canary (the new version, default), stable or all.
	Scope                 string        `yaml:"scope"`
	Interval              time.Duration `yaml:"interval"` // 1m
	Count                 int           `yaml:"count"`
	InitialDelay          time.Duration `yaml:"initial_delay"`
	SuccessCondition      string        `yaml:"success_condition"`
	FailureCondition      string        `yaml:"failure_condition"`
	FailureLimit          int           `yaml:"failure_limit"`
	InconclusiveLimit     int           `yaml:"inconclusive_limit"`
	ConsecutiveErrorLimit *int          `yaml:"consecutive_error_limit"`
}

// JudgeConfig is a Kayenta canary configuration over the world's metrics.
type JudgeConfig struct {
	// Metrics default to error_rate (critical, increase) and latency_p99
	// (increase, allowed_increase 1.2).
	Metrics []JudgeMetric `yaml:"metrics"`
	// Interval is the analysis lifetime judged each time: 5m.
	Interval time.Duration `yaml:"interval"`
	// Period is one sample's width: 10s.
	Period   time.Duration `yaml:"period"`
	Pass     float64       `yaml:"pass"`     // 95
	Marginal float64       `yaml:"marginal"` // 75
}

// JudgeMetric is one metric of a JudgeConfig.
type JudgeMetric struct {
	Name            string  `yaml:"name"`
	Direction       string  `yaml:"direction"` // increase, decrease or either (default)
	Critical        bool    `yaml:"critical"`
	AllowedIncrease float64 `yaml:"allowed_increase"`
	AllowedDecrease float64 `yaml:"allowed_decrease"`
}

// rollbackDefaults holds defaults that are not zero values of the fields.
const (
	defaultPoll             = 5 * time.Second
	defaultProgressDeadline = 10 * time.Minute
	defaultBakeTime         = 10 * time.Minute
	// noProgressDeadline stands for a tool without one (ECS).
	noProgressDeadline = time.Duration(math.MaxInt64 / 2)
)

// withDefaults fills zero fields and validates.
// applyDefaults replaces r by r with its defaults applied and checked.
func (r *Rollback) applyDefaults() error {
	d, err := r.withDefaults()
	if err == nil {
		*r = d
	}
	return err
}

func (r Rollback) withDefaults() (Rollback, error) {
	if r.PollInterval <= 0 {
		r.PollInterval = defaultPoll
	}
	if r.ProgressDeadline <= 0 {
		r.ProgressDeadline = defaultProgressDeadline
	}
	if r.ProgressDeadlineAbort == nil {
		r.ProgressDeadlineAbort = new(true)
	}
	if r.BakeTime == nil {
		r.BakeTime = new(defaultBakeTime)
	} else if *r.BakeTime < 0 {
		return r, fmt.Errorf("rollback.bake_time %v: allowed 0 or more", *r.BakeTime)
	}
	if r.RevertMigrations == nil {
		r.RevertMigrations = new(true)
	}
	h := &r.Human
	if h.DelayMean <= 0 {
		h.DelayMean = 5 * time.Minute
	}
	if h.DelayStdDev <= 0 {
		h.DelayStdDev = 2 * time.Minute
	}
	if h.ErrorRate <= 0 {
		h.ErrorRate = 0.01
	}
	if h.Window <= 0 {
		h.Window = time.Minute
	}
	if r.Approval.DelayMean <= 0 {
		r.Approval.DelayMean = 10 * time.Minute
	}
	if r.Approval.DelayStdDev <= 0 {
		r.Approval.DelayStdDev = 5 * time.Minute
	}
	if r.CircuitBreaker.ResetOnHealthyTask == nil {
		r.CircuitBreaker.ResetOnHealthyTask = new(true)
	}
	if r.CircuitBreaker.Threshold < 0 {
		return r, fmt.Errorf("rollback.circuit_breaker.threshold %d: allowed 0 (default) or more", r.CircuitBreaker.Threshold)
	}
	for i := range r.Analysis {
		if _, err := r.Analysis[i].evaluator(); err != nil {
			return r, fmt.Errorf("rollback.analysis[%d]: %w", i, err)
		}
	}
	if r.Judge != nil {
		j := *r.Judge
		if _, err := j.judge(); err != nil {
			return r, fmt.Errorf("rollback.judge: %w", err)
		}
	}
	return r, nil
}

// sampleMetrics are the metrics Observer.Samples and analysis accept.
var sampleMetrics = []string{"error_rate", "success_rate", "latency_p50", "latency_p90", "latency_p99", "latency_mean", "requests"}

func validMetric(m string) bool {
	for _, s := range sampleMetrics {
		if s == m {
			return true
		}
	}
	return false
}

// evaluator compiles the metric (and fills its defaults in m).
func (m *AnalysisMetric) evaluator() (*analysis.Evaluator, error) {
	if m.Metric == "" {
		m.Metric = "error_rate"
	}
	if !validMetric(m.Metric) {
		return nil, fmt.Errorf("metric %q: allowed %v", m.Metric, sampleMetrics)
	}
	switch m.Scope {
	case "":
		m.Scope = "canary"
	case "canary", "stable", "all":
	default:
		return nil, fmt.Errorf("scope %q: allowed canary, stable, all", m.Scope)
	}
	if m.Name == "" {
		m.Name = m.Metric
	}
	if m.Interval <= 0 {
		m.Interval = time.Minute
	}
	return analysis.NewEvaluator(analysis.Metric{
		Name: m.Name, Interval: m.Interval, Count: m.Count,
		SuccessCondition: m.SuccessCondition, FailureCondition: m.FailureCondition,
		FailureLimit: m.FailureLimit, InconclusiveLimit: m.InconclusiveLimit,
		ConsecutiveErrorLimit: m.ConsecutiveErrorLimit,
	})
}

// judge fills the defaults of j and builds the Kayenta judge.
func (j *JudgeConfig) judge() (*analysis.Judge, error) {
	if len(j.Metrics) == 0 {
		j.Metrics = []JudgeMetric{
			{Name: "error_rate", Direction: "increase", Critical: true},
			{Name: "latency_p99", Direction: "increase", AllowedIncrease: 1.2},
		}
	}
	if j.Interval <= 0 {
		j.Interval = 5 * time.Minute
	}
	if j.Period <= 0 {
		j.Period = 10 * time.Second
	}
	if j.Pass == 0 {
		j.Pass = 95
	}
	if j.Marginal == 0 {
		j.Marginal = 75
	}
	cfg := analysis.CanaryConfig{Scores: analysis.Scores{Pass: j.Pass, Marginal: j.Marginal}}
	for i, m := range j.Metrics {
		if !validMetric(m.Name) {
			return nil, fmt.Errorf("metrics[%d].name %q: allowed %v", i, m.Name, sampleMetrics)
		}
		var dir analysis.Direction
		switch m.Direction {
		case "", "either":
			dir = analysis.DirectionEither
		case "increase":
			dir = analysis.DirectionIncrease
		case "decrease":
			dir = analysis.DirectionDecrease
		default:
			return nil, fmt.Errorf("metrics[%d].direction %q: allowed increase, decrease, either", i, m.Direction)
		}
		group := m.Name
		cfg.Metrics = append(cfg.Metrics, analysis.MetricConfig{
			Name: m.Name, Groups: []string{group}, Direction: dir, Critical: m.Critical,
			NaNStrategy: analysis.NaNRemove,
			EffectSize:  analysis.EffectSize{AllowedIncrease: m.AllowedIncrease, AllowedDecrease: m.AllowedDecrease},
		})
	}
	return analysis.NewJudge(cfg)
}

// scheduledMetric is a background analysis metric and its next measurement.
type scheduledMetric struct {
	m    AnalysisMetric
	e    *analysis.Evaluator
	next time.Duration
	done bool
}

// watcher evaluates every configured trigger at each poll. It is the one
// place the strategies' rollback decisions come from.
type watcher struct {
	env Env
	cfg Rollback

	metrics   []*scheduledMetric
	judge     *analysis.Judge
	judgeCfg  JudgeConfig
	nextJudge time.Duration

	// human: when the dashboard turned red and when someone acts on it.
	humanDecideAt time.Duration // -1 while nobody is looking into it

	// circuit breaker: the failure count, the new-version instances
	// already counted as failed or as healthy, and failed in-place
	// deployments not yet counted.
	cbFailures  int
	cbFailed    map[InstanceID]bool
	cbHealthy   map[InstanceID]bool
	cbPending   int
	cbThreshold int
	groups      []GroupID
	ours        map[InstanceID]bool // terminated by the strategy itself
	seen        map[InstanceID]bool // new-version instances seen in a watched group

	lastProgress time.Duration
}

func newWatcher(env Env, cfg Rollback) *watcher {
	w := &watcher{
		env: env, cfg: cfg, humanDecideAt: -1,
		cbFailed: map[InstanceID]bool{}, cbHealthy: map[InstanceID]bool{},
		ours: map[InstanceID]bool{}, seen: map[InstanceID]bool{},
		lastProgress: env.Clock.Now(),
	}
	now := env.Clock.Now()
	for _, m := range cfg.Analysis {
		e, err := m.evaluator() // validated in withDefaults
		if err != nil {
			panic(err)
		}
		w.metrics = append(w.metrics, &scheduledMetric{m: m, e: e, next: now + m.InitialDelay + m.Interval})
	}
	if cfg.Judge != nil {
		w.judgeCfg = *cfg.Judge
		w.judge, _ = w.judgeCfg.judge()
		w.nextJudge = now + w.judgeCfg.Interval
	}
	return w
}

// setDesired fixes the circuit breaker threshold for a service of desired
// instances.
func (w *watcher) setDesired(desired int) {
	w.cbThreshold = plan.ECSCircuitBreakerThreshold(desired)
	if w.cfg.CircuitBreaker.Threshold > 0 {
		w.cbThreshold = w.cfg.CircuitBreaker.Threshold
	}
}

// scope resolves an analysis scope name.
func (w *watcher) scope(name string) Scope {
	switch name {
	case "stable":
		return Scope{Version: w.env.Target.From}
	case "all":
		return Scope{}
	}
	return Scope{Version: w.env.Target.To}
}

// measure reads one value of metric over the last d; ok is false without
// requests.
func measure(obs Observer, s Scope, metric string, d time.Duration) (float64, bool) {
	st := obs.Window(s, d)
	if st.Requests == 0 {
		return 0, false
	}
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	switch metric {
	case "error_rate":
		return 1 - st.SuccessRate, true
	case "success_rate":
		return st.SuccessRate, true
	case "latency_p50":
		return ms(st.LatencyP50), true
	case "latency_p90":
		return ms(st.LatencyP90), true
	case "latency_p99":
		return ms(st.LatencyP99), true
	case "latency_mean":
		return ms(st.LatencyMean), true
	case "requests":
		return float64(st.Requests) / d.Seconds(), true
	}
	return math.NaN(), false
}

// check evaluates the triggers once and returns the first that fires, or
// nil. The abort is stuck when the trigger stops the deployment without
// rolling back (a circuit breaker without rollback).
func (w *watcher) check() *abort {
	if a := w.checkAlarms(); a != nil {
		return a
	}
	if a := w.checkAnalysis(); a != nil {
		return a
	}
	if r := w.checkJudge(); r != "" {
		return failAs(Trigger{Kind: TriggerJudge}, "%s", r)
	}
	if r := w.checkCircuitBreaker(); r != "" {
		return &abort{trigger: Trigger{Kind: TriggerBreaker}, reason: r, stuck: !w.cfg.CircuitBreaker.Rollback}
	}
	if r := w.checkHuman(); r != "" {
		return failAs(Trigger{Kind: TriggerHuman}, "%s", r)
	}
	return nil
}

// checkAlarms: an alarm that cannot be read (one that does not exist) is
// an operating error, not a reason to roll back.
func (w *watcher) checkAlarms() *abort {
	for _, a := range w.cfg.Alarms {
		st, err := w.env.Obs.AlarmState(a)
		if err != nil {
			return fail("alarm %s: %v", a, err)
		}
		if st == InAlarm {
			return failAs(Trigger{TriggerAlarm, a}, "alarm %s in ALARM", a)
		}
	}
	return nil
}

func (w *watcher) checkAnalysis() *abort {
	now := w.env.Clock.Now()
	for _, sm := range w.metrics {
		if sm.done || now < sm.next {
			continue
		}
		sm.next = now + sm.m.Interval
		if r := observeMetric(w.env, sm.e, sm.m, w.scope(sm.m.Scope)); r != "" {
			sm.done = true
			return failAs(Trigger{TriggerAnalysis, sm.m.Name}, "%s", r)
		}
		if sm.e.Phase().Completed() {
			sm.done = true
		}
	}
	return nil
}

// observeMetric takes one measurement; it returns a rollback reason when
// the metric failed or errored.
func observeMetric(env Env, e *analysis.Evaluator, m AnalysisMetric, s Scope) string {
	var ob analysis.Observation
	if v, ok := measure(env.Obs, s, m.Metric, m.Interval); ok {
		ob = e.Observe(v)
	} else {
		ob = e.ObserveError(fmt.Errorf("no data for %s", m.Metric))
	}
	switch ob.Metric {
	case analysis.PhaseFailed, analysis.PhaseError:
		return fmt.Sprintf("analysis %s %s", m.Name, ob.Metric)
	case analysis.PhaseInconclusive:
		env.Log.Note(fmt.Sprintf("analysis %s inconclusive", m.Name))
	}
	return ""
}

func (w *watcher) checkJudge() string {
	if w.judge == nil || w.env.Clock.Now() < w.nextJudge {
		return ""
	}
	w.nextJudge = w.env.Clock.Now() + w.judgeCfg.Interval
	return judgeOnce(w.env, w.judge, w.judgeCfg, false)
}

// judgeOnce runs the Kayenta judge over the last interval, canary (new
// version) against baseline (old version). Without traffic on both
// versions it judges nothing unless required.
func judgeOnce(env Env, j *analysis.Judge, cfg JudgeConfig, required bool) string {
	can := Scope{Version: env.Target.To}
	base := Scope{Version: env.Target.From}
	if env.Obs.Window(can, cfg.Interval).Requests == 0 || env.Obs.Window(base, cfg.Interval).Requests == 0 {
		if required {
			env.Log.Note("judge: no traffic on one of the versions; nothing judged")
		}
		return ""
	}
	samples := make([]analysis.Samples, len(cfg.Metrics))
	for i, m := range cfg.Metrics {
		b, _ := env.Obs.Samples(base, m.Name, cfg.Interval, cfg.Period)
		c, _ := env.Obs.Samples(can, m.Name, cfg.Interval, cfg.Period)
		samples[i] = analysis.Samples{Baseline: b, Canary: c}
	}
	res, err := j.Judge(samples)
	if err != nil {
		return "judge: " + err.Error()
	}
	env.Log.Note(fmt.Sprintf("judge: score %.0f %v", res.Score, res.Verdict))
	if res.Verdict == analysis.VerdictFail {
		return fmt.Sprintf("judge score %.0f (%v)", res.Score, res.Verdict)
	}
	return ""
}

// watchGroup makes the circuit breaker count failures in group g.
func (w *watcher) watchGroup(g GroupID) { w.groups = append(w.groups, g) }

// terminated records an instance the strategy terminates itself.
func (w *watcher) terminated(id InstanceID) { w.ours[id] = true }

// deployFailed counts an in-place deployment that failed.
func (w *watcher) deployFailed(id InstanceID) {
	if !w.cbFailed[id] {
		w.cbFailed[id] = true
		w.cbPending++
	}
}

// checkCircuitBreaker updates the failure count from what changed since
// the last poll and trips at the threshold. Within one poll the order of
// events is unknown; healthy tasks are applied before failures, so a
// poll's failures are never wiped by a task that turned healthy in it.
func (w *watcher) checkCircuitBreaker() string {
	if !w.cfg.CircuitBreaker.Enable || w.cbThreshold == 0 {
		return ""
	}
	failed, healthy := w.cbPending, 0
	w.cbPending = 0
	present := map[InstanceID]bool{}
	for _, gid := range w.groups {
		g, err := w.env.ASG.DescribeGroup(gid)
		if err != nil {
			continue
		}
		state := map[InstanceID][]TargetState{}
		for _, tg := range g.TargetGroups {
			th, _ := w.env.ELB.DescribeTargetHealth(tg)
			for _, t := range th {
				state[t.Instance] = append(state[t.Instance], t.State)
			}
		}
		for _, in := range g.Instances {
			if in.Version != w.env.Target.To {
				continue
			}
			present[in.ID] = true
			w.seen[in.ID] = true
			if w.cbFailed[in.ID] {
				continue
			}
			sts := state[in.ID]
			switch {
			case (in.State == InService && !in.Healthy) || slices.Contains(sts, TargetUnhealthy) ||
				(in.State >= Terminating && !w.ours[in.ID]):
				w.cbFailed[in.ID] = true
				failed++
			case !w.cbHealthy[in.ID] && in.State == InService && in.Serving && len(sts) == len(g.TargetGroups) &&
				!slices.ContainsFunc(sts, func(s TargetState) bool { return s != TargetHealthy }):
				w.cbHealthy[in.ID] = true
				healthy++
			}
		}
	}
	// A task gone from its group without the deployment stopping it.
	for id := range w.seen {
		if !present[id] && !w.ours[id] && !w.cbFailed[id] {
			w.cbFailed[id] = true
			failed++
		}
	}
	if healthy > 0 && *w.cfg.CircuitBreaker.ResetOnHealthyTask {
		w.cbFailures = 0
	}
	w.cbFailures += failed
	if w.cbFailures >= w.cbThreshold {
		return fmt.Sprintf("circuit breaker: %d failed tasks (threshold %d)", w.cbFailures, w.cbThreshold)
	}
	return ""
}

// checkHuman: someone notices a red dashboard and, after their reaction
// delay, rolls back if it is still red.
func (w *watcher) checkHuman() string {
	h := w.cfg.Human
	if h.Disabled {
		return ""
	}
	now := w.env.Clock.Now()
	st := w.env.Obs.Window(Scope{}, h.Window)
	red := st.Requests > 0 && 1-st.SuccessRate > h.ErrorRate
	if w.humanDecideAt < 0 {
		if red {
			w.humanDecideAt = now + lognormal(w.env, h.DelayMean, h.DelayStdDev)
		}
		return ""
	}
	if now < w.humanDecideAt {
		return ""
	}
	w.humanDecideAt = -1
	if red {
		return fmt.Sprintf("human: error rate %.1f%% over %v", 100*(1-st.SuccessRate), h.Window)
	}
	return ""
}

// progress records that the deployment advanced.
func (w *watcher) progress() { w.lastProgress = w.env.Clock.Now() }

// lognormal draws a positive duration with the given mean and standard
// deviation from the strategy's stream.
func lognormal(env Env, mean, sd time.Duration) time.Duration {
	if sd <= 0 {
		return mean
	}
	m, s := mean.Seconds(), sd.Seconds()
	s2 := math.Log(1 + s*s/(m*m))
	mu := math.Log(m) - s2/2
	return time.Duration(math.Exp(mu+math.Sqrt(s2)*env.Rand.NormFloat64()) * float64(time.Second))
}
