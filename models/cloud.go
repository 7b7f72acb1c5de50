package models

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// cloud implements the strategies contract for one controller process:
// calls that take time in the real service block that process.
type cloud struct {
	w *World
	p *sim.Proc
}

// Env returns the contract bound to process p, for a strategy deploying t.
func (w *World) Env(p *sim.Proc, t strategies.Target, r *rand.Rand) strategies.Env {
	c := &cloud{w: w, p: p}
	return strategies.Env{
		Clock: c, ASG: c, ELB: c, LBs: c, DNS: c, Agent: c, DB: c, Flags: c,
		Signals: c, Obs: c, Log: c, Rand: r, Target: t,
	}
}

// Clock

func (c *cloud) Now() time.Duration    { return c.p.Now().Duration() }
func (c *cloud) Sleep(d time.Duration) { c.p.Sleep(d) }

// AutoScaling

func (c *cloud) CreateGroup(spec strategies.GroupSpec) (strategies.GroupID, error) {
	w := c.w
	if w.versionOf(spec.Version) < 0 {
		return 0, fmt.Errorf("CreateGroup %q: version %q: %w", spec.Name, spec.Version, strategies.ErrNotFound)
	}
	if spec.Min < 0 || spec.Max < spec.Min || spec.Desired < spec.Min || spec.Desired > spec.Max {
		return 0, fmt.Errorf("CreateGroup %q: need 0 <= min <= desired <= max, got %d/%d/%d", spec.Name, spec.Min, spec.Desired, spec.Max)
	}
	if t := spec.HealthCheckType; t != "" && t != "EC2" && t != "ELB" {
		return 0, fmt.Errorf("CreateGroup %q: health check type %q: allowed EC2, ELB", spec.Name, t)
	}
	for _, tg := range spec.TargetGroups {
		if _, err := w.targetGroup(tg); err != nil {
			return 0, fmt.Errorf("CreateGroup %q: %w", spec.Name, err)
		}
	}
	g := w.newGroup(spec)
	w.mark("asg", "create %s (%s ×%d)", spec.Name, spec.Version, spec.Desired)
	w.s.After(0, w.kReconcile, int64(g), 0)
	return strategies.GroupID(g), nil
}

func (c *cloud) UpdateGroup(id strategies.GroupID, u strategies.GroupUpdate) error {
	w := c.w
	g, err := w.group(id)
	if err != nil {
		return err
	}
	d, mn, mx := g.desired, g.min, g.max
	if u.Desired != nil {
		d = *u.Desired
	}
	if u.Min != nil {
		mn = *u.Min
	}
	if u.Max != nil {
		mx = *u.Max
	}
	if mn < 0 || mx < mn || d < mn || d > mx {
		return fmt.Errorf("UpdateGroup %v: need 0 <= min <= desired <= max, got %d/%d/%d", id, mn, d, mx)
	}
	if u.Version != nil {
		v := w.versionOf(*u.Version)
		if v < 0 {
			return fmt.Errorf("UpdateGroup %v: version %q: %w", id, *u.Version, strategies.ErrNotFound)
		}
		g.ver = v
	}
	g.desired, g.min, g.max = d, mn, mx
	w.s.After(0, w.kReconcile, int64(id), 0)
	return nil
}

func (c *cloud) TerminateInstance(id strategies.InstanceID, decrementDesired bool) error {
	w := c.w
	if int(id) < 0 || int(id) >= len(w.insts) || w.insts[id].state == strategies.Terminated {
		return fmt.Errorf("TerminateInstance %v: %w", id, strategies.ErrNotFound)
	}
	g := &w.groups[w.insts[id].group]
	if decrementDesired && w.insts[id].state < strategies.Terminating {
		if g.desired <= g.min {
			return fmt.Errorf("TerminateInstance %v: desired %d would fall below min %d", id, g.desired, g.min)
		}
		g.desired--
	}
	w.terminate(int32(id))
	return nil
}

func (c *cloud) DescribeGroup(id strategies.GroupID) (strategies.Group, error) {
	w := c.w
	g, err := w.group(id)
	if err != nil {
		return strategies.Group{}, err
	}
	out := strategies.Group{
		ID: id, Name: g.name, Version: strategies.Version(w.versions[g.ver].spec.Name),
		Desired: g.desired, Min: g.min, Max: g.max,
	}
	for _, tg := range g.tgs {
		out.TargetGroups = append(out.TargetGroups, strategies.TargetGroupID(tg))
	}
	for _, i := range g.members {
		out.Instances = append(out.Instances, w.describeInstance(i))
	}
	return out, nil
}

