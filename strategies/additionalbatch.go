package strategies

import (
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// AdditionalBatchConfig configures rolling-with-additional-batch (EB
// RollingWithAdditionalBatch): BatchSizeType and BatchSize as for EB
// rolling, default Percentage 30.
type AdditionalBatchConfig struct {
	BatchSizeType string `yaml:"batch_size_type"`
	BatchSize     int    `yaml:"batch_size"`
	// Timeout (600s) and IgnoreHealthCheck as for EB rolling: no automatic
	// rollback, a failed deployment stays until someone redeploys.
	Timeout           time.Duration `yaml:"timeout"`
	IgnoreHealthCheck bool          `yaml:"ignore_health_check"`
	Rollback          Rollback      `yaml:"rollback"`
}

type additionalBatch struct {
	cfg AdditionalBatchConfig
	eb  plan.EBRolling
	ebp *ebPolicy
}

func newAdditionalBatch(c AdditionalBatchConfig) (Strategy, error) {
	eb := plan.EBRolling{BatchSizeType: plan.BatchSizeType(c.BatchSizeType), BatchSize: c.BatchSize}
	if eb.BatchSizeType == "" {
		eb.BatchSizeType = plan.BatchSizeTypePercentage
	}
	if eb.BatchSize == 0 {
		eb.BatchSize = 30
	}
	if err := eb.Validate(0); err != nil {
		return nil, err
	}
	ebp, err := newEBPolicy(c.Timeout, c.IgnoreHealthCheck)
	if err != nil {
		return nil, err
	}
	if err := c.Rollback.applyDefaults(); err != nil {
		return nil, err
	}
	return &additionalBatch{cfg: c, eb: eb, ebp: ebp}, nil
}

func (s *additionalBatch) Name() string { return "rolling-with-additional-batch" }

// Run: migrate; launch one extra batch of the new version into the group;
// deploy the original instances batch by batch in place; remove the extra
// batch. Rollback is a new deployment of the previous revision with the
// same policy: an additional batch of it first, then in place batch by
// batch, then the additional batch goes. As for EB rolling, that happens
// only when a trigger asks for it: EB rolls nothing back by itself.
func (s *additionalBatch) Run(env Env) Result {
	r := newRunner(env, s.cfg.Rollback, s.Name())
	r.useEB(s.ebp)
	n, err := r.fleetSize()
	if err != nil {
		return failed(err)
	}
	p, err := plan.EBRollingWithAdditionalBatch(s.eb, n)
	if err != nil {
		return failed(err)
	}
	g, tg := env.Target.Group, env.Target.TargetGroup
	r.w.watchGroup(g)
	orig, err := r.live(g)
	if err != nil {
		return failed(err)
	}
	origIDs := ids(orig, "")
	isOrig := map[InstanceID]bool{}
	for _, id := range origIDs {
		isOrig[id] = true
	}
	extra := func() []InstanceID {
		ins, _ := r.live(g)
		var out []InstanceID
		for _, in := range ins {
			if !isOrig[in.ID] {
				out = append(out, in.ID)
			}
		}
		return out
	}
	a := r.migrate()
	if a == nil {
		r.phasef("additional batch of %d", p.AdditionalBatch)
		to := env.Target.To
		if err := env.ASG.UpdateGroup(g, GroupUpdate{Version: &to, Desired: new(p.PeakInstances), Max: new(max(p.PeakInstances, 2*n))}); err != nil {
			a = fail("%v", err)
		}
	}
	if a == nil {
		a = r.waitReadyEB(g, tg, env.Target.To, p.AdditionalBatch)
	}
	addl := extra() // the additional batch's instances
	if a == nil {
		for k, b := range splitBatches(origIDs, p.Batches) {
			r.phasef("batch %d/%d", k+1, len(p.Batches))
			if a = r.deployWindow(b, env.Target.To, len(b), true); a != nil {
				break
			}
		}
	}
	if a == nil {
		// Instances the group launched meanwhile (a replacement) came up
		// on the new version, which the deployment set for new instances;
		// any launched before still get it now.
		a = r.followOn(g, env.Target.To, p.Batches[0], true)
	}
	if a == nil {
		r.phasef("remove additional batch")
		if err := r.trimTo(g, n, addl, isOrig); err != nil {
			a = fail("%v", err)
		}
	}
	if a == nil {
		a = r.bake()
	}
	return r.finishManual(a, func() { _ = r.launchVersion(g, env.Target.From) }, func() error {
		// The rollback is a new deployment of the previous version with
		// the same policy (what the person redeploying gets from EB): a
		// fresh additional batch of the old version first, so that
		// capacity stays full throughout.
		from := env.Target.From
		if err := env.ASG.UpdateGroup(g, GroupUpdate{Version: &from}); err != nil {
			return err
		}
		// Deployments still running end first: an instance half way to
		// the new version is ready as neither.
		all, err := r.live(g)
		if err != nil {
			return err
		}
		if a := r.settleDeploys(ids(all, "")); a != nil {
			return a
		}
		k0, _ := r.ready(g, tg, from)
		grp, err := env.ASG.DescribeGroup(g)
		if err != nil {
			return err
		}
		r.phasef("rollback: additional batch of %d %s", p.AdditionalBatch, from)
		if err := r.setDesired(g, grp.Desired+p.AdditionalBatch); err != nil {
			return err
		}
		if a := r.waitReady(g, tg, from, k0+p.AdditionalBatch); a != nil {
			return a
		}
		// Only now does the new version's additional batch go.
		ins, _ := r.live(g)
		for _, id := range extra() {
			if versionOf(ins, id) == env.Target.To {
				if err := r.terminate(id); err != nil {
					return err
				}
			}
		}
		if err := r.redeployPrevious(g, p.Batches[0], true); err != nil {
			return err
		}
		r.phasef("rollback: remove additional batch")
		return r.terminate(extra()...)
	})
}

// trimTo brings g back to n live instances: the additional batch's
// instances go first, then other instances the group launched during the
// deployment (newest first); the original ones stay.
func (r *runner) trimTo(g GroupID, n int, addl []InstanceID, isOrig map[InstanceID]bool) error {
	ins, err := r.live(g)
	if err != nil {
		return err
	}
	live := map[InstanceID]bool{}
	for _, in := range ins {
		live[in.ID] = true
	}
	var order []InstanceID
	first := map[InstanceID]bool{}
	for _, id := range addl {
		if live[id] {
			order = append(order, id)
			first[id] = true
		}
	}
	for k := len(ins) - 1; k >= 0; k-- {
		if id := ins[k].ID; !first[id] && !isOrig[id] {
			order = append(order, id)
		}
	}
	excess := min(len(ins)-n, len(order))
	if excess <= 0 {
		return nil
	}
	return r.terminate(order[:excess]...)
}

// versionOf returns the version of instance id among ins ("" if absent).
func versionOf(ins []Instance, id InstanceID) Version {
	for _, in := range ins {
		if in.ID == id {
			return in.Version
		}
	}
	return ""
}
