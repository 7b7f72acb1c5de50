package strategies

import (
	"fmt"
	"slices"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// ZonalConfig is CodeDeploy's zonalConfig for rolling variant codedeploy:
// the deployment goes to one Availability Zone at a time and waits
// monitor_duration (first_zone_monitor_duration after the first zone)
// before the next, with at most the zone's instances less
// minimum_healthy_hosts_per_zone deployed at once.
type ZonalConfig struct {
	// FirstZoneMonitorDuration is firstZoneMonitorDurationInSeconds
	// (unset: MonitorDuration).
	FirstZoneMonitorDuration *time.Duration `yaml:"first_zone_monitor_duration"`
	// MonitorDuration is monitorDurationInSeconds (0: the next zone
	// starts at once).
	MonitorDuration time.Duration `yaml:"monitor_duration"`
	// MinimumHealthyHostsPerZone is minimumHealthyHostsPerZone (HOST_COUNT
	// or FLEET_PERCENT of the zone; unset: 0 %).
	MinimumHealthyHostsPerZone *MinimumHealthyHosts `yaml:"minimum_healthy_hosts_per_zone"`
}

func (z ZonalConfig) plan() (plan.ZonalConfig, error) {
	out := plan.ZonalConfig{FirstZoneMonitorDuration: z.FirstZoneMonitorDuration, MonitorDuration: z.MonitorDuration}
	if m := z.MinimumHealthyHostsPerZone; m != nil {
		out.MinimumHealthyHostsPerZone = &plan.MinimumHealthyHosts{Type: plan.MinimumHealthyHostsType(m.Type), Value: m.Value}
	}
	return out, out.Validate()
}

// byZone groups instances by Availability Zone, the zones in name order
// (CodeDeploy documents no zone order).
func byZone(ins []Instance) (zones []string, members map[string][]Instance) {
	members = map[string][]Instance{}
	for _, in := range ins {
		if _, ok := members[in.AZ]; !ok {
			zones = append(zones, in.AZ)
		}
		members[in.AZ] = append(members[in.AZ], in)
	}
	slices.Sort(zones)
	return zones, members
}

// deployZones is a zonal in-place deployment of v to ins (a fleet of n):
// zone after zone, each in CodeDeploy's order within the zone and its
// per-zone concurrency, each followed by its monitor duration while the
// triggers watch.
func (s *rolling) deployZones(r *runner, n int, ins []Instance, v Version) *abort {
	zones, members := byZone(ins)
	for k, z := range zones {
		zi := members[z]
		conc, err := plan.ZonalMaxConcurrent(s.cd, n, *s.zonal, len(zi))
		if err != nil {
			return fail("zone %s: %v", z, err)
		}
		r.phasef("zone %s (%d/%d): %d instances, %d at a time", z, k+1, len(zones), len(zi), conc)
		if a := r.deployWindow(codeDeployOrder(zi), v, conc, true); a != nil {
			return a
		}
		if d := s.zonal.Monitor(k, len(zones)); d > 0 {
			r.phasef("monitor zone %s for %v", z, d)
			if a := r.wait(d); a != nil {
				return a
			}
		}
	}
	return nil
}

// redeployZones is the zonal rollback: CodeDeploy redeploys the previous
// revision as a new deployment with the same deployment configuration,
// so zone by zone with the same monitor durations.
func (s *rolling) redeployZones(r *runner, n int, g GroupID) error {
	from := r.env.Target.From
	if err := r.env.ASG.UpdateGroup(g, GroupUpdate{Version: &from}); err != nil {
		return err
	}
	all, err := r.live(g)
	if err != nil {
		return err
	}
	if a := r.settleDeploys(ids(all, "")); a != nil {
		return a
	}
	todo, err := r.needsRedeploy(g)
	if err != nil {
		return err
	}
	var ins []Instance
	for _, in := range all {
		if slices.Contains(todo, in.ID) {
			ins = append(ins, in)
		}
	}
	r.phasef("redeploy %s to %d instances, zone by zone", from, len(ins))
	if a := s.deployZones(r, n, ins, from); a != nil {
		return a
	}
	conc, err := plan.CodeDeployMaxConcurrent(s.cd, n)
	if err != nil {
		return fmt.Errorf("follow-on deployment: %w", err)
	}
	if a := r.followOn(g, from, conc, true); a != nil {
		return a
	}
	return nil
}
