package importer

import (
	"math"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/strategies/plan"
)

// groupKeys mark a mapping as a deployment group (create-deployment-group
// input) rather than a deployment config.
var groupKeys = []string{"deploymentStyle", "blueGreenDeploymentConfiguration", "autoRollbackConfiguration",
	"alarmConfiguration", "deploymentGroupName", "serviceRoleArn", "autoScalingGroups", "ecsServices", "loadBalancerInfo"}

// cdInput is what the CodeDeploy sources say, gathered from every document.
type cdInput struct {
	name     val  // the deployment config's name (or the group's reference to it)
	cfg      *obj // a deployment config (get-/create-deployment-config)
	group    *obj // a deployment group (get-/create-deployment-group)
	platform string
}

// importCodeDeploy maps a deployment config (by predefined name or JSON)
// and, optionally, a deployment group.
func importCodeDeploy(c *ctx, docs []doc) Result {
	var in cdInput
	for _, d := range docs {
		root := c.root(d)
		if n := resolve(d.root); n.Kind == yaml.ScalarNode {
			in.name = root
			continue
		}
		top := root.obj()
		switch {
		case top.has("deploymentConfigInfo") || top.has("deploymentGroupInfo"):
			if top.has("deploymentConfigInfo") {
				in.cfg = top.get("deploymentConfigInfo").obj()
			}
			if top.has("deploymentGroupInfo") {
				in.group = top.get("deploymentGroupInfo").obj()
			}
			top.rest("not a deployment setting")
		case hasAny(top, groupKeys):
			in.group = top
		default:
			in.cfg = top
		}
	}
	return mapCodeDeploy(c, in)
}

// mapCodeDeploy maps a deployment config (by name or fields) and a
// deployment group to a strategy.
func mapCodeDeploy(c *ctx, in cdInput) Result {
	r := newResult("rolling")
	var mhh *obj
	var routing *obj
	var zonal *obj
	var zonalVal val
	if in.cfg != nil {
		o := in.cfg
		if v := o.get("deploymentConfigName"); v.ok() {
			in.name = v
		}
		if v := o.get("minimumHealthyHosts"); v.ok() {
			mhh = v.obj()
		}
		if v := o.get("trafficRoutingConfig"); v.ok() {
			routing = v.obj()
		}
		if v := o.get("computePlatform"); v.ok() {
			in.platform, _ = v.oneOf("Server", "Lambda", "ECS")
		}
		if v := o.get("zonalConfig"); v.ok() {
			zonal, zonalVal = v.obj(), v
		}
		for _, k := range []string{"deploymentConfigId", "createTime"} {
			o.get(k)
		}
		o.rest(msgNotSim)
	}
	var g *obj
	if in.group != nil {
		g = in.group
		if v := g.get("deploymentConfigName"); v.ok() && !in.name.ok() {
			in.name = v
		}
		if v := g.get("computePlatform"); v.ok() && in.platform == "" {
			in.platform, _ = v.oneOf("Server", "Lambda", "ECS")
		}
	}
	name := ""
	if in.name.ok() {
		name, _ = in.name.str()
	}
	predefined := strings.HasPrefix(name, "CodeDeployDefault.")
	if predefined && mhh == nil && routing == nil {
		if _, err := plan.CodeDeployServerConfig(name); err == nil {
			if in.platform == "" {
				in.platform = "Server"
			}
		} else if p, err := plan.CodeDeployTrafficConfig(name); err == nil {
			if in.platform == "" {
				in.platform = string(p.Platform)
			}
		} else {
			in.name.errf("unknown predefined deployment config %q: allowed %s", name, strings.Join(plan.CodeDeployConfigNames(), ", "))
			return r
		}
	} else if name != "" && !predefined && mhh == nil && routing == nil {
		in.name.errf("custom deployment config %q: give its get-deployment-config JSON too, or use a predefined name (%s)", name, strings.Join(plan.CodeDeployConfigNames(), ", "))
		return r
	}
	if in.platform == "" {
		in.platform = "Server"
		if routing != nil {
			in.platform = "ECS"
		}
	}
	if name == "" && mhh == nil && routing == nil {
		name, predefined = plan.CodeDeployOneAtATime, true
		if in.platform != "Server" {
			name = "CodeDeployDefault." + in.platform + "AllAtOnce"
		}
	}
	style := "IN_PLACE"
	if g != nil {
		if v := g.get("deploymentStyle"); v.ok() {
			s := v.obj()
			if t := s.get("deploymentType"); t.ok() {
				style, _ = t.oneOf("IN_PLACE", "BLUE_GREEN")
			}
			if t := s.get("deploymentOption"); t.ok() {
				if opt, ok := t.oneOf("WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"); ok && opt == "WITHOUT_TRAFFIC_CONTROL" {
					t.warn("not expressible: the simulated instances are always behind the load balancer and are deregistered while they are deployed")
				}
			}
			s.rest(msgNotSim)
		}
	}
	if in.platform == "Server" {
		cdServer(&r, name, predefined, mhh, routing, style)
		cdZonal(&r, zonal)
	} else {
		cdTraffic(&r, in, name, predefined, mhh, routing)
		if zonal != nil {
			zonal.consume()
			zonalVal.warn("ignored: zonal deployments apply to the Server compute platform")
		}
	}
	if g != nil {
		cdGroup(&r, g)
	}
	return r
}

