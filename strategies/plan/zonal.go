package plan

import (
	"fmt"
	"time"
)

// ZonalConfig is a CodeDeploy EC2/on-premises deployment configuration's
// zonalConfig: deploy to one Availability Zone at a time, waiting a
// monitor duration after each zone.
type ZonalConfig struct {
	// FirstZoneMonitorDuration is firstZoneMonitorDurationInSeconds: the
	// wait after the first zone; nil when not set (then MonitorDuration
	// applies to the first zone too).
	FirstZoneMonitorDuration *time.Duration
	// MonitorDuration is monitorDurationInSeconds: the wait after each
	// zone before the next starts ("If you don't specify a
	// monitorDurationInSeconds, CodeDeploy starts deploying to the next
	// Availability Zone immediately").
	MonitorDuration time.Duration
	// MinimumHealthyHostsPerZone is minimumHealthyHostsPerZone (HOST_COUNT
	// or FLEET_PERCENT of the zone's instances); nil means 0 %.
	MinimumHealthyHostsPerZone *MinimumHealthyHosts
}

// Validate checks the durations and the per-zone minimum.
func (z ZonalConfig) Validate() error {
	if z.MonitorDuration < 0 || z.MonitorDuration%time.Second != 0 {
		return fieldErr("monitorDurationInSeconds", z.MonitorDuration, "whole seconds, 0 or more")
	}
	if f := z.FirstZoneMonitorDuration; f != nil && (*f < 0 || *f%time.Second != 0) {
		return fieldErr("firstZoneMonitorDurationInSeconds", *f, "whole seconds, 0 or more")
	}
	if m := z.MinimumHealthyHostsPerZone; m != nil {
		if m.Type != HostCount && m.Type != FleetPercent {
			return fieldErr("minimumHealthyHostsPerZone.type", m.Type, "HOST_COUNT or FLEET_PERCENT")
		}
		if err := m.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Monitor returns the wait after zone k (k = 0 is the first zone); the
// last zone is followed by none.
func (z ZonalConfig) Monitor(k, zones int) time.Duration {
	switch {
	case k >= zones-1:
		return 0
	case k == 0 && z.FirstZoneMonitorDuration != nil:
		return *z.FirstZoneMonitorDuration
	}
	return z.MonitorDuration
}

// ZonalMaxConcurrent returns how many instances of one zone are deployed
// at the same time: the overall limit (CodeDeployMaxConcurrent for the
// whole fleet) and the zone's own — the zone's instances less its
// minimum healthy (FLEET_PERCENT of the zone rounded up, as the overall
// percentage is) — whichever is smaller. The two minimums "work in
// conjunction".
//
// Choice: the per-zone rounding follows the overall rule (round a
// minimum up); a zone whose minimum leaves nothing to deploy fails, as a
// fleet whose minimum is unreachable does.
func ZonalMaxConcurrent(m MinimumHealthyHosts, fleetSize int, z ZonalConfig, zoneSize int) (int, error) {
	if err := z.Validate(); err != nil {
		return 0, err
	}
	overall, err := CodeDeployMaxConcurrent(m, fleetSize)
	if err != nil {
		return 0, err
	}
	if zoneSize < 1 {
		return 0, nil
	}
	perZone := zoneSize
	if pz := z.MinimumHealthyHostsPerZone; pz != nil {
		minZone, err := MinimumHealthyInstances(*pz, zoneSize)
		if err != nil {
			return 0, err
		}
		if minZone >= zoneSize {
			return 0, fmt.Errorf("%w: %d of the zone's %d instances must stay healthy (minimumHealthyHostsPerZone %s %d)",
				ErrMinimumHealthyUnreachable, minZone, zoneSize, pz.Type, pz.Value)
		}
		perZone = zoneSize - minZone
	}
	return min(overall, perZone), nil
}
