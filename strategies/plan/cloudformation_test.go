package plan

import (
	"errors"
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

func TestRollingUpdateBatches(t *testing.T) {
	p := func(batch, minIn int) AutoScalingRollingUpdate {
		q := DefaultAutoScalingRollingUpdate()
		q.MaxBatchSize, q.MinInstancesInService = batch, minIn
		return q
	}
	b := func(replace, term, launch int) RollingUpdateBatch { return RollingUpdateBatch{replace, term, launch} }
	tests := []struct {
		name           string
		policy         AutoScalingRollingUpdate
		desired, maxSz int
		want           []RollingUpdateBatch
	}{
		{"defaults: one at a time, terminate first", DefaultAutoScalingRollingUpdate(), 3, 3,
			[]RollingUpdateBatch{b(1, 1, 0), b(1, 1, 0), b(1, 1, 0)}},
		{"batch 2 of 5, minimum 0: the last batch is the remainder", p(2, 0), 5, 5,
			[]RollingUpdateBatch{b(2, 2, 0), b(2, 2, 0), b(1, 1, 0)}},
		{"minimum equal to desired launches each batch first (4 of 4, batch 2, MaxSize 6)", p(2, 4), 4, 6,
			[]RollingUpdateBatch{b(2, 0, 2), b(2, 0, 2)}},
		{"minimum 3 of 3, MaxSize 4: one extra instance at a time", p(1, 3), 3, 4,
			[]RollingUpdateBatch{b(1, 0, 1), b(1, 0, 1), b(1, 0, 1)}},
		{"documented example: minimum 1, batch 2, desired 3, MaxSize 4", p(2, 1), 3, 4,
			[]RollingUpdateBatch{b(2, 2, 0), b(1, 1, 0)}},
		{"minimum one below desired with batch 2: one terminated, one launched first", p(2, 9), 10, 12,
			[]RollingUpdateBatch{b(2, 1, 1), b(2, 1, 1), b(2, 1, 1), b(2, 1, 1), b(2, 1, 1)}},
		{"surge bounded by MaxSize: batch 4, minimum 10 of 10, MaxSize 12", p(4, 10), 10, 12,
			[]RollingUpdateBatch{b(2, 0, 2), b(2, 0, 2), b(2, 0, 2), b(2, 0, 2), b(2, 0, 2)}},
		{"batch larger than the group replaces all at once", p(20, 0), 6, 6,
			[]RollingUpdateBatch{b(6, 6, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RollingUpdateBatches(tt.policy, tt.desired, tt.maxSz)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			total := 0
			for _, x := range got {
				total += x.Replace
			}
			if total != tt.desired {
				t.Errorf("batches replace %d instances, want %d", total, tt.desired)
			}
		})
	}
}

func TestRollingUpdateStepFromObservedState(t *testing.T) {
	p := DefaultAutoScalingRollingUpdate()
	p.MaxBatchSize, p.MinInstancesInService = 3, 8
	tests := []struct {
		name                         string
		desired, maxSize, inSvc, old int
		want                         RollingUpdateBatch
		noProgress                   bool
	}{
		{"all in service: 2 may go, 1 launched first", 10, 11, 10, 10, RollingUpdateBatch{3, 2, 1}, false},
		{"two still booting count against the minimum", 10, 13, 8, 6, RollingUpdateBatch{3, 0, 3}, false},
		{"nothing left", 10, 13, 10, 0, RollingUpdateBatch{}, false},
		{"no room above desired and none to spare below", 10, 10, 8, 4, RollingUpdateBatch{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RollingUpdateStep(p, tt.desired, tt.maxSize, tt.inSvc, tt.old)
			if tt.noProgress {
				if !errors.Is(err, ErrNoProgress) {
					t.Fatalf("err = %v, want ErrNoProgress", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
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
