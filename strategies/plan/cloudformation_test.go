package plan

import (
	"slices"
	"testing"
	"time"
)

func TestParseISO8601Duration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"documented example PT12M5S", "PT12M5S", 12*time.Minute + 5*time.Second, true},
		{"default with signals PT5M", "PT5M", 5 * time.Minute, true},
		{"zero PT0S", "PT0S", 0, true},
		{"maximum PauseTime PT1H", "PT1H", time.Hour, true},
		{"all parts", "PT1H30M15S", time.Hour + 30*time.Minute + 15*time.Second, true},
		{"hours and seconds", "PT2H5S", 2*time.Hour + 5*time.Second, true},
		{"no T", "P5M", 0, false},
		{"empty after PT", "PT", 0, false},
		{"units out of order", "PT5M1H", 0, false},
		{"fraction", "PT1.5S", 0, false},
		{"days refused", "P1D", 0, false},
		{"bare number", "300", 0, false},
		{"lower case", "pt5m", 0, false},
		{"trailing text", "PT5Mx", 0, false},
		{"unit without number", "PTM", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseISO8601Duration(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseISO8601Duration(%q) = %v, %v; want %v ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if tt.ok && FormatISO8601Duration(got) != tt.in && tt.in != "PT0S" {
				if back, _ := ParseISO8601Duration(FormatISO8601Duration(got)); back != got {
					t.Errorf("Format(%v) = %q does not read back", got, FormatISO8601Duration(got))
				}
			}
		})
	}
}

