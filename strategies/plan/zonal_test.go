package plan

import (
	"errors"
	"testing"
	"time"
)

func TestZonalMaxConcurrent(t *testing.T) {
	half := codeDeployServerConfigs[CodeDeployHalfAtATime]
	one := codeDeployServerConfigs[CodeDeployOneAtATime]
	all := codeDeployServerConfigs[CodeDeployAllAtOnce]
	zone := func(m *MinimumHealthyHosts) ZonalConfig {
		return ZonalConfig{MinimumHealthyHostsPerZone: m}
	}
	tests := []struct {
		name      string
		m         MinimumHealthyHosts
		fleet     int
		z         ZonalConfig
		zoneSize  int
		want      int
		unreached bool
	}{
		{"no per-zone minimum: the overall limit (HalfAtATime of 12 is 6), zone of 4", half, 12, zone(nil), 4, 4, false},
		{"OneAtATime stays one per zone", one, 12, zone(nil), 4, 1, false},
		{"AllAtOnce with a per-zone count of 1 keeps one per zone", all, 12, zone(&MinimumHealthyHosts{HostCount, 1}), 4, 3, false},
		{"per-zone 50 percent of 3 rounds up to 2: one at a time", all, 9, zone(&MinimumHealthyHosts{FleetPercent, 50}), 3, 1, false},
		{"overall limit smaller than the zone's", MinimumHealthyHosts{HostCount, 10}, 12, zone(&MinimumHealthyHosts{HostCount, 1}), 4, 2, false},
		{"per-zone count equal to the zone fails", all, 12, zone(&MinimumHealthyHosts{HostCount, 4}), 4, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ZonalMaxConcurrent(tt.m, tt.fleet, tt.z, tt.zoneSize)
			if tt.unreached {
				if !errors.Is(err, ErrMinimumHealthyUnreachable) {
					t.Fatalf("err = %v, want ErrMinimumHealthyUnreachable", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestZonalMonitor(t *testing.T) {
	tests := []struct {
		name string
		z    ZonalConfig
		k    int
		want time.Duration
	}{
		{"first zone takes firstZoneMonitorDurationInSeconds", ZonalConfig{FirstZoneMonitorDuration: new(time.Hour), MonitorDuration: 10 * time.Minute}, 0, time.Hour},
		{"second zone takes monitorDurationInSeconds", ZonalConfig{FirstZoneMonitorDuration: new(time.Hour), MonitorDuration: 10 * time.Minute}, 1, 10 * time.Minute},
		{"first zone unset: monitorDurationInSeconds", ZonalConfig{MonitorDuration: 10 * time.Minute}, 0, 10 * time.Minute},
		{"no monitor duration: the next zone starts at once", ZonalConfig{}, 0, 0},
		{"after the last zone nothing", ZonalConfig{FirstZoneMonitorDuration: new(time.Hour), MonitorDuration: 10 * time.Minute}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.z.Monitor(tt.k, 3); got != tt.want {
				t.Errorf("Monitor(%d) = %v, want %v", tt.k, got, tt.want)
			}
		})
	}
}

func TestZonalConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		z     ZonalConfig
		field string
	}{
		{"negative monitor", ZonalConfig{MonitorDuration: -time.Second}, "monitorDurationInSeconds"},
		{"fractional first monitor", ZonalConfig{FirstZoneMonitorDuration: new(1500 * time.Millisecond)}, "firstZoneMonitorDurationInSeconds"},
		{"MOST_CONCURRENCY per zone", ZonalConfig{MinimumHealthyHostsPerZone: &MinimumHealthyHosts{MostConcurrency, 1}}, "minimumHealthyHostsPerZone.type"},
		{"percent above 100 per zone", ZonalConfig{MinimumHealthyHostsPerZone: &MinimumHealthyHosts{FleetPercent, 120}}, "minimumHealthyHosts.value"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantFieldErr(t, tt.z.Validate(), tt.field) })
	}
}
