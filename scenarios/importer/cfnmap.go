package importer

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/deploysim/deploysim/strategies/plan"
)

// The mapping of a resolved template onto a scenario: the Auto Scaling
// group (or ECS service, or Beanstalk environment) is the fleet; its
// target group, listener, load balancer and Route 53 records set the
// world's load balancer and DNS; every deployment mechanism the template
// configures — the group's UpdatePolicy, a CodeDeploy deployment group, an
// ECS service's deployment configuration, a Beanstalk environment's
// option settings — becomes one strategy of the scenario, labelled by its
// logical ID; CloudWatch alarms on the load balancer's metrics become the
// scenario's alarms. Everything else is reported with its position.

// cfnMapper holds the mapping's state.
type cfnMapper struct {
	t      *cfnTemplate
	world  map[string]any
	blocks []Block
	// keys are the blocks' resources' key nodes, for warnings.
	keys     []*yaml.Node
	alarms   []map[string]any
	asg      *cfnResource // the fleet
	tg, lb   *cfnResource // its target group and load balancer
	alarmIDs map[string]string
	// signalsSent: the fleet's user data calls cfn-signal; userDataAt is
	// its launch template (nil: none in the template).
	signalsSent bool
	userDataAt  *cfnResource
}

// add records a strategy found at resource r.
func (m *cfnMapper) add(r *cfnResource, strategy string, cfg map[string]any) {
	m.blocks = append(m.blocks, Block{Label: r.id, Strategy: strategy, Config: cfg})
	m.keys = append(m.keys, r.key)
}

func importCloudFormation(c *ctx, docs []doc, params map[string]string) Result {
	if len(docs) > 1 {
		c.errAt(docs[1].file, docs[1].root, "", "a second document: import one template at a time")
		return Result{}
	}
	t := parseTemplate(c, docs[0], params)
	if t.resources == nil {
		return Result{}
	}
	// Go on after errors, so that every problem is reported at once.
	m := &cfnMapper{t: t, world: map[string]any{}, alarmIDs: map[string]string{}}
	m.fleet()
	for _, r := range t.resources {
		if !r.created || r.used {
			continue
		}
		switch r.typ {
		case "AWS::CodeDeploy::DeploymentGroup":
			m.codeDeploy(r)
		case "AWS::ECS::Service":
			m.ecsService(r)
		case "AWS::ElasticBeanstalk::Environment":
			m.beanstalk(r)
		}
	}
	for _, r := range t.resources {
		if r.created && !r.used && r.typ == "AWS::CloudWatch::Alarm" {
			m.alarm(r)
		}
	}
	m.checkAlarms()
	for _, r := range t.resources {
		if r.created && !r.used {
			c.warnAt(t.file, r.key, r.path(), "%s: not simulated (%s)", r.typ, whyNot(r.typ))
		}
	}
	if len(c.errs) > 0 {
		return Result{}
	}
	if len(m.blocks) == 0 {
		c.errAt(t.file, docs[0].root, "Resources", "no deployment found: give the Auto Scaling group an UpdatePolicy, or define a CodeDeploy deployment group, an ECS service or an Elastic Beanstalk environment")
		return Result{}
	}
	r := newResult(m.blocks[0].Strategy)
	r.Config = m.blocks[0].Config
	r.World = m.world
	sc := map[string]any{"name": strings.TrimSuffix(filepath.Base(t.file), filepath.Ext(t.file))}
	if t.description != "" {
		sc["title"] = t.description
	}
	if len(m.world) > 0 {
		sc["world"] = m.world
	}
	if len(m.alarms) > 0 {
		sc["alarms"] = m.alarms
	}
	r.Scenario = sc
	r.Blocks = m.blocks
	if len(m.blocks) > 1 {
		r.Note = "the template holds " + strconv.Itoa(len(m.blocks)) + " deployments; a strategy block takes the first (" + m.blocks[0].Label + ")"
	}
	return r
}

// whyNot says why a resource type plays no part.
func whyNot(typ string) string {
	switch {
	case strings.HasPrefix(typ, "AWS::EC2::") && typ != "AWS::EC2::LaunchTemplate":
		return "networking and security are not part of the simulated world"
	case strings.HasPrefix(typ, "AWS::IAM::"):
		return "permissions are not part of the simulated world"
	case typ == "AWS::AutoScaling::AutoScalingGroup":
		return "a second Auto Scaling group: the world simulates one fleet"
	case typ == "AWS::ElasticLoadBalancingV2::TargetGroup", typ == "AWS::ElasticLoadBalancingV2::Listener",
		typ == "AWS::ElasticLoadBalancingV2::LoadBalancer":
		return "not in front of the simulated fleet"
	case typ == "AWS::ElasticLoadBalancingV2::ListenerRule":
		return "path and host routing is not modelled: one listener forwards to the fleet"
	case strings.HasPrefix(typ, "AWS::Route53::"):
		return "not a record of the simulated fleet's load balancer"
	case strings.HasPrefix(typ, "AWS::AutoScaling::"):
		return "scaling policies, schedules and hooks do not act in the simulated world"
	}
	return "not a deployment setting"
}

