package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// MinimumHealthyHosts is CodeDeploy's minimumHealthyHosts.
type MinimumHealthyHosts struct {
	Type  string `yaml:"type"` // HOST_COUNT or FLEET_PERCENT
	Value int    `yaml:"value"`
}

// RollingConfig configures rolling. The variant follows from the fields
// set, or from Variant.
type RollingConfig struct {
	// Variant is eb (default), codedeploy, ecs or k8s.
	Variant string `yaml:"variant"`
	// EB aws:elasticbeanstalk:command BatchSizeType (Percentage|Fixed) and
	// BatchSize: default Percentage 30 (the EB console's default for
	// Rolling; the option's own default, 100, would be all at once).
	BatchSizeType string `yaml:"batch_size_type"`
	BatchSize     int    `yaml:"batch_size"`
	// EB Timeout: how long an instance of a batch may take to become
	// healthy before the deployment fails (600s); IgnoreHealthCheck lets
	// such a batch through. EB has no automatic rollback: a failed
	// deployment stays as it is until someone redeploys.
	Timeout           time.Duration `yaml:"timeout"`
	IgnoreHealthCheck bool          `yaml:"ignore_health_check"`
	// CodeDeploy: a predefined deployment_config (HalfAtATime, OneAtATime)
	// or minimum_healthy_hosts; default CodeDeployDefault.OneAtATime.
	DeploymentConfig    string               `yaml:"deployment_config"`
	MinimumHealthyHosts *MinimumHealthyHosts `yaml:"minimum_healthy_hosts"`
	// OutdatedInstancesStrategy is CodeDeploy's outdatedInstancesStrategy:
	// UPDATE (default: a follow-on deployment updates the instances the
	// group launched with the last successful revision while the
	// deployment ran) or IGNORE (they keep it).
	OutdatedInstancesStrategy string `yaml:"outdated_instances_strategy"`
	// ECS deploymentConfiguration: minimumHealthyPercent (100, rounded up)
	// and maximumPercent (200, rounded down).
	MinimumHealthyPercent *float64 `yaml:"minimum_healthy_percent"`
	MaximumPercent        *float64 `yaml:"maximum_percent"`
	// Kubernetes RollingUpdate: maxSurge (25%, rounded up) and
	// maxUnavailable (25%, rounded down).
	MaxSurge       string `yaml:"max_surge"`
	MaxUnavailable string `yaml:"max_unavailable"`
	// CodeDeploy zonalConfig: one Availability Zone at a time.
	ZonalConfig *ZonalConfig `yaml:"zonal_config"`
	// CloudFormation's AutoScalingRollingUpdate (variant cloudformation):
	// max_batch_size (1), min_instances_in_service (0),
	// min_successful_instances_percent (100), pause_time (0s, or 5m with
	// signals; at most 1h), wait_on_resource_signals (false),
	// suspend_processes, and max_size, the group's MaxSize (default: the
	// world's group maximum).
	MaxBatchSize                  *int           `yaml:"max_batch_size"`
	MinInstancesInService         *int           `yaml:"min_instances_in_service"`
	MinSuccessfulInstancesPercent *float64       `yaml:"min_successful_instances_percent"`
	PauseTime                     *time.Duration `yaml:"pause_time"`
	WaitOnResourceSignals         *bool          `yaml:"wait_on_resource_signals"`
	SuspendProcesses              []string       `yaml:"suspend_processes"`
	MaxSize                       int            `yaml:"max_size"`
	Rollback                      Rollback       `yaml:"rollback"`
}

type rolling struct {
	cfg RollingConfig
	eb  plan.EBRolling
	cd  plan.MinimumHealthyHosts
	ecs plan.ECSDeploymentConfiguration
	k8s plan.K8sRollingUpdate
	ebp *ebPolicy
	// zonal is CodeDeploy's zonalConfig (nil: the whole fleet at once).
	zonal *plan.ZonalConfig
	// cfn is CloudFormation's AutoScalingRollingUpdate.
	cfn plan.AutoScalingRollingUpdate
}

