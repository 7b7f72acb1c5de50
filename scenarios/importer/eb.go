package importer

import (
	"math"
	"time"

	"go.yaml.in/yaml/v3"
)

// ebOption is one option setting, from either form.
type ebOption struct {
	ns, name string
	v        val // the value
	key      val // where to report a warning about the option
}

const (
	nsCommand = "aws:elasticbeanstalk:command"
	nsSplit   = "aws:elasticbeanstalk:trafficsplitting"
	nsRolling = "aws:autoscaling:updatepolicy:rollingupdate"
	nsProcess = "aws:elasticbeanstalk:environment:process:default"
	nsASG     = "aws:autoscaling:asg"
	// nsEnvVars is the namespace of the shorthand list form without a
	// namespace: environment properties.
	nsEnvVars = "aws:elasticbeanstalk:application:environment"
)

// importEB maps .ebextensions option_settings. Several documents or files
// are read in order, later settings overriding earlier ones, as EB applies
// .ebextensions files in alphabetical order.
func importEB(c *ctx, docs []doc) Result {
	var opts []ebOption
	for _, d := range docs {
		top := c.root(d).obj()
		os := top.get("option_settings")
		if !os.ok() {
			c.warnAt(d.file, d.root, "option_settings", "missing: this file sets no options")
		}
		opts = append(opts, ebOptions(os)...)
		top.rest("not a deployment setting (an .ebextensions section other than option_settings)")
	}
	return mapEB(c, opts)
}

// mapEB maps option settings, in order (a later setting of an option
// overrides an earlier one), to a strategy and world settings.
func mapEB(c *ctx, opts []ebOption) Result {
	// Last setting of an option wins.
	last := map[[2]string]int{}
	for i, o := range opts {
		last[[2]string{o.ns, o.name}] = i
	}
	get := func(ns, name string) (val, bool) {
		i, ok := last[[2]string{ns, name}]
		if !ok {
			return val{}, false
		}
		return opts[i].v, true
	}
	used := map[int]bool{}
	use := func(ns, name string) (val, bool) {
		i, ok := last[[2]string{ns, name}]
		if ok {
			used[i] = true
		}
		return get(ns, name)
	}
	r := newResult("all-at-once")
	policy := "AllAtOnce"
	if v, ok := use(nsCommand, "DeploymentPolicy"); ok {
		policy, _ = v.oneOf("AllAtOnce", "Rolling", "RollingWithAdditionalBatch", "Immutable", "TrafficSplitting")
	} else if len(opts) > 0 {
		c.warnAt(opts[0].key.file, opts[0].key.n, "option_settings."+nsCommand+".DeploymentPolicy", "unset: EB's default AllAtOnce is used")
	}
	r.Strategy = map[string]string{
		"AllAtOnce": "all-at-once", "Rolling": "rolling", "RollingWithAdditionalBatch": "rolling-with-additional-batch",
		"Immutable": "immutable", "TrafficSplitting": "traffic-splitting", "": "all-at-once",
	}[policy]
	maxSize := 0
	if v, ok := use(nsASG, "MaxSize"); ok {
		if n, ok := v.integer(1, 10000); ok {
			maxSize = n
			v.warn("used only to validate a Fixed BatchSize: the simulated group does not scale out")
		}
	}
	if policy == "Rolling" || policy == "RollingWithAdditionalBatch" {
		mapEBBatch(&r, use, get, maxSize)
	}
	if policy == "TrafficSplitting" {
		if v, ok := use(nsSplit, "NewVersionPercent"); ok {
			if n, ok := v.integer(1, 100); ok {
				r.Config["new_version_percent"] = n
			}
		}
		if v, ok := use(nsSplit, "EvaluationTime"); ok {
			if d, ok := v.minutes(3, 600); ok {
				r.Config["evaluation_time"] = dur(d)
			}
		}
	}
	rollingPolicy := policy == "Rolling" || policy == "RollingWithAdditionalBatch"
	if v, ok := use(nsCommand, "Timeout"); ok {
		if d, ok := v.seconds(1, 3600); ok {
			if rollingPolicy {
				r.Config["timeout"] = dur(d)
			} else {
				r.rollback()["progress_deadline"] = dur(d)
			}
		}
	}
	if v, ok := use(nsCommand, "IgnoreHealthCheck"); ok {
		if b, ok := v.boolean(); ok && b {
			if rollingPolicy {
				r.Config["ignore_health_check"] = true
			} else {
				v.warn("not expressible for DeploymentPolicy %s: the strategy waits for health checks and stops a deployment whose instances stay unhealthy", policy)
			}
		}
	}
	mapEBWorld(&r, use)
	for i, o := range opts {
		if used[i] {
			continue
		}
		if _, ok := last[[2]string{o.ns, o.name}]; ok && last[[2]string{o.ns, o.name}] != i {
			o.key.warn("overridden by a later setting of the same option")
			continue
		}
		o.key.warn("%s", ebWhy(o.ns, o.name, policy))
	}
	return r
}