// apiShape copies a resolved property tree with keys spelled as the
// service's API spells them (CloudFormation's MinimumHealthyHosts is the
// API's minimumHealthyHosts; a leading acronym is lowered as a word:
// ECSServices is ecsServices), so that the CodeDeploy and ECS mappings
// read template resources as they read API documents. Positions are kept.
func (t *cfnTemplate) apiShape(n *yaml.Node) *yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	out := *n
	out.Content = nil
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			k := *c
			k.Value = lowerFirst(c.Value)
			out.Content = append(out.Content, &k)
			continue
		}
		out.Content = append(out.Content, t.apiShape(c))
	}
	if id, ok := t.refs[n]; ok {
		t.refs[&out] = id
	}
	if t.opaque[n] {
		t.opaque[&out] = true
	}
	return &out
}

func lowerFirst(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == len(r) || n == 1:
		return strings.ToLower(string(r[:n])) + string(r[n:])
	}
	return strings.ToLower(string(r[:n-1])) + string(r[n-1:])
}

// refOf returns the resource a resolved value stands for, if any.
func (m *cfnMapper) refOf(v val) *cfnResource {
	if v.n == nil {
		return nil
	}
	if id, ok := m.t.refs[resolve(v.n)]; ok {
		return m.t.byID[id]
	}
	return nil
}

