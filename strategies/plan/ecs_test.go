package plan

import (
	"errors"
	"testing"
	"time"
)

func TestECSRolling(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ECSDeploymentConfiguration
		desired int
		want    ECSRollingLimits
	}{
		{"documented example 4 tasks minimum 50 percent stops 2 first", ECSDeploymentConfiguration{50, 100}, 4,
			ECSRollingLimits{MinHealthyTasks: 2, MaxTasks: 4, StopFirst: 2, StartAhead: 0}},
		{"documented example 4 tasks maximum 200 percent starts 4 first", DefaultECSDeploymentConfiguration(), 4,
			ECSRollingLimits{MinHealthyTasks: 4, MaxTasks: 8, StopFirst: 0, StartAhead: 4}},
		{"minimum rounds up: 50 percent of 3 keeps 2", ECSDeploymentConfiguration{50, 100}, 3,
			ECSRollingLimits{MinHealthyTasks: 2, MaxTasks: 3, StopFirst: 1, StartAhead: 0}},
		{"maximum rounds down: 150 percent of 3 allows 4", ECSDeploymentConfiguration{100, 150}, 3,
			ECSRollingLimits{MinHealthyTasks: 3, MaxTasks: 4, StopFirst: 0, StartAhead: 1}},
		{"single task with defaults", DefaultECSDeploymentConfiguration(), 1,
			ECSRollingLimits{MinHealthyTasks: 1, MaxTasks: 2, StopFirst: 0, StartAhead: 1}},
		{"minimum 0 stops everything", ECSDeploymentConfiguration{0, 100}, 5,
			ECSRollingLimits{MinHealthyTasks: 0, MaxTasks: 5, StopFirst: 5, StartAhead: 0}},
		{"no tasks", DefaultECSDeploymentConfiguration(), 0, ECSRollingLimits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ECSRolling(tt.cfg, tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestECSRollingNoProgress(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ECSDeploymentConfiguration
		desired int
	}{
		{"100 and 100", ECSDeploymentConfiguration{100, 100}, 4},
		{"150 percent of one task rounds down to one", ECSDeploymentConfiguration{100, 150}, 1},
		{"90 percent minimum of one task rounds up to one", ECSDeploymentConfiguration{90, 100}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ECSRolling(tt.cfg, tt.desired)
			if !errors.Is(err, ErrNoProgress) {
				t.Fatalf("error = %v, want ErrNoProgress", err)
			}
		})
	}
}

func TestECSDeploymentConfigurationValidate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       ECSDeploymentConfiguration
		wantField string
	}{
		{"minimum above 100", ECSDeploymentConfiguration{101, 200}, "minimumHealthyPercent"},
		{"minimum negative", ECSDeploymentConfiguration{-1, 200}, "minimumHealthyPercent"},
		{"minimum fractional", ECSDeploymentConfiguration{50.5, 200}, "minimumHealthyPercent"},
		{"maximum below 100", ECSDeploymentConfiguration{50, 90}, "maximumPercent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ECSRolling(tt.cfg, 4)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

func TestECSCircuitBreakerThreshold(t *testing.T) {
	tests := []struct {
		name    string
		desired int
		want    int
	}{
		{"desired 1 is raised to the minimum 3", 1, 3},
		{"desired 6 gives 3", 6, 3},
		{"desired 7 rounds 3.5 up to 4", 7, 4},
		{"desired 10 gives 5", 10, 5},
		{"guide example desired 25 rounds up to 13", 25, 13},
		{"guide example desired 400 gives 200", 400, 200},
		{"desired 500 is capped at 200", 500, 200},
		{"guide example desired 800 is capped at 200", 800, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ECSCircuitBreakerThreshold(tt.desired); got != tt.want {
				t.Errorf("ECSCircuitBreakerThreshold(%d) = %d, want %d", tt.desired, got, tt.want)
			}
		})
	}
}

func TestECSThresholdConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ECSThresholdConfiguration
		desired int
		want    int
	}{
		{"default bounded 50 equals the classic rule", ECSThresholdConfiguration{ECSBoundedPercent, 50}, 10, 5},
		{"bounded keeps the minimum 3", ECSThresholdConfiguration{ECSBoundedPercent, 10}, 10, 3},
		{"bounded keeps the maximum 200", ECSThresholdConfiguration{ECSBoundedPercent, 100}, 1000, 200},
		{"unbounded has no maximum", ECSThresholdConfiguration{ECSUnboundedPercent, 100}, 1000, 1000},
		{"unbounded has no minimum 3", ECSThresholdConfiguration{ECSUnboundedPercent, 10}, 10, 1},
		{"count is used as is", ECSThresholdConfiguration{ECSCount, 7}, 1000, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.Threshold(tt.desired)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Threshold(%d) = %d, want %d", tt.desired, got, tt.want)
			}
		})
	}
	invalid := []struct {
		name      string
		cfg       ECSThresholdConfiguration
		wantField string
	}{
		{"unknown type", ECSThresholdConfiguration{"PERCENT", 50}, "thresholdConfiguration.type"},
		{"count 0", ECSThresholdConfiguration{ECSCount, 0}, "thresholdConfiguration.value"},
		{"percent 0", ECSThresholdConfiguration{ECSBoundedPercent, 0}, "thresholdConfiguration.value"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Threshold(10)
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

func TestECSLinearSchedule(t *testing.T) {
	tests := []struct {
		name string
		cfg  ECSLinearConfiguration
		want []Step
	}{
		{"defaults 10 percent every 6 minutes reach 100 at 54", DefaultECSLinearConfiguration(),
			minutes(0, 10, 6, 20, 12, 30, 18, 40, 24, 50, 30, 60, 36, 70, 42, 80, 48, 90, 54, 100)},
		{"CloudFormation example 11 percent has 9 bake periods", ECSLinearConfiguration{11, time.Minute},
			minutes(0, 11, 1, 22, 2, 33, 3, 44, 4, 55, 5, 66, 6, 77, 7, 88, 8, 99, 9, 100)},
		{"25 percent has 3 bake periods", ECSLinearConfiguration{25, 10 * time.Minute},
			minutes(0, 25, 10, 50, 20, 75, 30, 100)},
		{"100 percent is one step", ECSLinearConfiguration{100, 10 * time.Minute}, minutes(0, 100)},
		{"tenths add up exactly", ECSLinearConfiguration{33.3, 0},
			[]Step{{0, 33.3}, {0, 66.6}, {0, 99.9}, {0, 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			wantSteps(t, got, tt.want)
		})
	}
	invalid := []struct {
		name      string
		cfg       ECSLinearConfiguration
		wantField string
	}{
		{"step below 3", ECSLinearConfiguration{2.9, time.Minute}, "stepPercent"},
		{"step not a tenth", ECSLinearConfiguration{10.05, time.Minute}, "stepPercent"},
		{"bake above a day", ECSLinearConfiguration{10, 1441 * time.Minute}, "stepBakeTimeInMinutes"},
		{"bake in seconds", ECSLinearConfiguration{10, 30 * time.Second}, "stepBakeTimeInMinutes"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Schedule()
			wantFieldErr(t, err, tt.wantField)
		})
	}
}

func TestECSCanarySchedule(t *testing.T) {
	tests := []struct {
		name string
		cfg  ECSCanaryConfiguration
		want []Step
	}{
		{"defaults 5 percent for 10 minutes", DefaultECSCanaryConfiguration(), minutes(0, 5, 10, 100)},
		{"same shape as ECSCanary10Percent5Minutes", ECSCanaryConfiguration{10, 5 * time.Minute}, minutes(0, 10, 5, 100)},
		{"smallest canary", ECSCanaryConfiguration{0.1, 0}, []Step{{0, 0.1}, {0, 100}}},
		{"100 percent is one step", ECSCanaryConfiguration{100, 10 * time.Minute}, minutes(0, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.Schedule()
			if err != nil {
				t.Fatal(err)
			}
			wantSteps(t, got, tt.want)
		})
	}
	invalid := []struct {
		name      string
		cfg       ECSCanaryConfiguration
		wantField string
	}{
		{"zero percent", ECSCanaryConfiguration{0, time.Minute}, "canaryPercent"},
		{"negative bake", ECSCanaryConfiguration{5, -time.Minute}, "canaryBakeTimeInMinutes"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Schedule()
			wantFieldErr(t, err, tt.wantField)
		})
	}
}
