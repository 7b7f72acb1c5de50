package plan

import (
	"testing"
	"time"
)

func TestParseRateValue(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		least int
		want  RateValue
		ok    bool
	}{
		{"count", "10", 1, RateValue{N: 10}, true},
		{"percent", "25%", 1, RateValue{Percent: 25, IsPercent: true}, true},
		{"zero errors", "0", 0, RateValue{}, true},
		{"zero percent errors", "0%", 0, RateValue{IsPercent: true}, true},
		{"zero concurrency refused", "0", 1, RateValue{}, false},
		{"above 100 percent", "150%", 0, RateValue{}, false},
		{"fraction", "2.5", 0, RateValue{}, false},
		{"negative", "-1", 0, RateValue{}, false},
		{"word", "all", 0, RateValue{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRateValue("MaxErrors", tt.in, tt.least)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("got %+v, %v; want %+v ok %v", got, err, tt.want, tt.ok)
			}
			if !tt.ok {
				wantFieldErr(t, err, "MaxErrors")
			}
		})
	}
}

func TestSSMRateControls(t *testing.T) {
	tests := []struct {
		name             string
		conc, errs       RateValue
		targets          int
		wantConc, wantEr int
	}{
		{"defaults on 12 targets: 50 at a time, no error tolerated", DefaultMaxConcurrency, DefaultMaxErrors, 12, 50, 0},
		{"documented: 10 percent of 50 tolerates 5 (stops at the sixth)", RateValue{N: 1}, RateValue{Percent: 10, IsPercent: true}, 50, 1, 5},
		{"documented: a count of 3 tolerates 3 (stops at the fourth)", RateValue{N: 5}, RateValue{N: 3}, 50, 5, 3},
		{"25 percent of 12 is 3 at a time", RateValue{Percent: 25, IsPercent: true}, RateValue{N: 1}, 12, 3, 1},
		{"10 percent of 5 rounds down but not below one", RateValue{Percent: 10, IsPercent: true}, RateValue{Percent: 10, IsPercent: true}, 5, 1, 0},
		{"33 percent of 10 rounds down", RateValue{Percent: 33, IsPercent: true}, RateValue{Percent: 33, IsPercent: true}, 10, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SSMMaxConcurrency(tt.conc, tt.targets); got != tt.wantConc {
				t.Errorf("SSMMaxConcurrency = %d, want %d", got, tt.wantConc)
			}
			if got := SSMMaxErrors(tt.errs, tt.targets); got != tt.wantEr {
				t.Errorf("SSMMaxErrors = %d, want %d", got, tt.wantEr)
			}
		})
	}
}

func TestSSMStops(t *testing.T) {
	for _, tt := range []struct {
		name              string
		errors, maxErrors int
		want              bool
	}{
		{"MaxErrors 0: the first error stops", 1, 0, true},
		{"MaxErrors 3: the third error does not", 3, 3, false},
		{"MaxErrors 3: the fourth error stops", 4, 3, true},
		{"no error", 0, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SSMStops(tt.errors, tt.maxErrors); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSSMWindow(t *testing.T) {
	tests := []struct {
		name           string
		max, completed int
		want           int
	}{
		{"starts with a single target", 10, 0, 1},
		{"after the first, two more", 10, 1, 2},
		{"still two until two more finished", 10, 2, 2},
		{"then four", 10, 3, 4},
		{"then eight", 10, 7, 8},
		{"capped at MaxConcurrency", 10, 15, 10},
		{"MaxConcurrency 1 stays 1", 1, 20, 1},
		{"MaxConcurrency 3 caps the doubling", 3, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SSMWindow(tt.max, tt.completed); got != tt.want {
				t.Errorf("SSMWindow(%d, %d) = %d, want %d", tt.max, tt.completed, got, tt.want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		every, offset time.Duration
		ok            bool
	}{
		{"daily at 02:00", "cron(0 2 * * ? *)", 24 * time.Hour, 2 * time.Hour, true},
		{"daily at 23:30, five fields", "cron(30 23 ? * *)", 24 * time.Hour, 23*time.Hour + 30*time.Minute, true},
		{"hourly at :15", "cron(15 * * * ? *)", time.Hour, 15 * time.Minute, true},
		{"every 4 hours", "rate(4 hours)", 4 * time.Hour, 0, true},
		{"every day", "rate(1 day)", 24 * time.Hour, 0, true},
		{"weekly refused", "cron(0 2 ? * SUN *)", 0, 0, false},
		{"monthly refused", "cron(0 2 1 * ? *)", 0, 0, false},
		{"one-time refused", "at(2024-01-01T00:00:00)", 0, 0, false},
		{"minute out of range", "cron(60 2 * * ? *)", 0, 0, false},
		{"rate unit", "rate(2 weeks)", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if !tt.ok {
				wantFieldErr(t, err, "Schedule")
				return
			}
			if s.Every != tt.every || s.Offset != tt.offset {
				t.Errorf("got every %v offset %v, want %v %v", s.Every, s.Offset, tt.every, tt.offset)
			}
		})
	}
}

func TestMaintenanceWindowNextRun(t *testing.T) {
	daily := func(h int) Schedule {
		return Schedule{Expr: "daily", Every: 24 * time.Hour, Offset: time.Duration(h) * time.Hour}
	}
	tests := []struct {
		name string
		w    MaintenanceWindow
		now  time.Duration
		want WindowRun
	}{
		{"before the first run: wait for it", MaintenanceWindow{daily(2), 3 * time.Hour, time.Hour}, 2 * time.Minute,
			WindowRun{2 * time.Hour, 4 * time.Hour, 5 * time.Hour}},
		{"inside a run before its cutoff: start now", MaintenanceWindow{daily(0), 2 * time.Hour, time.Hour}, 2 * time.Minute,
			WindowRun{0, time.Hour, 2 * time.Hour}},
		{"after the cutoff: the next day's run", MaintenanceWindow{daily(0), 2 * time.Hour, time.Hour}, 90 * time.Minute,
			WindowRun{24 * time.Hour, 25 * time.Hour, 26 * time.Hour}},
		{"cutoff 0: tasks may start until the end", MaintenanceWindow{daily(0), time.Hour, 0}, 59 * time.Minute,
			WindowRun{0, time.Hour, time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.w.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.w.NextRun(tt.now); got != tt.want {
				t.Errorf("NextRun(%v) = %+v, want %+v", tt.now, got, tt.want)
			}
		})
	}
}

func TestMaintenanceWindowValidate(t *testing.T) {
	s := Schedule{Expr: "rate(1 day)", Every: 24 * time.Hour}
	for _, tt := range []struct {
		name  string
		w     MaintenanceWindow
		field string
	}{
		{"duration below an hour", MaintenanceWindow{s, 30 * time.Minute, 0}, "Duration"},
		{"duration above 24 hours", MaintenanceWindow{s, 25 * time.Hour, 0}, "Duration"},
		{"cutoff not below the duration", MaintenanceWindow{s, 2 * time.Hour, 2 * time.Hour}, "Cutoff"},
		{"cutoff not whole hours", MaintenanceWindow{s, 2 * time.Hour, 30 * time.Minute}, "Cutoff"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantFieldErr(t, tt.w.Validate(), tt.field) })
	}
}
