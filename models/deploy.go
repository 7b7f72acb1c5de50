package models

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// lifecycle is the CodeDeploy EC2/on-premises in-place order of lifecycle
// events (with a load balancer).
var lifecycle = []string{
	"BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic",
	"ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
	"ApplicationStart", "ValidateService",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
}

// rebootLifecycle is the order of an operating-system patch
// (DeployOptions.Reboot): the download and install run while the
// application serves; the reboot is ApplicationStop to ApplicationStart.
var rebootLifecycle = []string{
	"BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic",
	"DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
	"ApplicationStop", "ApplicationStart", "ValidateService",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
}

func validStep(s string) bool {
	for _, l := range lifecycle {
		if l == s {
			return true
		}
	}
	return false
}

const (
	defaultMigrationDuration = 30 * time.Second
	hookDuration             = time.Second // each script hook (Before*/After*, ValidateService)
)

// startDeploy runs the lifecycle of an in-place deployment of version v on
// instance i as a process of its own, so that a strategy can deploy a batch
// in parallel and poll for the result.
func (w *World) startDeploy(i int32, v int8, o strategies.DeployOptions) {
	in := &w.insts[i]
	in.deploy = strategies.DeployStatus{State: strategies.DeployInProgress, Step: lifecycle[0]}
	if o.AllowTrafficTimeout == 0 {
		o.AllowTrafficTimeout = 5 * time.Minute
	}
	w.s.Go(fmt.Sprintf("deploy %v", strategies.InstanceID(i)), func(p *sim.Proc) {
		err := w.runLifecycle(p, i, v, o)
		in := &w.insts[i]
		if err != nil {
			in.deploy.State = strategies.DeployFailed
			in.deploy.Err = err.Error()
		} else {
			in.deploy.State = strategies.DeploySucceeded
			in.deploy.Step = ""
		}
		w.changed.Notify()
	})
}

func (w *World) runLifecycle(p *sim.Proc, i int32, v int8, o strategies.DeployOptions) error {
	var regs []int // target groups to put the instance back into
	for tg := range w.tgs {
		if st, ok := w.targetState(tg, i); ok && st != strategies.TargetDraining {
			regs = append(regs, tg)
		}
	}
	spec := &w.versions[v].spec
	steps := lifecycle
	if o.Reboot {
		steps = rebootLifecycle
	}
	for _, step := range steps {
		in := &w.insts[i]
		in.deploy.Step = step
		switch {
		case in.state != strategies.InService:
			return fmt.Errorf("%s: instance is %v", step, in.state)
		case !in.ec2ok:
			return fmt.Errorf("%s: instance failed its EC2 status checks", step)
		}
		if f := w.faults.hookFail[step] + w.faults.hookFail[""]; f > 0 && w.rInfra.Float64() < f {
			w.mark("deploy", "%v: %s failed", strategies.InstanceID(i), step)
			return fmt.Errorf("%s: script failed", step)
		}
		switch step {
		case "BlockTraffic":
			if !o.BlockTraffic {
				continue
			}
			for _, tg := range regs {
				w.deregisterTarget(tg, i)
			}
			p.WaitUntil(func() bool { return w.insts[i].draining == 0 }, w.changed, -1)
		case "ApplicationStop":
			if w.insts[i].serving {
				w.stopApp(i, observe.CauseRefused)
			}
			if o.Reboot {
				// The patched system comes up from the reboot.
				w.insts[i].ver = v
			}
		case "DownloadBundle":
			p.Sleep(sample(w.rInfra, spec.InstallTime) / 4)
		case "Install":
			p.Sleep(sample(w.rInfra, spec.InstallTime) * 3 / 4)
			if !o.Reboot {
				w.insts[i].ver = v
			}
		case "ApplicationStart":
			p.Sleep(sample(w.rInfra, spec.StartTime))
			if in := &w.insts[i]; in.state == strategies.InService && in.ec2ok {
				w.startApp(i)
				w.changed.Notify()
			}
		case "ValidateService":
			p.Sleep(hookDuration)
			if !w.insts[i].serving {
				return fmt.Errorf("ValidateService: application not running")
			}
		case "AllowTraffic":
			if !o.BlockTraffic {
				continue
			}
			for _, tg := range regs {
				w.registerTarget(tg, i, false)
			}
			ok := p.WaitUntil(func() bool {
				for _, tg := range regs {
					if st, _ := w.targetState(tg, i); st != strategies.TargetHealthy {
						return false
					}
				}
				return true
			}, w.changed, o.AllowTrafficTimeout)
			if !ok {
				return fmt.Errorf("AllowTraffic: target not healthy within %v", o.AllowTrafficTimeout)
			}
		default:
			p.Sleep(hookDuration)
		}
	}
	return nil
}