// ebWhy explains why an option was not mapped.
func ebWhy(ns, name, policy string) string {
	switch {
	case ns == nsCommand && (name == "BatchSize" || name == "BatchSizeType"):
		return "ignored by EB for DeploymentPolicy " + policy
	case ns == nsSplit:
		return "ignored by EB for DeploymentPolicy " + policy + " (used by TrafficSplitting only)"
	case ns == nsRolling:
		return "governs configuration updates that replace instances, not application deployments: not simulated"
	case ns == nsProcess:
		return "not modelled by the simulated load balancer"
	case ns == nsASG:
		return "not simulated (no scaling activity during a deployment)"
	case ns == nsEnvVars:
		return "environment property: not a deployment setting"
	}
	return "not a deployment setting: not simulated"
}

// ebOptions reads option_settings in list form (namespace, option_name,
// value) or map form (namespace: {option: value}).
func ebOptions(os val) []ebOption {
	n := resolve(os.n)
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	var out []ebOption
	switch n.Kind {
	case yaml.SequenceNode:
		for _, e := range os.list() {
			o := e.obj()
			ns := nsEnvVars
			if v := o.get("namespace"); v.ok() {
				ns, _ = v.str()
			}
			o.get("resource_name")
			name, _ := o.get("option_name").scalar("an option name")
			if !o.has("option_name") {
				e.errf("option_name missing")
			}
			v := o.get("value")
			v.path = "option_settings." + ns + "." + name
			k := e
			k.path = v.path
			if !v.ok() {
				v.n = e.n
			}
			o.rest("unknown key of an option setting: ignored")
			out = append(out, ebOption{ns: ns, name: name, v: v, key: k})
		}
	case yaml.MappingNode:
		top := os.obj()
		for _, ns := range top.keys() {
			nv := top.get(ns)
			no := nv.obj()
			for _, name := range no.keys() {
				v := no.get(name)
				v.path = "option_settings." + ns + "." + name
				k := v
				k.n = no.keyNode(name)
				out = append(out, ebOption{ns: ns, name: name, v: v, key: k})
			}
		}
	default:
		os.errf("got %s, want a list of {namespace, option_name, value} or a mapping namespace: {option: value}", kindName(n))
	}
	return out
}

// mapEBBatch maps BatchSizeType and BatchSize, validating them as EB does
// (a Fixed batch is at most the Auto Scaling group's MaxSize).
func mapEBBatch(r *Result, use, get func(ns, name string) (val, bool), maxSize int) {
	typ := "Percentage"
	if v, ok := use(nsCommand, "BatchSizeType"); ok {
		if s, ok := v.oneOf("Percentage", "Fixed"); ok {
			typ = s
			r.Config["batch_size_type"] = s
		}
	}
	v, ok := use(nsCommand, "BatchSize")
	if !ok {
		if t, ok := get(nsCommand, "DeploymentPolicy"); ok {
			t.warn("BatchSize unset: EB's option default is 100 %% (one batch: the whole fleet at once), the EB console's 30 %%; deploysim's default 30 %% is used — set BatchSize to be sure")
		}
		return
	}
	hi := 100
	if typ == "Fixed" {
		hi = math.MaxInt32
		if maxSize > 0 {
			hi = maxSize
		}
	}
	if n, ok := v.integer(1, hi); ok {
		r.Config["batch_size"] = n
	}
}

// mapEBWorld maps the health-check, deregistration and fleet options to
// world settings.
func mapEBWorld(r *Result, use func(ns, name string) (val, bool)) {
	secs := []struct {
		name, path string
		lo, hi     int
	}{
		{"DeregistrationDelay", "lb.deregistration_delay", 0, 3600},
		{"HealthCheckInterval", "lb.health_check.interval", 5, 300},
		{"HealthCheckTimeout", "lb.health_check.timeout", 1, 60},
	}
	for _, s := range secs {
		if v, ok := use(nsProcess, s.name); ok {
			if d, ok := v.seconds(s.lo, s.hi); ok {
				set(r.World, s.path, dur(d))
			}
		}
	}
	for _, s := range []struct{ name, path string }{
		{"HealthyThresholdCount", "lb.health_check.healthy_threshold"},
		{"UnhealthyThresholdCount", "lb.health_check.unhealthy_threshold"},
	} {
		if v, ok := use(nsProcess, s.name); ok {
			if n, ok := v.integer(2, 10); ok {
				set(r.World, s.path, n)
			}
		}
	}
	if v, ok := use(nsProcess, "StickinessEnabled"); ok {
		if on, ok := v.boolean(); ok && on {
			d := 86400 * time.Second
			if c, ok := use(nsProcess, "StickinessLBCookieDuration"); ok {
				d, _ = c.seconds(1, 604800)
			}
			set(r.World, "lb.stickiness", dur(d))
		}
	}
	if v, ok := use(nsASG, "MinSize"); ok {
		if n, ok := v.integer(1, 10000); ok {
			r.World["instances"] = n
		}
	}
}
