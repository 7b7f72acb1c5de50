package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// wantFieldErr fails the test unless err is a *FieldError naming field.
func wantFieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want a *FieldError for %s", err, field)
	}
	if fe.Field != field {
		t.Fatalf("FieldError.Field = %q, want %q (error: %v)", fe.Field, field, err)
	}
	if fe.Allowed == "" || !strings.Contains(err.Error(), fe.Allowed) {
		t.Fatalf("error %q does not state the allowed values", err)
	}
}

// wantSteps fails the test unless got equals want.
func wantSteps(t *testing.T, got, want []Step) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("steps =\n  %v\nwant\n  %v", got, want)
	}
}

// minutes builds a schedule from (minute, percent) pairs.
func minutes(pairs ...float64) []Step {
	steps := make([]Step, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		steps = append(steps, Step{At: time.Duration(pairs[i] * float64(time.Minute)), NewPercent: pairs[i+1]})
	}
	return steps
}

func TestPercentOfRounding(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		percent   float64
		wantCeil  int
		wantFloor int
	}{
		{"exact 70 of 10 is not pushed up by float noise", 10, 70, 7, 7},
		{"exact 29 of 100", 100, 29, 29, 29},
		{"fraction 25 of 10", 10, 25, 3, 2},
		{"zero percent", 10, 0, 0, 0},
		{"hundred percent", 7, 100, 7, 7},
		{"tiny fraction still rounds up", 1000, 0.1, 1, 1},
		{"one tenth of a percent of 10", 10, 0.1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ceilPercentOf(tt.n, tt.percent); got != tt.wantCeil {
				t.Errorf("ceilPercentOf(%d, %g) = %d, want %d", tt.n, tt.percent, got, tt.wantCeil)
			}
			if got := floorPercentOf(tt.n, tt.percent); got != tt.wantFloor {
				t.Errorf("floorPercentOf(%d, %g) = %d, want %d", tt.n, tt.percent, got, tt.wantFloor)
			}
		})
	}
}

func TestStepString(t *testing.T) {
	if got, want := (Step{At: 5 * time.Minute, NewPercent: 10}).String(), "+5m0s 10%"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}
