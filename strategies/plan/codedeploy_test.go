package plan

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCodeDeployMaxConcurrent(t *testing.T) {
	tests := []struct {
		name           string
		m              MinimumHealthyHosts
		fleet          int
		wantMinHealthy int
		wantConcurrent int
	}{
		{"API example 9 instances HOST_COUNT 6", MinimumHealthyHosts{HostCount, 6}, 9, 6, 3},
		{"API example 9 instances FLEET_PERCENT 40 rounds up to 4", MinimumHealthyHosts{FleetPercent, 40}, 9, 4, 5},
		{"guide example 10 instances minimum 9", MinimumHealthyHosts{HostCount, 9}, 10, 9, 1},
		{"guide example 10 instances minimum 8", MinimumHealthyHosts{HostCount, 8}, 10, 8, 2},
		{"guide example 10 instances minimum 0", MinimumHealthyHosts{HostCount, 0}, 10, 0, 10},
		{"guide example 85 percent of 10", MinimumHealthyHosts{FleetPercent, 85}, 10, 9, 1},
		{"AllAtOnce on 9", codeDeployServerConfigs[CodeDeployAllAtOnce], 9, 0, 9},
		{"HalfAtATime on 9 deploys 4, fractions rounded down", codeDeployServerConfigs[CodeDeployHalfAtATime], 9, 5, 4},
		{"HalfAtATime on 10", codeDeployServerConfigs[CodeDeployHalfAtATime], 10, 5, 5},
		{"OneAtATime on 9", codeDeployServerConfigs[CodeDeployOneAtATime], 9, 8, 1},
		{"OneAtATime on a single instance", codeDeployServerConfigs[CodeDeployOneAtATime], 1, 0, 1},
		{"AllAtOnce on a single instance", codeDeployServerConfigs[CodeDeployAllAtOnce], 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			minHealthy, err := MinimumHealthyInstances(tt.m, tt.fleet)
			if err != nil {
				t.Fatal(err)
			}
			if minHealthy != tt.wantMinHealthy {
				t.Errorf("MinimumHealthyInstances = %d, want %d", minHealthy, tt.wantMinHealthy)
			}
			got, err := CodeDeployMaxConcurrent(tt.m, tt.fleet)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.wantConcurrent {
				t.Errorf("CodeDeployMaxConcurrent = %d, want %d", got, tt.wantConcurrent)
			}
		})
	}
}

func TestCodeDeployMinimumUnreachable(t *testing.T) {
	tests := []struct {
		name  string
		m     MinimumHealthyHosts
		fleet int
	}{
		{"guide example 95 percent of 10 rounds up to 10", MinimumHealthyHosts{FleetPercent, 95}, 10},
		{"HOST_COUNT equal to fleet", MinimumHealthyHosts{HostCount, 3}, 3},
		{"HOST_COUNT above fleet", MinimumHealthyHosts{HostCount, 5}, 3},
		{"HalfAtATime on a single instance", codeDeployServerConfigs[CodeDeployHalfAtATime], 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CodeDeployMaxConcurrent(tt.m, tt.fleet)
			if !errors.Is(err, ErrMinimumHealthyUnreachable) {
				t.Fatalf("error = %v, want ErrMinimumHealthyUnreachable", err)
			}
		})
	}
}