// cdZonal maps zonalConfig (EC2/on-premises in-place deployments) to
// rolling's zonal_config.
func cdZonal(r *Result, z *obj) {
	if z == nil {
		return
	}
	if r.Strategy == "all-at-once" {
		// Each zone all at once: rolling with CodeDeployDefault.AllAtOnce.
		r.Strategy = "rolling"
	}
	if r.Strategy != "rolling" {
		z.c.warnAt(z.file, z.n, z.path, "not expressible for %s: zonal deployments are in-place rolling deployments", r.Strategy)
		z.consume()
		return
	}
	out := map[string]any{}
	if v := z.get("firstZoneMonitorDurationInSeconds"); v.ok() {
		if d, ok := v.seconds(0, math.MaxInt32); ok {
			out["first_zone_monitor_duration"] = dur(d)
		}
	}
	if v := z.get("monitorDurationInSeconds"); v.ok() {
		if d, ok := v.seconds(0, math.MaxInt32); ok {
			out["monitor_duration"] = dur(d)
		}
	}
	if v := z.get("minimumHealthyHostsPerZone"); v.ok() {
		o := v.obj()
		m := plan.MinimumHealthyHosts{}
		t := o.get("type")
		if s, ok := t.oneOf("HOST_COUNT", "FLEET_PERCENT"); ok {
			m.Type = plan.MinimumHealthyHostsType(s)
		}
		val := o.get("value")
		if n, ok := val.integer(0, math.MaxInt32); ok {
			m.Value = n
		}
		if m.Type != "" && val.ok() {
			if err := m.Validate(); err != nil {
				val.planErr(err)
			}
		}
		o.rest(msgNotSim)
		out["minimum_healthy_hosts_per_zone"] = map[string]any{"type": string(m.Type), "value": m.Value}
	}
	z.rest(msgNotSim)
	r.Config["zonal_config"] = out
	r.Config["variant"] = "codedeploy"
}

func hasAny(o *obj, keys []string) bool {
	for _, k := range keys {
		if o.has(k) {
			return true
		}
	}
	return false
}

// cdServer maps an EC2/on-premises deployment.
func cdServer(r *Result, name string, predefined bool, mhh, routing *obj, style string) {
	if routing != nil {
		routing.get("type").warn("ignored: trafficRoutingConfig applies to ECS and Lambda compute platforms, not Server")
		routing.rest("ignored for compute platform Server")
	}
	if style == "BLUE_GREEN" {
		r.Strategy = "blue-green"
		if mhh != nil {
			mhh.get("type").warn("not expressible: blue-green moves traffic to the whole replacement fleet at once; CodeDeploy registers it in batches bounded by minimum healthy hosts")
			mhh.rest(msgNotSim)
		}
		return
	}
	switch {
	case mhh != nil:
		m := plan.MinimumHealthyHosts{}
		t := mhh.get("type")
		if s, ok := t.oneOf("HOST_COUNT", "FLEET_PERCENT", "MOST_CONCURRENCY"); ok {
			m.Type = plan.MinimumHealthyHostsType(s)
		}
		v := mhh.get("value")
		if n, ok := v.integer(0, math.MaxInt32); ok {
			m.Value = n
		}
		if !v.ok() {
			t.errf("minimumHealthyHosts.value missing")
		}
		if m.Type != "" && v.ok() {
			if err := m.Validate(); err != nil {
				v.planErr(err)
			}
		}
		mhh.rest(msgNotSim)
		r.Config["variant"] = "codedeploy"
		r.Config["minimum_healthy_hosts"] = map[string]any{"type": string(m.Type), "value": m.Value}
	case name == plan.CodeDeployAllAtOnce:
		r.Strategy = "all-at-once"
		r.Config["deployment_config"] = name
	default:
		r.Config["variant"] = "codedeploy"
		r.Config["deployment_config"] = name
	}
}