func newRolling(c RollingConfig) (Strategy, error) {
	s := &rolling{}
	eb := c.BatchSizeType != "" || c.BatchSize != 0 || c.Timeout != 0 || c.IgnoreHealthCheck
	cd := c.DeploymentConfig != "" || c.MinimumHealthyHosts != nil || c.OutdatedInstancesStrategy != "" || c.ZonalConfig != nil
	ecs := c.MinimumHealthyPercent != nil || c.MaximumPercent != nil
	k8s := c.MaxSurge != "" || c.MaxUnavailable != ""
	set := map[string]bool{"eb": eb, "codedeploy": cd, "ecs": ecs, "k8s": k8s, "cloudformation": c.cloudFormationSet()}
	if c.Variant == "" {
		c.Variant = "eb"
		for _, v := range []string{"codedeploy", "ecs", "k8s", "cloudformation"} {
			if set[v] {
				c.Variant = v
			}
		}
	}
	if _, ok := set[c.Variant]; !ok {
		return nil, fmt.Errorf("variant %q: allowed eb, codedeploy, ecs, k8s, cloudformation", c.Variant)
	}
	for _, v := range []string{"eb", "codedeploy", "ecs", "k8s", "cloudformation"} {
		if set[v] && v != c.Variant {
			return nil, fmt.Errorf("fields of variant %s set with variant %s", v, c.Variant)
		}
	}
	switch c.Variant {
	case "eb":
		s.eb = plan.EBRolling{BatchSizeType: plan.BatchSizeType(c.BatchSizeType), BatchSize: c.BatchSize}
		if s.eb.BatchSizeType == "" {
			s.eb.BatchSizeType = plan.BatchSizeTypePercentage
		}
		if s.eb.BatchSize == 0 {
			s.eb.BatchSize = 30
		}
		if err := s.eb.Validate(0); err != nil {
			return nil, err
		}
		var err error
		if s.ebp, err = newEBPolicy(c.Timeout, c.IgnoreHealthCheck); err != nil {
			return nil, err
		}
	case "codedeploy":
		switch c.OutdatedInstancesStrategy {
		case "":
			c.OutdatedInstancesStrategy = "UPDATE"
		case "UPDATE", "IGNORE":
		default:
			return nil, fmt.Errorf("outdated_instances_strategy %q: allowed UPDATE, IGNORE", c.OutdatedInstancesStrategy)
		}
		switch {
		case c.MinimumHealthyHosts != nil && c.DeploymentConfig != "":
			return nil, fmt.Errorf("set deployment_config or minimum_healthy_hosts, not both")
		case c.MinimumHealthyHosts != nil:
			s.cd = plan.MinimumHealthyHosts{Type: plan.MinimumHealthyHostsType(c.MinimumHealthyHosts.Type), Value: c.MinimumHealthyHosts.Value}
			if err := s.cd.Validate(); err != nil {
				return nil, err
			}
		default:
			if c.DeploymentConfig == "" {
				c.DeploymentConfig = plan.CodeDeployOneAtATime
			}
			m, err := plan.CodeDeployServerConfig(c.DeploymentConfig)
			if err != nil {
				return nil, fmt.Errorf("deployment_config: %w", err)
			}
			s.cd = m
		}
		if c.ZonalConfig != nil {
			z, err := c.ZonalConfig.plan()
			if err != nil {
				return nil, fmt.Errorf("zonal_config: %w", err)
			}
			s.zonal = &z
		}
	case "ecs":
		s.ecs = plan.DefaultECSDeploymentConfiguration()
		if c.MinimumHealthyPercent != nil {
			s.ecs.MinimumHealthyPercent = *c.MinimumHealthyPercent
		}
		if c.MaximumPercent != nil {
			s.ecs.MaximumPercent = *c.MaximumPercent
		}
		if err := s.ecs.Validate(); err != nil {
			return nil, err
		}
	case "k8s":
		s.k8s = plan.DefaultK8sRollingUpdate()
		for _, f := range []struct {
			in  string
			out *plan.IntOrPercent
		}{{c.MaxSurge, &s.k8s.MaxSurge}, {c.MaxUnavailable, &s.k8s.MaxUnavailable}} {
			if f.in == "" {
				continue
			}
			v, err := plan.ParseIntOrPercent(f.in)
			if err != nil {
				return nil, err
			}
			*f.out = v
		}
		if err := s.k8s.Validate(); err != nil {
			return nil, err
		}
	case "cloudformation":
		p, err := c.cloudFormationPolicy()
		if err != nil {
			return nil, err
		}
		s.cfn = p
	}
	// An ECS deployment has no progress deadline: tasks that never get
	// healthy are retried until the circuit breaker (when enabled) or a
	// person stops it.
	noDeadline := c.Variant == "ecs" && c.Rollback.ProgressDeadline == 0
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	if noDeadline {
		c.Rollback.ProgressDeadline = noProgressDeadline
	}
	s.cfg = c
	return s, nil
}

func (s *rolling) Name() string { return "rolling" }

func (s *rolling) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	switch s.cfg.Variant {
	case "cloudformation":
		return s.runCloudFormation(r, n)
	case "ecs":
		l, err := plan.ECSRolling(s.ecs, n)
		if err != nil {
			return failed(err)
		}
		return s.runReplace(r, n, l.StartAhead, l.StopFirst)
	case "k8s":
		l, err := plan.ResolveK8sRollingUpdate(s.k8s, n)
		if err != nil {
			return failed(err)
		}
		return s.runReplace(r, n, l.MaxSurgePods, l.MaxUnavailablePods)
	case "codedeploy":
		conc, err := plan.CodeDeployMaxConcurrent(s.cd, n)
		if err != nil {
			return failed(err)
		}
		return s.runInPlace(r, n, nil, conc)
	default:
		batches, err := plan.EBBatches(s.eb, n)
		if err != nil {
			return failed(err)
		}
		return s.runInPlace(r, n, batches, 0)
	}
}