func (c *cloud) DeleteGroup(id strategies.GroupID) error {
	w := c.w
	g, err := w.group(id)
	if err != nil {
		return err
	}
	w.mark("asg", "delete %s", g.name)
	g.desired, g.min = 0, 0
	for _, i := range slices.Clone(g.members) {
		w.terminate(i)
	}
	g.deleted = true
	return nil
}

func (c *cloud) SuspendProcesses(id strategies.GroupID, names ...string) error {
	return c.setProcesses(id, true, names)
}

func (c *cloud) ResumeProcesses(id strategies.GroupID, names ...string) error {
	return c.setProcesses(id, false, names)
}

func (c *cloud) setProcesses(id strategies.GroupID, suspend bool, names []string) error {
	g, err := c.w.group(id)
	if err != nil {
		return err
	}
	var bits uint16
	for _, n := range names {
		b := processBit(n)
		if b == 0 {
			return fmt.Errorf("%v: process %q: allowed %v", id, n, processes)
		}
		bits |= b
	}
	if suspend {
		g.suspended |= bits
		c.w.mark("asg", "%s: suspend %v", g.name, names)
	} else {
		g.suspended &^= bits
		c.w.mark("asg", "%s: resume %v", g.name, names)
	}
	c.w.s.After(0, c.w.kReconcile, int64(id), 0)
	return nil
}

// Signals

func (c *cloud) Signal(id strategies.InstanceID) (time.Duration, bool) {
	w := c.w
	if int(id) < 0 || int(id) >= len(w.insts) || !w.insts[id].signaled {
		return 0, false
	}
	return w.insts[id].signalAt.Duration(), true
}

// LoadBalancing

func (c *cloud) CreateTargetGroup(name string) (strategies.TargetGroupID, error) {
	return strategies.TargetGroupID(c.w.newTargetGroup(name)), nil
}

func (c *cloud) instances(ids []strategies.InstanceID) ([]int32, error) {
	out := make([]int32, len(ids))
	for k, id := range ids {
		if int(id) < 0 || int(id) >= len(c.w.insts) || c.w.insts[id].state == strategies.Terminated {
			return nil, fmt.Errorf("instance %v: %w", id, strategies.ErrNotFound)
		}
		out[k] = int32(id)
	}
	return out, nil
}

// targets validates a target group and instances for (de)registration.
func (c *cloud) targets(tg strategies.TargetGroupID, ids []strategies.InstanceID) ([]int32, error) {
	if _, err := c.w.targetGroup(tg); err != nil {
		return nil, err
	}
	return c.instances(ids)
}

func (c *cloud) RegisterTargets(tg strategies.TargetGroupID, ids ...strategies.InstanceID) error {
	is, err := c.targets(tg, ids)
	for _, i := range is {
		c.w.registerTarget(int(tg), i, false)
	}
	return err
}

func (c *cloud) DeregisterTargets(tg strategies.TargetGroupID, ids ...strategies.InstanceID) error {
	is, err := c.targets(tg, ids)
	for _, i := range is {
		c.w.deregisterTarget(int(tg), i)
	}
	return err
}

func (c *cloud) DescribeTargetHealth(tg strategies.TargetGroupID) ([]strategies.TargetHealth, error) {
	g, err := c.w.targetGroup(tg)
	if err != nil {
		return nil, err
	}
	out := make([]strategies.TargetHealth, 0, len(g.targets))
	for _, t := range g.targets {
		out = append(out, strategies.TargetHealth{Instance: strategies.InstanceID(t.inst), State: t.state})
	}
	return out, nil
}

func (c *cloud) SetListener(lb strategies.LoadBalancerID, fwd []strategies.Forward) error {
	w := c.w
	if _, err := w.loadBalancer(lb); err != nil {
		return err
	}
	if len(fwd) == 0 || len(fwd) > 5 {
		return fmt.Errorf("SetListener %v: 1 to 5 target groups allowed, got %d", lb, len(fwd))
	}
	for _, f := range fwd {
		if f.Weight < 0 || f.Weight > 999 {
			return fmt.Errorf("SetListener %v: weight %d of %v: allowed 0–999", lb, f.Weight, f.TargetGroup)
		}
		if _, err := w.targetGroup(f.TargetGroup); err != nil {
			return fmt.Errorf("SetListener %v: %w", lb, err)
		}
	}
	w.setListener(int(lb), fwd)
	return nil
}