func TestCodeDeploySucceeded(t *testing.T) {
	tests := []struct {
		name      string
		m         MinimumHealthyHosts
		fleet     int
		succeeded int
		want      bool
	}{
		{"API example HOST_COUNT 6 of 9, six succeed", MinimumHealthyHosts{HostCount, 6}, 9, 6, true},
		{"API example HOST_COUNT 6 of 9, five succeed", MinimumHealthyHosts{HostCount, 6}, 9, 5, false},
		{"API example FLEET_PERCENT 40 of 9, four succeed", MinimumHealthyHosts{FleetPercent, 40}, 9, 4, true},
		{"API example FLEET_PERCENT 40 of 9, three succeed", MinimumHealthyHosts{FleetPercent, 40}, 9, 3, false},
		{"AllAtOnce of 9, one succeeds", codeDeployServerConfigs[CodeDeployAllAtOnce], 9, 1, true},
		{"AllAtOnce of 9, none succeed", codeDeployServerConfigs[CodeDeployAllAtOnce], 9, 0, false},
		{"HalfAtATime of 9, five succeed", codeDeployServerConfigs[CodeDeployHalfAtATime], 9, 5, true},
		{"HalfAtATime of 9, four succeed", codeDeployServerConfigs[CodeDeployHalfAtATime], 9, 4, false},
		{"OneAtATime of 9, last instance fails", codeDeployServerConfigs[CodeDeployOneAtATime], 9, 8, true},
		{"OneAtATime of 9, two fail", codeDeployServerConfigs[CodeDeployOneAtATime], 9, 7, false},
		{"OneAtATime single instance fails", codeDeployServerConfigs[CodeDeployOneAtATime], 1, 0, false},
		{"OneAtATime single instance succeeds", codeDeployServerConfigs[CodeDeployOneAtATime], 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CodeDeploySucceeded(tt.m, tt.fleet, tt.succeeded)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CodeDeploySucceeded = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("succeeded above fleet", func(t *testing.T) {
		_, err := CodeDeploySucceeded(MinimumHealthyHosts{HostCount, 0}, 3, 4)
		wantFieldErr(t, err, "succeeded")
	})
}

func TestMinimumHealthyHostsValidate(t *testing.T) {
	tests := []struct {
		name      string
		m         MinimumHealthyHosts
		wantField string
	}{
		{"negative host count", MinimumHealthyHosts{HostCount, -1}, "minimumHealthyHosts.value"},
		{"percent above 100", MinimumHealthyHosts{FleetPercent, 101}, "minimumHealthyHosts.value"},
		{"most concurrency other than 1", MinimumHealthyHosts{MostConcurrency, 2}, "minimumHealthyHosts.value"},
		{"unknown type", MinimumHealthyHosts{"PERCENT", 50}, "minimumHealthyHosts.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFieldErr(t, tt.m.Validate(), tt.wantField)
		})
	}
}

func TestCodeDeployServerConfig(t *testing.T) {
	tests := []struct {
		name string
		want MinimumHealthyHosts
	}{
		{CodeDeployAllAtOnce, MinimumHealthyHosts{HostCount, 0}},
		{CodeDeployHalfAtATime, MinimumHealthyHosts{FleetPercent, 50}},
		{CodeDeployOneAtATime, MinimumHealthyHosts{MostConcurrency, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CodeDeployServerConfig(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("unknown name lists the allowed names", func(t *testing.T) {
		_, err := CodeDeployServerConfig("CodeDeployDefault.TwoAtATime")
		wantFieldErr(t, err, "CodeDeploy EC2/on-premises deployment config")
		for _, name := range []string{CodeDeployAllAtOnce, CodeDeployHalfAtATime, CodeDeployOneAtATime} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not list %s", err, name)
			}
		}
	})
}

func TestCodeDeployOrder(t *testing.T) {
	in := []InstanceDescriptor{
		{"i-current-a", InstanceHealthy, RevisionCurrent},
		{"i-old-a", InstanceHealthy, RevisionOld},
		{"i-unknown", InstanceHealthy, RevisionUnknown},
		{"i-unhealthy-current", InstanceUnhealthy, RevisionCurrent},
		{"i-old-b", InstanceHealthy, RevisionOld},
		{"i-unhealthy-unknown", InstanceUnhealthy, RevisionUnknown},
		{"i-current-b", InstanceHealthy, RevisionCurrent},
	}
	tests := []struct {
		name string
		in   []InstanceDescriptor
		want []string
	}{
		{"documented order, stable within a class", in, []string{
			"i-unhealthy-current", "i-unhealthy-unknown", "i-unknown", "i-old-a", "i-old-b", "i-current-a", "i-current-b"}},
		{"empty", nil, nil},
		{"single", in[:1], []string{"i-current-a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]InstanceDescriptor(nil), tt.in...)
			got := CodeDeployOrder(tt.in)
			var ids []string
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("order = %v, want %v", ids, tt.want)
			}
			for i := range before {
				if tt.in[i] != before[i] {
					t.Fatalf("input modified at %d", i)
				}
			}
		})
	}
}

func TestCodeDeployTrafficConfig(t *testing.T) {
	tests := []struct {
		name         string
		wantPlatform ComputePlatform
		wantSteps    []Step
	}{
		{"CodeDeployDefault.ECSAllAtOnce", PlatformECS, minutes(0, 100)},
		{"CodeDeployDefault.ECSCanary10Percent5Minutes", PlatformECS, minutes(0, 10, 5, 100)},
		{"CodeDeployDefault.ECSCanary10Percent15Minutes", PlatformECS, minutes(0, 10, 15, 100)},
		{"CodeDeployDefault.ECSLinear10PercentEvery1Minutes", PlatformECS,
			minutes(0, 10, 1, 20, 2, 30, 3, 40, 4, 50, 5, 60, 6, 70, 7, 80, 8, 90, 9, 100)},
		{"CodeDeployDefault.ECSLinear10PercentEvery3Minutes", PlatformECS,
			minutes(0, 10, 3, 20, 6, 30, 9, 40, 12, 50, 15, 60, 18, 70, 21, 80, 24, 90, 27, 100)},
		{"CodeDeployDefault.LambdaAllAtOnce", PlatformLambda, minutes(0, 100)},
		{"CodeDeployDefault.LambdaCanary10Percent5Minutes", PlatformLambda, minutes(0, 10, 5, 100)},
		{"CodeDeployDefault.LambdaCanary10Percent10Minutes", PlatformLambda, minutes(0, 10, 10, 100)},
		{"CodeDeployDefault.LambdaCanary10Percent15Minutes", PlatformLambda, minutes(0, 10, 15, 100)},
		{"CodeDeployDefault.LambdaCanary10Percent30Minutes", PlatformLambda, minutes(0, 10, 30, 100)},
		{"CodeDeployDefault.LambdaLinear10PercentEvery1Minute", PlatformLambda,
			minutes(0, 10, 1, 20, 2, 30, 3, 40, 4, 50, 5, 60, 6, 70, 7, 80, 8, 90, 9, 100)},
		{"CodeDeployDefault.LambdaLinear10PercentEvery2Minutes", PlatformLambda,
			minutes(0, 10, 2, 20, 4, 30, 6, 40, 8, 50, 10, 60, 12, 70, 14, 80, 16, 90, 18, 100)},
		{"CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", PlatformLambda,
			minutes(0, 10, 3, 20, 6, 30, 9, 40, 12, 50, 15, 60, 18, 70, 21, 80, 24, 90, 27, 100)},
		{"CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", PlatformLambda,
			minutes(0, 10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60, 70, 70, 80, 80, 90, 90, 100)},
	}
	if len(tests) != len(CodeDeployTrafficConfigs()) {
		t.Fatalf("table has %d rows, package knows %d configs", len(tests), len(CodeDeployTrafficConfigs()))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := CodeDeployTrafficConfig(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Name != tt.name || cfg.Platform != tt.wantPlatform {
				t.Errorf("got %s on %s, want %s on %s", cfg.Name, cfg.Platform, tt.name, tt.wantPlatform)
			}
			got, err := cfg.Routing.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			wantSteps(t, got, tt.wantSteps)
		})
	}
}

func TestCodeDeployTrafficConfigUnknown(t *testing.T) {
	tests := []struct {
		name     string
		given    string
		wantHint string
	}{
		{"user guide's lower-case p", "CodeDeployDefault.ECSCanary10percent5Minutes", "CodeDeployDefault.ECSCanary10Percent5Minutes"},
		{"ECS linear without the s", "CodeDeployDefault.ECSLinear10PercentEvery1Minute", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"},
		{"Lambda linear with an s", "CodeDeployDefault.LambdaLinear10PercentEvery1Minutes", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
		{"no near miss", "CodeDeployDefault.ECSCanary20Percent5Minutes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CodeDeployTrafficConfig(tt.given)
			wantFieldErr(t, err, "CodeDeploy ECS/Lambda deployment config")
			msg := err.Error()
			for _, c := range CodeDeployTrafficConfigs() {
				if !strings.Contains(msg, c.Name) {
					t.Errorf("error does not list %s", c.Name)
				}
			}
			switch {
			case tt.wantHint == "" && strings.Contains(msg, "did you mean"):
				t.Errorf("unexpected hint in %q", msg)
			case tt.wantHint != "" && !strings.Contains(msg, `did you mean "`+tt.wantHint+`"`):
				t.Errorf("error %q lacks hint %q", msg, tt.wantHint)
			}
		})
	}
}

func TestTrafficRoutingSchedule(t *testing.T) {
	tests := []struct {
		name    string
		routing TrafficRouting
		want    []Step
	}{
		{"custom linear 15 percent shifts the remainder last", TrafficRouting{Type: TimeBasedLinear, LinearPercent: 15, LinearInterval: 2 * time.Minute},
			minutes(0, 15, 2, 30, 4, 45, 6, 60, 8, 75, 10, 90, 12, 100)},
		{"custom linear 50 percent", TrafficRouting{Type: TimeBasedLinear, LinearPercent: 50, LinearInterval: time.Minute},
			minutes(0, 50, 1, 100)},
		{"custom canary 5 percent for an hour", TrafficRouting{Type: TimeBasedCanary, CanaryPercent: 5, CanaryInterval: time.Hour},
			minutes(0, 5, 60, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.routing.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			wantSteps(t, got, tt.want)
		})
	}
}

func TestTrafficRoutingValidate(t *testing.T) {
	tests := []struct {
		name      string
		routing   TrafficRouting
		wantField string
	}{
		{"unknown type", TrafficRouting{Type: "Linear"}, "trafficRoutingConfig.type"},
		{"canary 0 percent", TrafficRouting{Type: TimeBasedCanary, CanaryPercent: 0, CanaryInterval: time.Minute}, "canaryPercentage"},
		{"canary fractional percent", TrafficRouting{Type: TimeBasedCanary, CanaryPercent: 2.5, CanaryInterval: time.Minute}, "canaryPercentage"},
		{"canary interval in seconds", TrafficRouting{Type: TimeBasedCanary, CanaryPercent: 10, CanaryInterval: 90 * time.Second}, "canaryInterval"},
		{"linear 100 percent", TrafficRouting{Type: TimeBasedLinear, LinearPercent: 100, LinearInterval: time.Minute}, "linearPercentage"},
		{"linear zero interval", TrafficRouting{Type: TimeBasedLinear, LinearPercent: 10}, "linearInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.routing.Schedule()
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

func TestCodeDeployConfigNames(t *testing.T) {
	names := CodeDeployConfigNames()
	if len(names) != 3+14 {
		t.Fatalf("%d names, want 17: %v", len(names), names)
	}
	if names[0] != CodeDeployAllAtOnce || names[3] != "CodeDeployDefault.ECSAllAtOnce" {
		t.Errorf("unexpected order: %v", names)
	}
}