// runInPlace: EB batches one after another (batches), or CodeDeploy's
// window of conc instances at a time in its documented order. Rollback is
// a new deployment of the previous revision with the same limits; for EB
// only when a trigger (a person, a configured alarm) asks for it, as EB
// rolls nothing back by itself.
//
// Instances the group launches while the deployment runs: Elastic
// Beanstalk's deployment updates the version new instances get, so they
// come up on the new version; CodeDeploy's launches get the last
// successful revision, and a follow-on deployment updates them once the
// deployment has succeeded. Either way a follow-on pass leaves no live
// instance on the old version.
func (s *rolling) runInPlace(r *runner, n int, batches []int, conc int) Result {
	env := r.env
	if s.ebp != nil {
		r.useEB(s.ebp)
	}
	g := env.Target.Group
	r.w.watchGroup(g)
	ins, err := r.live(g)
	if err != nil {
		return failed(err)
	}
	if s.zonal != nil {
		// CodeDeploy refuses a zone whose minimum leaves nothing to
		// deploy before it deploys anywhere.
		zones, members := byZone(ins)
		for _, z := range zones {
			if _, err := plan.ZonalMaxConcurrent(s.cd, n, *s.zonal, len(members[z])); err != nil {
				return failed(fmt.Errorf("zone %s: %w", z, err))
			}
		}
	}
	c := conc
	if batches != nil {
		c = batches[0]
	}
	a := r.migrate()
	if a == nil && batches != nil {
		a = r.launchVersion(g, env.Target.To)
	}
	if a == nil && batches != nil {
		parts := splitBatches(ids(ins, ""), batches)
		for k, b := range parts {
			r.phasef("batch %d/%d", k+1, len(parts))
			if a = r.deployWindow(b, env.Target.To, len(b), true); a != nil {
				break
			}
		}
	} else if a == nil {
		if s.zonal != nil {
			a = s.deployZones(r, n, ins, env.Target.To)
		} else {
			a = r.deployWindow(codeDeployOrder(ins), env.Target.To, conc, true)
		}
		if a == nil {
			// The deployment succeeded: its revision is now the last
			// successful one, which new instances get.
			a = r.launchVersion(g, env.Target.To)
		}
	}
	if a == nil && s.cfg.OutdatedInstancesStrategy != "IGNORE" {
		a = r.followOn(g, env.Target.To, c, true)
	}
	if a == nil {
		a = r.bake()
	}
	undo := func() error { return r.redeployPrevious(g, c, true) }
	if s.zonal != nil {
		undo = func() error { return s.redeployZones(r, n, g) }
	}
	if s.ebp != nil {
		// A failed deployment leaves the environment on the most recent
		// successful version for instances launched from now on.
		return r.finishManual(a, func() { _ = r.launchVersion(g, env.Target.From) }, undo)
	}
	return r.finish(a, undo)
}

// codeDeployOrder orders instances as CodeDeploy schedules them:
// unhealthy first, then by revision health (the live version is Current).
func codeDeployOrder(ins []Instance) []InstanceID {
	desc := make([]plan.InstanceDescriptor, len(ins))
	for k, in := range ins {
		d := plan.InstanceDescriptor{ID: fmt.Sprint(k), Instance: plan.InstanceHealthy, Revision: plan.RevisionCurrent}
		if !in.Healthy || !in.Serving {
			d.Instance = plan.InstanceUnhealthy
		}
		desc[k] = d
	}
	var out []InstanceID
	for _, d := range plan.CodeDeployOrder(desc) {
		var k int
		fmt.Sscan(d.ID, &k)
		out = append(out, ins[k].ID)
	}
	return out
}

// runReplace: a new group (ReplicaSet / task set) replaces the old one
// within surge and unavailable; rollback is the same movement back.
func (s *rolling) runReplace(r *runner, n, surge, unavail int) Result {
	env := r.env
	tg := env.Target.TargetGroup
	// An ECS service replaces a task whose container exits; a Kubernetes
	// pod's container is restarted in place.
	r.tasks = s.cfg.Variant == "ecs"
	g, err := env.ASG.CreateGroup(r.groupSpec(GroupSpec{
		Name: "rolling-" + string(env.Target.To), Version: env.Target.To,
		Desired: 0, Min: 0, Max: n + surge, TargetGroups: []TargetGroupID{tg},
	}))
	if err != nil {
		return failed(err)
	}
	r.w.watchGroup(g)
	a := r.migrate()
	if a == nil {
		a = r.replace(env.Target.Group, g, tg, env.Target.From, env.Target.To, n, surge, unavail)
	}
	if a == nil {
		a = r.bake()
	}
	if a == nil {
		if err := env.ASG.DeleteGroup(env.Target.Group); err != nil {
			return failed(err)
		}
	}
	return r.finish(a, func() error {
		if a := r.replace(g, env.Target.Group, tg, env.Target.To, env.Target.From, n, surge, unavail); a != nil {
			return a
		}
		return r.deleteFleet(g)
	})
}