func TestRollingUpdate(t *testing.T) {
	p := func(batch, minIn int) AutoScalingRollingUpdate {
		q := DefaultAutoScalingRollingUpdate()
		q.MaxBatchSize, q.MinInstancesInService = batch, minIn
		return q
	}
	tests := []struct {
		name                      string
		policy                    AutoScalingRollingUpdate
		desired, maxSize, obsolet int
		want                      RollingUpdateLayout
	}{
		{"defaults: one at a time, no extra capacity", DefaultAutoScalingRollingUpdate(), 3, 3, 3,
			RollingUpdateLayout{BatchSize: 1, TempDesired: 3, Rounds: []int{1, 1, 1}, Launches: 3}},
		{"stack events: desired 3, minimum 3, batch 1 → capacity 4", p(1, 3), 3, 4, 3,
			RollingUpdateLayout{BatchSize: 1, TempDesired: 4, Rounds: []int{1, 1, 1}, Launches: 3}},
		{"stack events: desired 5, minimum 5, MaxSize 10 → batches of 5, capacity 10", p(5, 5), 5, 10, 5,
			RollingUpdateLayout{BatchSize: 5, TempDesired: 10, Rounds: []int{5}, Launches: 5}},
		{"stack events: desired 6, minimum 6, MaxSize 9 → batches of 3, capacity 9", p(6, 6), 6, 9, 6,
			RollingUpdateLayout{BatchSize: 3, TempDesired: 9, Rounds: []int{3, 3}, Launches: 6}},
		{"stack events: desired 1, minimum 1, MaxSize 2 → capacity 2", p(1, 1), 1, 2, 1,
			RollingUpdateLayout{BatchSize: 1, TempDesired: 2, Rounds: []int{1}, Launches: 1}},
		{"documented example: minimum 1, batch 2, desired 3, MaxSize 4", p(2, 1), 3, 4, 3,
			RollingUpdateLayout{BatchSize: 2, TempDesired: 3, Rounds: []int{2, 1}, Launches: 3}},
		{"minimum one below desired: one extra instance throughout", p(2, 9), 10, 12, 10,
			RollingUpdateLayout{BatchSize: 2, TempDesired: 11, Rounds: []int{2, 2, 2, 2, 2}, Launches: 10}},
		{"batch larger than the group replaces all at once", p(20, 0), 6, 6, 6,
			RollingUpdateLayout{BatchSize: 6, TempDesired: 6, Rounds: []int{6}, Launches: 6}},
		{"only the obsolete instances are replaced", p(2, 0), 6, 6, 3,
			RollingUpdateLayout{BatchSize: 2, TempDesired: 6, Rounds: []int{2, 1}, Launches: 3}},
		{"nothing obsolete: nothing to do", p(2, 0), 6, 6, 0,
			RollingUpdateLayout{TempDesired: 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RollingUpdate(tt.policy, tt.desired, tt.maxSize, tt.obsolet)
			if err != nil {
				t.Fatal(err)
			}
			if got.BatchSize != tt.want.BatchSize || got.TempDesired != tt.want.TempDesired ||
				!slices.Equal(got.Rounds, tt.want.Rounds) || got.Launches != tt.want.Launches {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.TempDesired > tt.maxSize {
				t.Errorf("temporary capacity %d above MaxSize %d", got.TempDesired, tt.maxSize)
			}
		})
	}
}

func TestRollingUpdateFailed(t *testing.T) {
	with := func(pct float64) AutoScalingRollingUpdate {
		p := DefaultAutoScalingRollingUpdate()
		p.WaitOnResourceSignals, p.MinSuccessfulInstancesPercent = true, pct
		return p
	}
	tests := []struct {
		name               string
		p                  AutoScalingRollingUpdate
		launches, failures int
		want               bool
	}{
		{"100 percent: one timeout fails the update", with(100), 6, 1, true},
		{"100 percent: no failure yet", with(100), 6, 0, false},
		{"stack events: 0 of 6 after a batch of 3 timed out", with(100), 6, 3, true},
		{"50 percent of 5 needs 3: two failures are tolerated", with(50), 5, 2, false},
		{"50 percent of 5 needs 3: the third failure fails", with(50), 5, 3, true},
		{"0 percent never fails", with(0), 4, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RollingUpdateFailed(tt.p, tt.launches, tt.failures); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAutoScalingRollingUpdateValidate(t *testing.T) {
	tests := []struct {
		name    string
		set     func(*AutoScalingRollingUpdate)
		maxSize int
		field   string
	}{
		{"batch of zero", func(p *AutoScalingRollingUpdate) { p.MaxBatchSize = 0 }, 4, "MaxBatchSize"},
		{"negative minimum", func(p *AutoScalingRollingUpdate) { p.MinInstancesInService = -1 }, 4, "MinInstancesInService"},
		{"minimum must be less than MaxSize", func(p *AutoScalingRollingUpdate) { p.MinInstancesInService = 4 }, 4, "MinInstancesInService"},
		{"percent above 100", func(p *AutoScalingRollingUpdate) {
			p.WaitOnResourceSignals, p.MinSuccessfulInstancesPercent = true, 101
		}, 4, "MinSuccessfulInstancesPercent"},
		{"percent without signals", func(p *AutoScalingRollingUpdate) { p.MinSuccessfulInstancesPercent = 50 }, 4, "MinSuccessfulInstancesPercent"},
		{"pause above PT1H", func(p *AutoScalingRollingUpdate) { p.PauseTime = 61 * time.Minute }, 4, "PauseTime"},
		{"unknown process", func(p *AutoScalingRollingUpdate) { p.SuspendProcesses = []string{"Scaling"} }, 4, "SuspendProcesses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultAutoScalingRollingUpdate()
			tt.set(&p)
			wantFieldErr(t, p.Validate(tt.maxSize), tt.field)
		})
	}
}

func TestDefaultPauseTime(t *testing.T) {
	if DefaultPauseTime(false) != 0 || DefaultPauseTime(true) != 5*time.Minute {
		t.Errorf("defaults: without signals %v (want PT0S), with %v (want PT5M)", DefaultPauseTime(false), DefaultPauseTime(true))
	}
}

func TestRequiredSignals(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		percent float64
		want    int
	}{
		{"documented: five instances at 50 percent need three", 5, 50, 3},
		{"default 100 percent needs every instance", 4, 100, 4},
		{"zero percent needs none", 4, 0, 0},
		{"75 percent of 2 rounds up to 2", 2, 75, 2},
		{"rounded to the nearest tenth: 33.33 is 33.3, of 10 is 3.33, so 4", 10, 33.33, 4},
		{"rounded to the nearest tenth: 49.96 is 50.0, of 10 is exactly 5", 10, 49.96, 5},
		{"one instance at 1 percent", 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RequiredSignals(tt.n, tt.percent); got != tt.want {
				t.Errorf("RequiredSignals(%d, %g) = %d, want %d", tt.n, tt.percent, got, tt.want)
			}
		})
	}
}

func TestReplacingUpdateSignals(t *testing.T) {
	cp := func(count int, pct float64) CreationPolicy {
		c := DefaultCreationPolicy()
		c.Count, c.MinSuccessfulInstancesPercent = count, pct
		return c
	}
	tests := []struct {
		name    string
		c       CreationPolicy
		desired int
		want    int
	}{
		{"defaults: one signal", DefaultCreationPolicy(), 6, 1},
		{"count equal to the group", cp(6, -1), 6, 6},
		{"count above the group is capped at what it launches", cp(9, -1), 6, 6},
		{"AutoScalingCreationPolicy 50 percent of 5 needs 3", cp(1, 50), 5, 3},
		{"AutoScalingCreationPolicy 100 percent needs every instance", cp(1, 100), 6, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReplacingUpdateSignals(tt.c, tt.desired); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCreationPolicyValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     CreationPolicy
		field string
	}{
		{"no signals", CreationPolicy{Count: 0, Timeout: time.Minute, MinSuccessfulInstancesPercent: -1}, "ResourceSignal.Count"},
		{"timeout above PT12H", CreationPolicy{Count: 1, Timeout: 13 * time.Hour, MinSuccessfulInstancesPercent: -1}, "ResourceSignal.Timeout"},
		{"zero timeout", CreationPolicy{Count: 1, MinSuccessfulInstancesPercent: -1}, "ResourceSignal.Timeout"},
		{"percent above 100", CreationPolicy{Count: 1, Timeout: time.Minute, MinSuccessfulInstancesPercent: 120}, "AutoScalingCreationPolicy.MinSuccessfulInstancesPercent"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantFieldErr(t, tt.c.Validate(), tt.field) })
	}
}