// refsIn returns the resources a list of resolved values stands for.
func (m *cfnMapper) refsIn(v val) []*cfnResource {
	var out []*cfnResource
	for _, e := range v.list() {
		if r := m.refOf(e); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// fleet picks the Auto Scaling group the world simulates and maps it,
// its launch template, target group, listener, load balancer and DNS.
func (m *cfnMapper) fleet() {
	var asgs []*cfnResource
	for _, r := range m.t.resources {
		if r.created && r.typ == "AWS::AutoScaling::AutoScalingGroup" {
			asgs = append(asgs, r)
		}
	}
	if len(asgs) == 0 {
		return
	}
	// The group a CodeDeploy deployment group deploys to, else the first
	// with an UpdatePolicy, else the first.
	m.asg = asgs[0]
	pick := func() *cfnResource {
		for _, r := range m.t.resources {
			if r.created && r.typ == "AWS::CodeDeploy::DeploymentGroup" {
				p := m.t.props(r)
				p.used = map[string]bool{} // read again by codeDeploy
				for _, g := range m.refsIn(p.get("AutoScalingGroups")) {
					if slices.Contains(asgs, g) {
						return g
					}
				}
			}
		}
		for _, g := range asgs {
			if _, ok := g.rawAttrs["UpdatePolicy"]; ok {
				return g
			}
		}
		return asgs[0]
	}
	m.asg = pick()
	m.asg.used = true
	m.autoScalingGroup(m.asg)
}

func (m *cfnMapper) autoScalingGroup(r *cfnResource) {
	p := m.t.props(r)
	minSize, maxSize, desired := -1, -1, -1
	if v := p.get("MinSize"); v.ok() {
		minSize, _ = v.integer(0, 100000)
	}
	if v := p.get("MaxSize"); v.ok() {
		maxSize, _ = v.integer(0, 100000)
	}
	if v := p.get("DesiredCapacity"); v.ok() {
		desired, _ = v.integer(0, 100000)
	}
	switch {
	case desired >= 0:
	case minSize >= 0:
		desired = minSize
		p.keyNodeWarn("MinSize", "no DesiredCapacity: the fleet starts at MinSize")
	}
	if desired < 1 {
		m.t.c.errAt(m.t.file, r.key, r.path()+".Properties.DesiredCapacity", "the fleet needs at least 1 instance (DesiredCapacity or MinSize)")
		return
	}
	if maxSize >= 0 && (desired > maxSize || (minSize >= 0 && minSize > desired)) {
		p.get("MaxSize").errf("need MinSize ≤ DesiredCapacity ≤ MaxSize, got %d ≤ %d ≤ %d", minSize, desired, maxSize)
	}
	m.world["instances"] = desired
	if v := p.get("HealthCheckType"); v.ok() {
		if s, ok := v.oneOf("EC2", "ELB"); ok {
			set(m.world, "asg.health_check_type", s)
		}
	}
	if v := p.get("HealthCheckGracePeriod"); v.ok() {
		if d, ok := v.seconds(0, 7200); ok {
			set(m.world, "asg.health_check_grace_period", dur(d))
		}
	}
	if v := p.get("AvailabilityZones"); v.ok() {
		var azs []any
		for _, e := range v.list() {
			if s, ok := e.str(); ok {
				azs = append(azs, s)
			}
		}
		if len(azs) > 0 {
			m.world["azs"] = azs
		}
	} else if v := p.get("VPCZoneIdentifier"); v.ok() {
		v.warn("subnets: their Availability Zones are not known here; the world's zones (a, b, c) are kept")
	}
	m.launchTemplate(r, p)
	var tgs []*cfnResource
	if v := p.get("TargetGroupARNs"); v.ok() {
		tgs = m.refsIn(v)
		for _, e := range v.list() {
			if m.refOf(e) == nil {
				e.warn("a target group outside the template: not simulated")
			}
		}
	}
	if len(tgs) > 0 {
		m.tg = tgs[0]
		m.targetGroup(m.tg)
		for _, o := range tgs[1:] {
			m.t.c.warnAt(m.t.file, o.key, o.path(), "a second target group of the fleet: the world registers it in one")
			o.used = true
		}
	}
	p.warn("LoadBalancerNames", "Classic Load Balancers are not modelled: the world's load balancer is an ALB")
	p.warn("LifecycleHookSpecificationList", "lifecycle hooks are not modelled")
	p.warn("MixedInstancesPolicy", "instance types are not modelled")
	p.warn("CapacityRebalance", "Spot capacity is not modelled")
	p.warn("DefaultInstanceWarmup", "scaling policies do not act in the simulated world")
	p.get("AutoScalingGroupName")
	p.rest("not simulated")
	m.updatePolicy(r, maxSize, desired)
	if _, ok := r.rawAttrs["DependsOn"]; ok {
		m.t.attr(r, "DependsOn")
	}
	if v := m.t.attr(r, "Metadata"); v.ok() {
		v.warn("cfn-init configuration: what the bootstrap installs is what the versions stand for; not simulated step by step")
	}
	m.listener()
	m.dns()
}

// keyNodeWarn warns at a key.
func (o *obj) keyNodeWarn(key, msg string) {
	o.c.warnAt(o.file, o.keyNode(key), join(o.path, key), "%s", msg)
}

// launchTemplate marks the group's launch template or configuration as
// read, and checks that a group waiting on signals has user data that
// sends them.
func (m *cfnMapper) launchTemplate(g *cfnResource, p *obj) {
	var lt *cfnResource
	if v := p.get("LaunchTemplate"); v.ok() {
		o := v.obj()
		for _, k := range []string{"LaunchTemplateId", "LaunchTemplateName"} {
			if r := m.refOf(o.get(k)); r != nil {
				lt = r
			}
		}
		o.get("Version")
		o.rest("not simulated")
	}
	if v := p.get("LaunchConfigurationName"); v.ok() {
		lt = m.refOf(v)
	}
	if v := p.get("InstanceId"); v.ok() {
		v.warn("a group created from an instance: its launch configuration is not known here")
	}
	if lt == nil {
		return
	}
	lt.used = true
	lp := m.t.props(lt)
	data := lp
	if lt.typ == "AWS::EC2::LaunchTemplate" {
		data = lp.get("LaunchTemplateData").obj()
		lp.get("LaunchTemplateName")
	}
	userData := ""
	if data.has("UserData") {
		ud := data.get("UserData")
		userData, _ = ud.str()
		ud.warn("not simulated (read for cfn-signal): a new launch template is the deployment, v1 → v2")
	}
	data.rest("not simulated: a new launch template is the deployment, v1 → v2")
	lp.rest("not simulated")
	m.signalsSent = strings.Contains(userData, "cfn-signal") || strings.Contains(userData, "SignalResource")
	m.userDataAt = lt
}

// targetGroup maps the fleet's target group: health checks and
// attributes.
func (m *cfnMapper) targetGroup(r *cfnResource) {
	r.used = true
	p := m.t.props(r)
	for _, s := range []struct {
		key, path string
		lo, hi    int
	}{
		{"HealthCheckIntervalSeconds", "lb.health_check.interval", 5, 300},
		{"HealthCheckTimeoutSeconds", "lb.health_check.timeout", 2, 120},
	} {
		if v := p.get(s.key); v.ok() {
			if d, ok := v.seconds(s.lo, s.hi); ok {
				set(m.world, s.path, dur(d))
			}
		}
	}
	for _, s := range []struct{ key, path string }{
		{"HealthyThresholdCount", "lb.health_check.healthy_threshold"},
		{"UnhealthyThresholdCount", "lb.health_check.unhealthy_threshold"},
	} {
		if v := p.get(s.key); v.ok() {
			if n, ok := v.integer(2, 10); ok {
				set(m.world, s.path, n)
			}
		}
	}
	if v := p.get("HealthCheckEnabled"); v.ok() {
		if on, ok := v.boolean(); ok && !on {
			v.warn("not expressible: the simulated load balancer always checks its targets")
		}
	}
	if v := p.get("TargetGroupAttributes"); v.ok() {
		attrs := map[string]val{}
		for _, e := range v.list() {
			o := e.obj()
			k, _ := o.get("Key").str()
			attrs[k] = o.get("Value")
			o.rest("not simulated")
		}
		use := func(k string) (val, bool) {
			a, ok := attrs[k]
			delete(attrs, k)
			return a, ok
		}
		if a, ok := use("deregistration_delay.timeout_seconds"); ok {
			if d, ok := a.seconds(0, 3600); ok {
				set(m.world, "lb.deregistration_delay", dur(d))
			}
		}
		if a, ok := use("load_balancing.algorithm.type"); ok {
			if s, ok := a.oneOf("round_robin", "least_outstanding_requests", "weighted_random"); ok {
				if s == "weighted_random" {
					a.warn("not modelled: round_robin is used")
				} else {
					set(m.world, "lb.algorithm", s)
				}
			}
		}
		if a, ok := use("slow_start.duration_seconds"); ok {
			if d, ok := a.seconds(0, 900); ok {
				set(m.world, "lb.slow_start", dur(d))
			}
		}
		stickType, hasType := use("stickiness.type")
		durV, hasDur := use("stickiness.lb_cookie.duration_seconds")
		if a, ok := use("stickiness.enabled"); ok {
			if on, ok := a.boolean(); ok && on {
				typ := "lb_cookie"
				if hasType {
					typ, _ = stickType.str()
				}
				if typ != "lb_cookie" {
					stickType.warn("only lb_cookie stickiness is modelled: no stickiness is simulated")
				} else {
					d := 86400
					if hasDur {
						d, _ = durV.integer(1, 604800)
					}
					set(m.world, "lb.stickiness", dur(secondsDur(d)))
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			attrs[k].warn("target group attribute %s: not simulated", k)
		}
	}
	p.get("Name")
	for _, k := range []string{"HealthCheckPath", "HealthCheckPort", "HealthCheckProtocol", "Matcher"} {
		p.warn(k, "not simulated: the simulated health check is a pass or fail of the application")
	}
	p.rest("not simulated")
}

// listener maps the listener forwarding to the fleet's target group and
// the load balancer it belongs to.
func (m *cfnMapper) listener() {
	if m.tg == nil {
		return
	}
	for _, r := range m.t.resources {
		if !r.created || r.used || r.typ != "AWS::ElasticLoadBalancingV2::Listener" {
			continue
		}
		p := m.t.props(r)
		forwards := false
		for _, a := range p.get("DefaultActions").list() {
			ao := a.obj()
			if ao.has("TargetGroupArn") && m.refOf(ao.get("TargetGroupArn")) == m.tg {
				forwards = true
			}
			if fc := ao.get("ForwardConfig"); fc.ok() {
				fo := fc.obj()
				ours, others := false, 0
				for _, tgv := range fo.get("TargetGroups").list() {
					to := tgv.obj()
					w := 1
					if wv := to.get("Weight"); wv.ok() {
						w, _ = wv.integer(0, 999)
					}
					if m.refOf(to.get("TargetGroupArn")) == m.tg {
						ours = true
					} else if w > 0 && others == 0 {
						others = w
					}
					to.rest("not simulated")
				}
				if ours {
					forwards = true
					if others > 0 {
						fc.warn("the listener splits traffic with another target group (weight %d): the world starts with all traffic on the fleet; a split is a strategy (traffic-splitting, canary)", others)
					}
				}
				if sv := fo.get("TargetGroupStickinessConfig"); sv.ok() {
					sv.warn("stickiness across target groups is not modelled")
				}
				fo.rest("not simulated")
			}
			ao.get("Type")
			ao.rest("not simulated")
		}
		if !forwards {
			continue
		}
		r.used = true
		if lb := m.refOf(p.get("LoadBalancerArn")); lb != nil {
			m.loadBalancer(lb)
		}
		p.rest("not simulated")
	}
}

func (m *cfnMapper) loadBalancer(r *cfnResource) {
	r.used = true
	m.lb = r
	p := m.t.props(r)
	if v := p.get("Type"); v.ok() {
		if s, ok := v.oneOf("application", "network", "gateway"); ok && s != "application" {
			v.warn("a %s load balancer is simulated as an Application Load Balancer", s)
		}
	}
	if v := p.get("LoadBalancerAttributes"); v.ok() {
		for _, e := range v.list() {
			o := e.obj()
			k, _ := o.get("Key").str()
			a := o.get("Value")
			if k == "idle_timeout.timeout_seconds" {
				if d, ok := a.seconds(1, 4000); ok {
					set(m.world, "traffic.timeout", dur(d))
				}
			} else {
				a.warn("load balancer attribute %s: not simulated", k)
			}
			o.rest("not simulated")
		}
	}
	p.get("Name")
	p.rest("not simulated")
}

// dns maps the Route 53 records that point at the fleet's load balancer.
func (m *cfnMapper) dns() {
	if m.lb == nil {
		return
	}
	for _, r := range m.t.resources {
		if !r.created || r.used {
			continue
		}
		p := m.t.props(r)
		switch r.typ {
		case "AWS::Route53::RecordSet":
			if m.record(p) {
				r.used = true
				for _, k := range []string{"HostedZoneName", "HostedZoneId", "Comment"} {
					p.get(k)
				}
				p.rest("not simulated")
			}
		case "AWS::Route53::RecordSetGroup":
			found := false
			var others []val
			for _, e := range p.get("RecordSets").list() {
				o := e.obj()
				if m.record(o) {
					found = true
					o.rest("not simulated")
				} else {
					others = append(others, e)
				}
			}
			if found {
				r.used = true
				for _, k := range []string{"HostedZoneName", "HostedZoneId", "Comment"} {
					p.get(k)
				}
				for _, e := range others {
					e.warn("not a record of the simulated load balancer: not simulated")
				}
				p.rest("not simulated")
			}
		}
	}
}

// record maps one record set if it points at the load balancer: its TTL
// and weight.
func (m *cfnMapper) record(p *obj) bool {
	at := false
	alias := p.get("AliasTarget")
	if alias.ok() {
		at = m.refOf(alias.obj().get("DNSName")) == m.lb
	}
	for _, e := range p.get("ResourceRecords").list() {
		if m.refOf(e) == m.lb {
			at = true
		}
	}
	if !at {
		p.used = map[string]bool{}
		return false
	}
	p.get("Name")
	p.get("Type")
	if alias.ok() {
		ao := alias.obj()
		ao.get("DNSName")
		ao.get("HostedZoneId")
		if v := ao.get("EvaluateTargetHealth"); v.ok() {
			v.warn("Route 53 health evaluation is not modelled")
		}
		ao.rest("not simulated")
		set(m.world, "dns.ttl", "60s")
		alias.warn("an alias record answers with the load balancer's TTL: 60 s")
	}
	if v := p.get("TTL"); v.ok() {
		if d, ok := v.seconds(0, 2147483647); ok {
			set(m.world, "dns.ttl", dur(d))
		}
	}
	if v := p.get("Weight"); v.ok() {
		if w, ok := v.integer(0, 255); ok {
			id, _ := p.get("SetIdentifier").str()
			v.warn("weighted record %s (weight %d): the world's record starts with all traffic on the fleet; other weighted records of the name are not simulated, and a split is a strategy (ab-test, canary with traffic_routing dns)", id, w)
		}
	}
	p.warn("HealthCheckId", "Route 53 health checks are not modelled")
	p.warn("Failover", "failover routing is not modelled")
	return true
}

// updatePolicy maps the fleet's UpdatePolicy to a strategy.
func (m *cfnMapper) updatePolicy(r *cfnResource, maxSize, desired int) {
	up := m.t.attr(r, "UpdatePolicy")
	cp := m.t.attr(r, "CreationPolicy")
	if !up.ok() {
		m.t.c.warnAt(m.t.file, r.key, r.path(), "no UpdatePolicy: a new launch template reaches only instances launched later; the group gives no strategy")
		if cp.ok() {
			cp.warn("a CreationPolicy acts when the stack creates the group; without an update policy it plays no part in a deployment")
		}
		return
	}
	o := up.obj()
	o.warn("AutoScalingScheduledAction", "scheduled actions do not act in the simulated world")
	replace := false
	if v := o.get("AutoScalingReplacingUpdate"); v.ok() {
		ro := v.obj()
		if w := ro.get("WillReplace"); w.ok() {
			replace, _ = w.boolean()
		}
		ro.rest("not simulated")
	}
	ru := o.get("AutoScalingRollingUpdate")
	switch {
	case replace:
		if ru.ok() {
			ru.warn("ignored: WillReplace true gives AutoScalingReplacingUpdate precedence")
			ru.obj().consume()
		}
		m.replacingUpdate(r, cp)
	case ru.ok():
		m.rollingUpdate(r, ru.obj(), maxSize, desired)
		if cp.ok() {
			cp.warn("a CreationPolicy acts when the stack creates the group; a rolling update waits on WaitOnResourceSignals and PauseTime")
		}
	default:
		m.t.c.warnAt(m.t.file, r.key, r.path(), "no AutoScalingRollingUpdate or AutoScalingReplacingUpdate: the group gives no strategy")
	}
	o.rest("not simulated")
}

func (m *cfnMapper) rollingUpdate(r *cfnResource, o *obj, maxSize, desired int) {
	cfg := map[string]any{"variant": "cloudformation"}
	p := plan.DefaultAutoScalingRollingUpdate()
	if v := o.get("MaxBatchSize"); v.ok() {
		if n, ok := v.integer(1, 100000); ok {
			p.MaxBatchSize = n
			cfg["max_batch_size"] = n
		}
	}
	if v := o.get("MinInstancesInService"); v.ok() {
		if n, ok := v.integer(0, 100000); ok {
			p.MinInstancesInService = n
			cfg["min_instances_in_service"] = n
		}
	}
	signals := false
	if v := o.get("WaitOnResourceSignals"); v.ok() {
		if b, ok := v.boolean(); ok {
			signals = b
			p.WaitOnResourceSignals = b
			cfg["wait_on_resource_signals"] = b
		}
	}
	if v := o.get("MinSuccessfulInstancesPercent"); v.ok() {
		if f, ok := v.number(0, 100); ok {
			p.MinSuccessfulInstancesPercent = f
			cfg["min_successful_instances_percent"] = f
		}
	}
	p.PauseTime = plan.DefaultPauseTime(signals)
	if v := o.get("PauseTime"); v.ok() {
		if s, ok := v.str(); ok {
			d, err := plan.ParseISO8601Duration(s)
			if err != nil {
				v.errf("%v", err)
			} else {
				p.PauseTime = d
				cfg["pause_time"] = dur(d)
			}
		}
	}
	if v := o.get("SuspendProcesses"); v.ok() {
		var names []any
		for _, e := range v.list() {
			if s, ok := e.oneOf(plan.ScalingProcesses...); ok {
				names = append(names, s)
				p.SuspendProcesses = append(p.SuspendProcesses, s)
				if s == "Launch" || s == "Terminate" || s == "AddToLoadBalancer" {
					e.warn("suspending %s stalls a rolling update (the update needs it): the simulation shows it", s)
				}
			}
		}
		cfg["suspend_processes"] = names
	}
	if maxSize > 0 {
		cfg["max_size"] = maxSize
	}
	if err := p.Validate(maxSize); err != nil {
		o.get("MinInstancesInService").planErr(err)
	}
	if signals && !m.signalsSent && m.userDataAt != nil {
		o.keyNodeWarn("WaitOnResourceSignals", "the launch template's user data never calls cfn-signal: every signal will time out and the update roll back")
	}
	if p.WaitOnResourceSignals && p.PauseTime < defaultBootHint {
		o.keyNodeWarn("PauseTime", "shorter than the world's default boot (5 m ± 1 m): signals may time out, and the rollback's too")
	}
	o.rest("not simulated")
	m.add(r, "rolling", cfg)
}

// defaultBootHint is the world's default boot time plus its standard
// deviation, which a PauseTime waiting on signals should exceed.
const defaultBootHint = 6 * time.Minute

func (m *cfnMapper) replacingUpdate(r *cfnResource, cp val) {
	cfg := map[string]any{"variant": "cloudformation"}
	if cp.ok() {
		o := cp.obj()
		out := map[string]any{}
		if v := o.get("ResourceSignal"); v.ok() {
			rs := v.obj()
			if c := rs.get("Count"); c.ok() {
				if n, ok := c.integer(1, 100000); ok {
					out["count"] = n
				}
			}
			if t := rs.get("Timeout"); t.ok() {
				if s, ok := t.str(); ok {
					d, err := plan.ParseISO8601Duration(s)
					if err != nil {
						t.errf("%v", err)
					} else {
						out["timeout"] = dur(d)
					}
				}
			}
			rs.rest("not simulated")
		}
		if v := o.get("AutoScalingCreationPolicy"); v.ok() {
			ao := v.obj()
			if p := ao.get("MinSuccessfulInstancesPercent"); p.ok() {
				if f, ok := p.number(0, 100); ok {
					out["min_successful_instances_percent"] = f
				}
			}
			ao.rest("not simulated")
		}
		o.rest("not simulated")
		cfg["creation_policy"] = out
		if !m.signalsSent && m.userDataAt != nil {
			cp.warn("the launch template's user data never calls cfn-signal: the CreationPolicy's signals will not arrive")
		}
	} else {
		m.t.c.warnAt(m.t.file, r.key, r.path(), "AutoScalingReplacingUpdate without a CreationPolicy: the old group is deleted as soon as the new one's instances are launched")
	}
	m.add(r, "immutable", cfg)
}

// codeDeploy maps a deployment group through the CodeDeploy mapping.
func (m *cfnMapper) codeDeploy(r *cfnResource) {
	r.used = true
	pv := m.t.attr(r, "Properties")
	g := val{c: m.t.c, file: m.t.file, n: m.t.apiShape(pv.n), path: pv.path}.obj()
	in := cdInput{group: g}
	if v := g.get("deploymentConfigName"); v.ok() {
		if cr := m.refOf(v); cr != nil && cr.typ == "AWS::CodeDeploy::DeploymentConfig" {
			cr.used = true
			cv := m.t.attr(cr, "Properties")
			in.cfg = val{c: m.t.c, file: m.t.file, n: m.t.apiShape(cv.n), path: cv.path}.obj()
			// The group names the template's config, whose fields are
			// read instead of a name.
			dropKey(g, "deploymentConfigName")
		} else {
			in.name = v
		}
	}
	if v := g.get("applicationName"); v.ok() {
		if app := m.refOf(v); app != nil && app.typ == "AWS::CodeDeploy::Application" {
			app.used = true
			ap := m.t.props(app)
			if p := ap.get("ComputePlatform"); p.ok() {
				in.platform, _ = p.oneOf("Server", "Lambda", "ECS")
			}
			ap.get("ApplicationName")
			ap.rest("not simulated")
		}
	}
	if v := g.get("autoScalingGroups"); v.ok() {
		for _, e := range v.list() {
			if a := m.refOf(e); a == nil || a != m.asg {
				e.warn("not the simulated fleet's group: the deployment group is simulated on %s", m.fleetName())
			}
		}
	}
	if v := g.get("loadBalancerInfo"); v.ok() {
		lo := v.obj()
		for _, e := range lo.get("targetGroupInfoList").list() {
			eo := e.obj()
			if tg := m.refOf(eo.get("name")); tg != nil && tg != m.tg {
				e.warn("not the simulated fleet's target group")
			}
			eo.rest("not simulated")
		}
		lo.warn("elbInfoList", "Classic Load Balancers are not modelled")
		lo.rest("not simulated")
	}
	g.warn("deployment", "the initial revision is deployed when the stack is created: not simulated")
	for _, k := range []string{"ec2TagFilters", "ec2TagSet", "onPremisesInstanceTagFilters", "onPremisesTagSet"} {
		g.warn(k, "tag-selected instances: the simulated fleet is the Auto Scaling group")
	}
	res := mapCodeDeploy(m.t.c, in)
	m.add(r, res.Strategy, res.Config)
	m.mergeWorld(res.World)
}

// dropKey removes key from a mapping being read (a copy of the source).
func dropKey(o *obj, key string) {
	if o.n == nil {
		return
	}
	for i := 0; i+1 < len(o.n.Content); i += 2 {
		if o.n.Content[i].Value == key {
			o.n.Content = slices.Delete(o.n.Content, i, i+2)
			return
		}
	}
}

// fleetName names the resource the world simulates.
func (m *cfnMapper) fleetName() string {
	if m.asg != nil {
		return m.asg.id
	}
	return "the template's fleet"
}

// mergeWorld adds world settings another mapping found, the fleet's
// first.
func (m *cfnMapper) mergeWorld(w map[string]any) {
	for k, v := range w {
		if sub, ok := v.(map[string]any); ok {
			dst, ok := m.world[k].(map[string]any)
			if !ok {
				dst = map[string]any{}
				m.world[k] = dst
			}
			for kk, vv := range sub {
				if _, set := dst[kk]; !set {
					dst[kk] = vv
				}
			}
			continue
		}
		if _, set := m.world[k]; !set {
			m.world[k] = v
		}
	}
}

// ecsService maps an ECS service through the ECS mapping.
func (m *cfnMapper) ecsService(r *cfnResource) {
	r.used = true
	pv := m.t.attr(r, "Properties")
	svc := val{c: m.t.c, file: m.t.file, n: m.t.apiShape(pv.n), path: pv.path}.obj()
	res := newResult("rolling")
	dc := svc.get("deploymentConfiguration").obj()
	for _, k := range []string{"serviceName", "cluster"} {
		svc.get(k)
	}
	mapECSService(m.t.c, &res, svc)
	mapECSDeploymentConfiguration(&res, dc)
	m.add(r, res.Strategy, res.Config)
	m.mergeWorld(res.World)
}

// beanstalk maps an Elastic Beanstalk environment's option settings (its
// configuration template's first) through the Beanstalk mapping.
func (m *cfnMapper) beanstalk(r *cfnResource) {
	r.used = true
	p := m.t.props(r)
	var opts []ebOption
	if v := p.get("TemplateName"); v.ok() {
		if ct := m.refOf(v); ct != nil && ct.typ == "AWS::ElasticBeanstalk::ConfigurationTemplate" {
			ct.used = true
			cp := m.t.props(ct)
			opts = append(opts, cfnOptions(cp.get("OptionSettings"))...)
			for _, k := range []string{"ApplicationName", "Description"} {
				cp.get(k)
			}
			cp.rest("not simulated")
		}
	}
	opts = append(opts, cfnOptions(p.get("OptionSettings"))...)
	if v := p.get("Tier"); v.ok() {
		to := v.obj()
		if n, _ := to.get("Name").str(); n == "Worker" {
			v.warn("a worker environment is simulated as a web server environment")
		}
		to.consume()
	}
	for _, k := range []string{"ApplicationName", "EnvironmentName", "Description"} {
		p.get(k)
	}
	p.rest("not simulated")
	res := mapEB(m.t.c, opts)
	m.add(r, res.Strategy, res.Config)
	m.mergeWorld(res.World)
}

// cfnOptions reads OptionSettings ([{Namespace, OptionName, Value}]) as
// the Beanstalk mapping reads .ebextensions option settings.
func cfnOptions(v val) []ebOption {
	var out []ebOption
	for _, e := range v.list() {
		o := e.obj()
		ns, _ := o.get("Namespace").str()
		name, _ := o.get("OptionName").str()
		o.get("ResourceName")
		value := o.get("Value")
		value.path = "OptionSettings." + ns + "." + name
		if !value.ok() {
			value.n = e.n
		}
		k := e
		k.path = value.path
		o.rest("unknown key of an option setting: ignored")
		out = append(out, ebOption{ns: ns, name: name, v: value, key: k})
	}
	return out
}

// cwMetrics maps Application Load Balancer metrics to the world's alarm
// metrics: name, and the factor of the threshold (seconds to
// milliseconds for latency).
var cwMetrics = map[string]struct {
	metric string
	factor float64
	note   string
}{
	"HTTPCode_Target_5XX_Count": {"errors", 1, "counts every failed request, not only the targets' 5XX"},
	"HTTPCode_ELB_5XX_Count":    {"errors", 1, "counts every failed request, not only the load balancer's 5XX"},
	"RequestCount":              {"requests", 1, ""},
	"HealthyHostCount":          {"healthy_hosts", 1, ""},
	"TargetResponseTime":        {"latency", 1000, ""},
}

// alarm maps a CloudWatch alarm on the load balancer's or target group's
// metrics to a scenario alarm.
func (m *cfnMapper) alarm(r *cfnResource) {
	p := m.t.props(r)
	ns, _ := p.get("Namespace").str()
	metric, _ := p.get("MetricName").str()
	known, ok := cwMetrics[metric]
	if ns != "AWS/ApplicationELB" || !ok {
		p.used = map[string]bool{}
		return // reported as not simulated
	}
	r.used = true
	a := map[string]any{"name": m.t.physicalName(r)}
	name := known.metric
	if name == "latency" {
		name = "latency_mean"
		if v := p.get("ExtendedStatistic"); v.ok() {
			s, _ := v.str()
			switch strings.ToLower(s) {
			case "p50", "p90", "p99":
				name = "latency_" + strings.ToLower(s)
			default:
				v.warn("statistic %s is not measured: p99 is used", s)
				name = "latency_p99"
			}
		}
	} else if v := p.get("ExtendedStatistic"); v.ok() {
		v.warn("an extended statistic of %s is not measured: the sum is used", metric)
	}
	if v := p.get("Statistic"); v.ok() {
		s, _ := v.oneOf("Average", "Sum", "Minimum", "Maximum", "SampleCount")
		if (name == "errors" || name == "requests") && s != "Sum" {
			v.warn("%s of %s: the sum is used", s, metric)
		}
	}
	a["metric"] = name
	if known.note != "" {
		p.keyNodeWarn("MetricName", known.note)
	}
	if v := p.get("Threshold"); v.ok() {
		if f, ok := v.number(-1e18, 1e18); ok {
			a["threshold"] = f * known.factor
		}
	}
	if v := p.get("ComparisonOperator"); v.ok() {
		if s, ok := v.oneOf("GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
			"LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"); ok {
			op := map[string]string{"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}[s]
			if op == "" {
				v.warn("anomaly detection bands are not modelled")
			} else {
				a["comparison"] = op
			}
		}
	}
	if v := p.get("Period"); v.ok() {
		if d, ok := v.seconds(10, 86400); ok {
			a["period"] = dur(d)
		}
	}
	for _, f := range []struct{ src, dst string }{{"EvaluationPeriods", "evaluation_periods"}, {"DatapointsToAlarm", "datapoints_to_alarm"}} {
		if v := p.get(f.src); v.ok() {
			if n, ok := v.integer(1, 100000); ok {
				a[f.dst] = n
			}
		}
	}
	if v := p.get("TreatMissingData"); v.ok() {
		if s, ok := v.oneOf("missing", "notBreaching", "breaching", "ignore"); ok {
			a["treat_missing_data"] = s
		}
	}
	if v := p.get("Dimensions"); v.ok() {
		for _, d := range v.list() {
			do := d.obj()
			do.get("Name")
			if x := m.refOf(do.get("Value")); x != nil && x != m.tg && x != m.lb {
				d.warn("a dimension of another resource: the alarm watches the simulated fleet's requests")
			}
			do.rest("not simulated")
		}
	}
	for _, k := range []string{"AlarmName", "AlarmDescription"} {
		p.get(k)
	}
	p.rest("not simulated")
	m.alarmIDs[a["name"].(string)] = r.id
	m.alarms = append(m.alarms, a)
}

// checkAlarms warns about a strategy watching an alarm the scenario does
// not define, and drops the importers' generic reminder for those it does.
func (m *cfnMapper) checkAlarms() {
	for k, b := range m.blocks {
		rb, _ := b.Config["rollback"].(map[string]any)
		names, _ := rb["alarms"].([]any)
		for _, n := range names {
			s, _ := n.(string)
			if _, ok := m.alarmIDs[s]; !ok {
				m.t.c.warnAt(m.t.file, m.keys[k], "Resources."+b.Label, "alarm %s is not one of the template's alarms on load balancer metrics: define it in the scenario's alarms:", s)
			}
		}
	}
	kept := m.t.c.warns[:0]
	for _, w := range m.t.c.warns {
		if strings.HasPrefix(w.Msg, "alarms must be defined in the scenario's alarms") && m.allAlarmsMapped() {
			continue
		}
		kept = append(kept, w)
	}
	m.t.c.warns = kept
}

func (m *cfnMapper) allAlarmsMapped() bool {
	for _, b := range m.blocks {
		rb, _ := b.Config["rollback"].(map[string]any)
		names, _ := rb["alarms"].([]any)
		for _, n := range names {
			if _, ok := m.alarmIDs[n.(string)]; !ok {
				return false
			}
		}
	}
	return true
}

func secondsDur(n int) time.Duration { return time.Duration(n) * time.Second }
