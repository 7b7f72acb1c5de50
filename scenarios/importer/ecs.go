package importer

import (
	"math"

	"github.com/deploysim/deploysim/strategies/plan"
)

// ecsServiceFields are the service fields that say nothing about how a
// deployment proceeds (identity, networking, task placement).
const msgECSService = "not a deployment setting: not simulated"

// importECS maps an ECS service's deploymentConfiguration. The file may be
// the deploymentConfiguration object itself, a service (create-service
// input, CloudFormation Properties), {"service": {...}} (create-service
// output) or {"services": [{...}]} (describe-services output, one
// service).
func importECS(c *ctx, docs []doc) Result {
	if len(docs) > 1 {
		c.errAt(docs[1].file, docs[1].root, "", "a second document: import one ECS service at a time")
		return Result{}
	}
	top := c.root(docs[0]).obj()
	svc := top
	switch {
	case top.has("services"):
		list := top.get("services").list()
		if len(list) != 1 {
			top.get("services").errf("got %d services, want exactly 1 (import one service at a time)", len(list))
			return Result{}
		}
		top.rest("describe-services output: not a deployment setting")
		svc = list[0].obj()
	case top.has("service"):
		top.rest("not a deployment setting")
		svc = top.get("service").obj()
	case top.has("Properties") && top.has("Type"):
		top.rest("CloudFormation resource attribute: not simulated")
		svc = top.get("Properties").obj()
	}
	r := newResult("rolling")
	var dc *obj
	if svc.has("deploymentConfiguration") || svc.has("DeploymentConfiguration") {
		dc = svc.get("deploymentConfiguration").obj()
		if dc.n == nil {
			dc = svc.get("DeploymentConfiguration").obj()
		}
		mapECSService(c, &r, svc)
	} else {
		dc = svc // the deploymentConfiguration object itself
	}
	mapECSDeploymentConfiguration(&r, dc)
	return r
}

func mapECSService(c *ctx, r *Result, svc *obj) {
	if v := svc.get("desiredCount"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			r.World["instances"] = n
		}
	}
	if v := svc.get("healthCheckGracePeriodSeconds"); v.ok() {
		if d, ok := v.seconds(0, 2147483647); ok {
			set(r.World, "asg.health_check_grace_period", dur(d))
		}
	}
	if v := svc.get("deploymentController"); v.ok() {
		o := v.obj()
		if t := o.get("type"); t.ok() {
			typ, _ := t.oneOf("ECS", "CODE_DEPLOY", "EXTERNAL")
			switch typ {
			case "CODE_DEPLOY":
				t.warn("the deployment is driven by CodeDeploy: import its deployment group and config with kind codedeploy; deploymentConfiguration then only sets min/max percent")
			case "EXTERNAL":
				t.warn("an external controller drives the deployment: not simulated")
			}
		}
		o.rest(msgNotSim)
	}
	svc.rest(msgECSService)
}