// cdTraffic maps an ECS or Lambda traffic-shifting deployment.
func cdTraffic(r *Result, in cdInput, name string, predefined bool, mhh, routing *obj) {
	if mhh != nil {
		mhh.get("type").warn("ignored: minimumHealthyHosts applies to the Server compute platform")
		mhh.rest("ignored for compute platform " + in.platform)
	}
	if in.platform == "Lambda" {
		v := in.name
		if !v.ok() && routing != nil {
			v = routing.get("type")
		}
		v.warn("Lambda: the function's versions are simulated as instance fleets behind an ALB")
	}
	typ := ""
	var rc plan.TrafficRouting
	if routing != nil {
		t := routing.get("type")
		if s, ok := t.oneOf("AllAtOnce", "TimeBasedCanary", "TimeBasedLinear"); ok {
			typ = s
		}
		rc.Type = plan.TrafficRoutingType(typ)
		switch typ {
		case "TimeBasedCanary":
			o := routing.get("timeBasedCanary").obj()
			if v := o.get("canaryPercentage"); v.ok() {
				rc.CanaryPercent, _ = v.number(1, 99)
			}
			if v := o.get("canaryInterval"); v.ok() {
				rc.CanaryInterval, _ = v.minutes(1, math.MaxInt32)
			}
			o.rest(msgNotSim)
		case "TimeBasedLinear":
			o := routing.get("timeBasedLinear").obj()
			if v := o.get("linearPercentage"); v.ok() {
				rc.LinearPercent, _ = v.number(1, 99)
			}
			if v := o.get("linearInterval"); v.ok() {
				rc.LinearInterval, _ = v.minutes(1, math.MaxInt32)
			}
			o.rest(msgNotSim)
		}
		if err := rc.Validate(); err != nil && typ != "" {
			t.planErr(err)
		}
		for _, k := range []string{"timeBasedCanary", "timeBasedLinear"} {
			routing.warn(k, "ignored for type %s", typ)
		}
		routing.rest(msgNotSim)
	} else if p, err := plan.CodeDeployTrafficConfig(name); err == nil {
		rc = p.Routing
		typ = string(rc.Type)
	}
	switch typ {
	case "TimeBasedCanary":
		r.Strategy = "canary"
		if predefined && routing == nil {
			r.Config["deployment_config"] = name
		} else {
			r.Config["canary_percentage"] = rc.CanaryPercent
			r.Config["canary_interval"] = dur(rc.CanaryInterval)
		}
	case "TimeBasedLinear":
		r.Strategy = "linear"
		if predefined && routing == nil {
			r.Config["deployment_config"] = name
		} else {
			r.Config["linear_percentage"] = rc.LinearPercent
			r.Config["linear_interval"] = dur(rc.LinearInterval)
		}
	default:
		r.Strategy = "blue-green"
	}
}