func (c *cloud) Listener(lb strategies.LoadBalancerID) ([]strategies.Forward, error) {
	l, err := c.w.loadBalancer(lb)
	if err != nil {
		return nil, err
	}
	return slices.Clone(l.fwd), nil
}

// LoadBalancers

func (c *cloud) CreateLoadBalancer(cname string, tg strategies.TargetGroupID) (strategies.LoadBalancerID, error) {
	w := c.w
	if _, err := w.targetGroup(tg); err != nil {
		return 0, err
	}
	if lb, ok := w.dns.cnames[cname]; ok && lb >= 0 {
		return 0, fmt.Errorf("CreateLoadBalancer: environment name %q is taken", cname)
	}
	lb := w.newLoadBalancer(cname, int(tg))
	w.dns.cnames[cname] = int32(lb)
	w.refreshAnswers()
	w.mark("elb", "create %v as %s", strategies.LoadBalancerID(lb), cname)
	return strategies.LoadBalancerID(lb), nil
}

func (c *cloud) DeleteLoadBalancer(id strategies.LoadBalancerID) error {
	w := c.w
	l, err := w.loadBalancer(id)
	if err != nil {
		return err
	}
	l.deleted = true
	l.ver = w.lbVersion(l)
	for name, lb := range w.dns.cnames {
		if lb == int32(id) {
			w.dns.cnames[name] = -1
		}
	}
	w.refreshAnswers()
	w.mark("elb", "delete %v", id)
	return nil
}

// DNS

func (c *cloud) SetWeights(records []strategies.WeightedRecord) error {
	if err := c.w.setRecords(records); err != nil {
		return err
	}
	c.w.mark("dns", "weights %s", formatRecords(records))
	return nil
}

func formatRecords(rs []strategies.WeightedRecord) string {
	s := ""
	for k, r := range rs {
		if k > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", r.SetIdentifier, r.Weight)
	}
	return s
}

func (c *cloud) Weights() []strategies.WeightedRecord { return slices.Clone(c.w.dns.records) }

func (c *cloud) SwapCNAMEs(a, b string) error {
	w := c.w
	la, oka := w.dns.cnames[a]
	lb, okb := w.dns.cnames[b]
	if !oka || !okb {
		return fmt.Errorf("SwapCNAMEs %q %q: %w", a, b, strategies.ErrNotFound)
	}
	w.dns.cnames[a], w.dns.cnames[b] = lb, la
	w.refreshAnswers()
	w.mark("dns", "swap %s <-> %s", a, b)
	return nil
}

func (c *cloud) TTL() time.Duration { return c.w.cfg.DNS.TTL }

// InPlace

func (c *cloud) StartDeploy(id strategies.InstanceID, v strategies.Version, o strategies.DeployOptions) error {
	w := c.w
	is, err := c.instances([]strategies.InstanceID{id})
	if err != nil {
		return err
	}
	ver := w.versionOf(v)
	if ver < 0 {
		return fmt.Errorf("StartDeploy %v: version %q: %w", id, v, strategies.ErrNotFound)
	}
	if w.insts[is[0]].deploy.State == strategies.DeployInProgress {
		return fmt.Errorf("StartDeploy %v: a deployment is in progress", id)
	}
	w.startDeploy(is[0], ver, o)
	return nil
}

func (c *cloud) DescribeDeploy(id strategies.InstanceID) (strategies.DeployStatus, error) {
	if int(id) < 0 || int(id) >= len(c.w.insts) {
		return strategies.DeployStatus{}, fmt.Errorf("DescribeDeploy %v: %w", id, strategies.ErrNotFound)
	}
	return c.w.insts[id].deploy, nil
}

// Database

func (c *cloud) Migrate(name string) error { return c.w.migrate(c.p, name) }
func (c *cloud) Revert(name string) error  { return c.w.revert(c.p, name) }
func (c *cloud) SchemaVersion() int        { return c.w.db.schema }

// Flags

func (c *cloud) SetFlag(name string, percent float64) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("SetFlag %q: %v%%: allowed 0–100", name, percent)
	}
	c.w.flagPct[c.w.flagIndex(name)] = percent
	c.w.mark("flag", "%s → %.0f%%", name, percent)
	return nil
}

// Recorder

func (c *cloud) Phase(name string) { c.w.mark("phase", "%s", name) }
func (c *cloud) Note(msg string)   { c.w.mark("note", "%s", msg) }

func (c *cloud) RollbackStarted(t strategies.Trigger, reason string) { c.w.rollbackStarted(t, reason) }

func (c *cloud) Spending(k strategies.PhaseKind) { c.w.meter.spend(k) }