// mapECSDeploymentConfiguration maps deploymentConfiguration by strategy.
func mapECSDeploymentConfiguration(r *Result, dc *obj) {
	strategy := "ROLLING"
	if v := dc.get("strategy"); v.ok() {
		strategy, _ = v.oneOf("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
	}
	switch strategy {
	case "ROLLING":
		r.Strategy = "rolling"
		r.Config["variant"] = "ecs"
		c := plan.DefaultECSDeploymentConfiguration()
		if v := dc.get("minimumHealthyPercent"); v.ok() {
			if f, ok := v.integer(0, 100); ok {
				c.MinimumHealthyPercent = float64(f)
				r.Config["minimum_healthy_percent"] = f
			}
		}
		if v := dc.get("maximumPercent"); v.ok() {
			if f, ok := v.integer(100, math.MaxInt32); ok {
				c.MaximumPercent = float64(f)
				r.Config["maximum_percent"] = f
			}
		}
		if v := dc.get("deploymentCircuitBreaker"); v.ok() {
			cb := v.obj()
			out := map[string]any{}
			for _, k := range []struct{ src, dst string }{{"enable", "enable"}, {"rollback", "rollback"}, {"resetOnHealthyTask", "reset_on_healthy_task"}} {
				if b := cb.get(k.src); b.ok() {
					if x, ok := b.boolean(); ok {
						out[k.dst] = x
					}
				}
			}
			if v := cb.get("thresholdConfiguration"); v.ok() {
				tc := v.obj()
				typ, _ := tc.get("type").str()
				n, _ := tc.get("value").integer(1, math.MaxInt32)
				switch {
				case typ == "COUNT":
					out["threshold"] = n
				case typ == "BOUNDED_PERCENT" && n == 50:
					// ECS's default: ⌈0.5 × desired⌉ clamped to 3..200.
				default:
					v.warn("not expressible: circuit_breaker.threshold is a count (type COUNT) or, unset, ECS's default BOUNDED_PERCENT 50")
				}
				tc.rest(msgNotSim)
			}
			cb.rest(msgNotSim)
			if len(out) > 0 {
				r.rollback()["circuit_breaker"] = out
			}
		}
		for _, k := range []string{"bakeTimeInMinutes", "linearConfiguration", "canaryConfiguration"} {
			dc.warn(k, "ignored by ECS for strategy ROLLING")
		}
	case "BLUE_GREEN":
		r.Strategy = "blue-green"
		if v := dc.get("bakeTimeInMinutes"); v.ok() {
			if d, ok := v.minutes(0, 1440); ok {
				r.Config["termination_wait_time"] = dur(d)
			}
		} else {
			dc.get("strategy").warn("bakeTimeInMinutes missing (ECS requires it for BLUE_GREEN): blue-green's default termination wait (60m) is used")
		}
		for _, k := range []string{"linearConfiguration", "canaryConfiguration"} {
			dc.warn(k, "ignored by ECS for strategy BLUE_GREEN")
		}
	case "LINEAR":
		r.Strategy = "linear"
		lc := dc.get("linearConfiguration").obj()
		c := plan.DefaultECSLinearConfiguration()
		if v := lc.get("stepPercent"); v.ok() {
			if f, ok := v.number(3, 100); ok {
				c.StepPercent = f
			}
		}
		if v := lc.get("stepBakeTimeInMinutes"); v.ok() {
			if d, ok := v.minutes(0, 1440); ok {
				c.StepBakeTime = d
			}
		}
		if err := c.Validate(); err != nil {
			lc.get("stepPercent").planErr(err)
		}
		r.Config["step_percent"] = c.StepPercent
		r.Config["step_bake_time"] = dur(c.StepBakeTime)
		lc.rest(msgNotSim)
		ecsBake(r, dc)
		dc.warn("canaryConfiguration", "ignored by ECS for strategy LINEAR")
	case "CANARY":
		r.Strategy = "canary"
		cc := dc.get("canaryConfiguration").obj()
		c := plan.DefaultECSCanaryConfiguration()
		if v := cc.get("canaryPercent"); v.ok() {
			if f, ok := v.number(0.1, 100); ok {
				c.CanaryPercent = f
			}
		}
		if v := cc.get("canaryBakeTimeInMinutes"); v.ok() {
			if d, ok := v.minutes(0, 1440); ok {
				c.CanaryBakeTime = d
			}
		}
		if err := c.Validate(); err != nil {
			cc.get("canaryPercent").planErr(err)
		}
		r.Config["canary_percent"] = c.CanaryPercent
		r.Config["canary_bake_time"] = dur(c.CanaryBakeTime)
		cc.rest(msgNotSim)
		ecsBake(r, dc)
		dc.warn("linearConfiguration", "ignored by ECS for strategy CANARY")
	}
	if strategy != "ROLLING" {
		for _, k := range []string{"minimumHealthyPercent", "maximumPercent"} {
			dc.warn(k, "not expressible: %s always launches the full new fleet; ECS applies this to ROLLING", r.Strategy)
		}
		dc.warn("deploymentCircuitBreaker", "ignored: ECS uses the circuit breaker only with strategy ROLLING")
	}
	if v := dc.get("alarms"); v.ok() {
		mapECSAlarms(r, v.obj())
	}
	dc.warn("lifecycleHooks", "not simulated: lifecycle hook Lambda functions are not modelled")
	dc.rest(msgNotSim)
}

// ecsBake maps bakeTimeInMinutes of LINEAR and CANARY: both revisions run
// for that long after the last shift.
func ecsBake(r *Result, dc *obj) {
	v := dc.get("bakeTimeInMinutes")
	if !v.ok() {
		return
	}
	if d, ok := v.minutes(0, 1440); ok {
		r.rollback()["bake_time"] = dur(d)
		v.warn("mapped to rollback.bake_time (triggers watched that long), but %s scales the old fleet down at 100 %% instead of keeping it: a rollback in the bake time relaunches it", r.Strategy)
	}
}

// mapECSAlarms maps deploymentConfiguration.alarms.
func mapECSAlarms(r *Result, a *obj) {
	enable := true
	if v := a.get("enable"); v.ok() {
		enable, _ = v.boolean()
	}
	names := a.get("alarmNames")
	var list []any
	for _, n := range names.list() {
		if s, ok := n.str(); ok {
			list = append(list, s)
		}
	}
	if v := a.get("rollback"); v.ok() {
		if rb, ok := v.boolean(); ok && !rb && enable {
			v.warn("not expressible: ECS would only mark the deployment failed; deploysim rolls back when an alarm fires")
		}
	}
	switch {
	case !enable && len(list) > 0:
		names.warn("alarms disabled (enable: false): not mapped")
	case len(list) > 0:
		r.rollback()["alarms"] = list
		names.warn("alarms must be defined in the scenario's alarms: by these names (their CloudWatch metrics are not imported)")
	}
	a.rest(msgNotSim)
}