// cdGroup maps the deployment group's blue/green, rollback and alarm
// options.
func cdGroup(r *Result, g *obj) {
	if v := g.get("blueGreenDeploymentConfiguration"); v.ok() {
		bg := v.obj()
		if t := bg.get("terminateBlueInstancesOnDeploymentSuccess"); t.ok() {
			o := t.obj()
			action := "TERMINATE"
			if a := o.get("action"); a.ok() {
				action, _ = a.oneOf("TERMINATE", "KEEP_ALIVE")
			}
			w := o.get("terminationWaitTimeInMinutes")
			wait, hasWait := w.minutes(0, 2880)
			if !w.ok() {
				hasWait = false
			}
			if r.Strategy == "blue-green" {
				if a := o.get("action"); a.ok() {
					r.Config["termination_action"] = action
				}
				if hasWait {
					r.Config["termination_wait_time"] = dur(wait)
				}
			} else if hasWait {
				r.rollback()["bake_time"] = dur(wait)
				w.warn("mapped to rollback.bake_time (triggers watched that long), but %s scales the original fleet down at 100 %% instead of keeping it: a rollback in that time relaunches it", r.Strategy)
				o.warn("action", "not expressible for %s: the original fleet is always scaled down", r.Strategy)
			}
			o.rest(msgNotSim)
		}
		if d := bg.get("deploymentReadyOption"); d.ok() {
			o := d.obj()
			if r.Strategy == "blue-green" {
				out := map[string]any{}
				if a := o.get("actionOnTimeout"); a.ok() {
					if s, ok := a.oneOf("CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"); ok {
						out["action_on_timeout"] = s
					}
				}
				if w := o.get("waitTimeInMinutes"); w.ok() {
					if d, ok := w.minutes(0, 2880); ok {
						out["wait_time"] = dur(d)
					}
				}
				if len(out) > 0 {
					r.Config["deployment_ready_option"] = out
				}
			} else {
				d.warn("not expressible for %s: it has no gate before the first traffic shift", r.Strategy)
				for _, k := range o.keys() {
					o.used[k] = true
				}
			}
			o.rest(msgNotSim)
		}
		if v := bg.get("greenFleetProvisioningOption"); v.ok() {
			o := v.obj()
			if a := o.get("action"); a.ok() {
				if s, ok := a.oneOf("DISCOVER_EXISTING", "COPY_AUTO_SCALING_GROUP"); ok && s == "DISCOVER_EXISTING" {
					a.warn("not expressible: the replacement fleet is always launched as a copy of the original group")
				}
			}
			o.rest(msgNotSim)
		}
		bg.rest(msgNotSim)
	}
	rollbackOn := map[string]bool{}
	auto := false
	if v := g.get("autoRollbackConfiguration"); v.ok() {
		o := v.obj()
		if e := o.get("enabled"); e.ok() {
			auto, _ = e.boolean()
		}
		for _, e := range o.get("events").list() {
			if s, ok := e.oneOf("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"); ok {
				rollbackOn[s] = true
			}
		}
		if !auto {
			v.warn("automatic rollback disabled: not expressible — deploysim strategies roll back on every trigger, where CodeDeploy would stop the deployment and leave it failed")
		} else if !rollbackOn["DEPLOYMENT_FAILURE"] {
			v.warn("DEPLOYMENT_FAILURE not listed: not expressible — deploysim rolls back a failed deployment")
		}
		o.rest(msgNotSim)
	}
	if v := g.get("alarmConfiguration"); v.ok() {
		o := v.obj()
		enabled := false
		if e := o.get("enabled"); e.ok() {
			enabled, _ = e.boolean()
		}
		var names []any
		al := o.get("alarms")
		for _, a := range al.list() {
			ao := a.obj()
			if n, ok := ao.get("name").str(); ok {
				names = append(names, n)
			}
			ao.rest(msgNotSim)
		}
		if ig := o.get("ignorePollAlarmFailure"); ig.ok() {
			if b, ok := ig.boolean(); ok && b {
				ig.warn("not simulated: alarm state is always readable in the simulation")
			}
		}
		switch {
		case !enabled && len(names) > 0:
			al.warn("alarm monitoring disabled (enabled: false): not mapped")
		case len(names) > 0:
			r.rollback()["alarms"] = names
			al.warn("alarms must be defined in the scenario's alarms: by these names (their CloudWatch metrics are not imported)")
			if auto && !rollbackOn["DEPLOYMENT_STOP_ON_ALARM"] {
				al.warn("DEPLOYMENT_STOP_ON_ALARM not in autoRollbackConfiguration.events: CodeDeploy would stop without rolling back; deploysim rolls back")
			}
		}
		o.rest(msgNotSim)
	}
	if v := g.get("outdatedInstancesStrategy"); v.ok() {
		if s, ok := v.oneOf("UPDATE", "IGNORE"); ok {
			if r.Strategy == "rolling" && r.Config["variant"] == "codedeploy" {
				r.Config["outdated_instances_strategy"] = s
			} else if s == "IGNORE" {
				v.warn("not expressible for %s: instances launched during the deployment come up on the new version", r.Strategy)
			}
		}
	}
	for _, k := range []string{"applicationName", "deploymentGroupName", "deploymentGroupId", "serviceRoleArn", "computePlatform", "deploymentConfigName"} {
		g.get(k)
	}
	g.rest("not a deployment setting: not simulated")
}
