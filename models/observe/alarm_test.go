package observe

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// feed observes datapoints written as in the CloudWatch user guide, oldest
// first: "X" breaching, "0" within the threshold, "-" missing. The alarm's
// threshold is 1 with GreaterThanThreshold, so X is fed as 2 and 0 as 0.
func feed(t *testing.T, e *AlarmEvaluator, points string) AlarmState {
	t.Helper()
	for _, f := range strings.Fields(points) {
		switch f {
		case "X":
			e.Observe(2, true)
		case "0":
			e.Observe(0, true)
		case "-":
			e.Observe(0, false)
		default:
			t.Fatalf("bad datapoint %q in %q", f, points)
		}
	}
	return e.State()
}

func newEval(t *testing.T, a Alarm) *AlarmEvaluator {
	t.Helper()
	e, err := NewAlarmEvaluator(a)
	if err != nil {
		t.Fatalf("NewAlarmEvaluator(%+v): %v", a, err)
	}
	return e
}

const retain = AlarmState(255) // expectation: the state before the row's datapoints

// TestCloudWatchUserGuideTables replays every row of the tables in the
// CloudWatch user guide's "How alarm state is evaluated when data is
// missing" (evaluation range 5, N = 3, M = 3 or 2) for each treatment of
// missing data, from each possible prior state. The last row of each table,
// "- - - - X", is from an earlier edition of the guide, which showed it; the
// current edition describes it only as not going to ALARM.
func TestCloudWatchUserGuideTables(t *testing.T) {
	type row struct {
		name, points                         string
		missing, ignore, breaching, notBreac AlarmState
	}
	I, O, A := StateInsufficientData, StateOK, StateAlarm
	tables := []struct {
		m    int
		rows []row
	}{
		{3, []row{
			{"enough real data, 2 of 3 breach", "0 - X - X", O, O, O, O},
			{"one real ok, two filled", "0 - - - -", O, O, O, O},
			{"all missing", "- - - - -", I, retain, A, O},
			{"three newest real breach", "0 X X - X", A, A, A, A},
			{"premature alarm: breach 3 periods old", "- - X - -", A, retain, A, O},
			{"newest breach only (older guide)", "- - - - X", I, retain, A, O},
			{"breach 2 periods old, not old enough", "- - - X -", I, retain, A, O},
		}},
		{2, []row{
			{"2 of 3 with gaps", "0 - X - X", A, A, A, A},
			{"2 of 3 among the newest", "0 0 X 0 X", A, A, A, A},
			{"one ok one breach one filled", "0 - X - -", O, O, A, O},
			{"one ok two filled", "- - - - 0", O, O, A, O},
			{"premature alarm: breach 2 periods old", "- - - X -", A, retain, A, O},
			{"newest breach only (older guide)", "- - - - X", I, retain, A, O},
		}},
	}
	treatments := []TreatMissingData{TreatMissing, TreatIgnore, TreatBreaching, TreatNotBreaching}
	priors := []struct {
		name, points string
		state        AlarmState
	}{
		{"from INSUFFICIENT_DATA", "", I},
		{"from OK", "0 0 0", O},
		{"from ALARM", "X X X", A},
	}
	for _, tab := range tables {
		for _, r := range tab.rows {
			want := [...]AlarmState{r.missing, r.ignore, r.breaching, r.notBreac}
			for ti, tr := range treatments {
				for _, p := range priors {
					name := r.name + "/" + tr.String() + "/" + p.name
					t.Run(name, func(t *testing.T) {
						e := newEval(t, Alarm{Threshold: 1, Comparison: GreaterThanThreshold,
							EvaluationPeriods: 3, DatapointsToAlarm: tab.m, TreatMissingData: tr})
						if got := feed(t, e, p.points); got != p.state {
							t.Fatalf("prior %q: state %v, want %v", p.points, got, p.state)
						}
						w := want[ti]
						if w == retain {
							w = p.state
						}
						if got := feed(t, e, r.points); got != w {
							t.Errorf("%d of 3, %s, %q after %q: got %v, want %v", tab.m, tr, r.points, p.points, got, w)
						}
					})
				}
			}
		}
	}
}

// TestAlarmSequences checks whole state sequences: M out of N over a
// sliding window, the initial state, and how each treatment reacts when the
// metric stops and resumes.
func TestAlarmSequences(t *testing.T) {
	tests := []struct {
		name   string
		alarm  Alarm
		points string
		want   string // states after each datapoint: I, O or A
	}{
		{"1 of 1 follows every datapoint",
			Alarm{EvaluationPeriods: 1}, "0 X 0 X X 0", "O A O A A O"},
		{"3 of 3 needs three in a row, and real data first",
			Alarm{EvaluationPeriods: 3}, "X X X 0 X X X", "I I A O O O A"},
		{"DatapointsToAlarm 0 means N",
			Alarm{EvaluationPeriods: 2, DatapointsToAlarm: 0}, "0 X 0 X X", "O O O O A"},
		{"2 of 4 need not be consecutive",
			Alarm{EvaluationPeriods: 4, DatapointsToAlarm: 2}, "0 0 0 X 0 X 0 0 0 0", "O O O O O A A O O O"},
		{"missing: stream stops, then all-missing range",
			Alarm{EvaluationPeriods: 2}, "X X - - - - X", "I A A A A I I"},
		{"ignore: stream stops, state kept",
			Alarm{EvaluationPeriods: 2, TreatMissingData: TreatIgnore}, "X X - - - - - 0 0", "I A A A A A A O O"},
		{"breaching: stream stops",
			Alarm{EvaluationPeriods: 2, TreatMissingData: TreatBreaching}, "0 0 - - - - 0", "O O O O O A O"},
		{"notBreaching: stream stops",
			Alarm{EvaluationPeriods: 2, TreatMissingData: TreatNotBreaching}, "X X - - - X X", "O A A A O O A"},
		{"older real datapoints stand in for missing recent ones",
			Alarm{EvaluationPeriods: 2, EvaluationRange: 5}, "X X - - -", "I A A A A"},
		{"a wider evaluation range looks further back",
			Alarm{EvaluationPeriods: 1, EvaluationRange: 3}, "X - - -", "A A A I"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.alarm.Threshold, tt.alarm.Comparison = 1, GreaterThanThreshold
			e := newEval(t, tt.alarm)
			if e.State() != StateInsufficientData {
				t.Fatalf("initial state %v, want INSUFFICIENT_DATA", e.State())
			}
			var got []string
			for _, f := range strings.Fields(tt.points) {
				feed(t, e, f)
				got = append(got, e.State().String()[:1])
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("%s over %q:\n got %s\nwant %s", tt.alarm.TreatMissingData, tt.points, g, tt.want)
			}
		})
	}
}

func TestComparisons(t *testing.T) {
	tests := []struct {
		c                Comparison
		below, at, above bool
	}{
		{GreaterThanThreshold, false, false, true},
		{GreaterThanOrEqualToThreshold, false, true, true},
		{LessThanThreshold, true, false, false},
		{LessThanOrEqualToThreshold, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.c.String(), func(t *testing.T) {
			a := Alarm{Threshold: 5, Comparison: tt.c, EvaluationPeriods: 1}
			if got := [3]bool{a.Breaches(4), a.Breaches(5), a.Breaches(6)}; got != [3]bool{tt.below, tt.at, tt.above} {
				t.Errorf("Breaches(4, 5, 6) = %v", got)
			}
			if c, err := ParseComparison(tt.c.String()); err != nil || c != tt.c {
				t.Errorf("ParseComparison(%q) = %v, %v", tt.c.String(), c, err)
			}
		})
	}
	if c, err := ParseComparison(">="); err != nil || c != GreaterThanOrEqualToThreshold {
		t.Errorf(`ParseComparison(">=") = %v, %v`, c, err)
	}
	if _, err := ParseComparison("GreaterThan"); err == nil || !strings.Contains(err.Error(), "LessThanOrEqualToThreshold") {
		t.Errorf("ParseComparison error should list the allowed values, got %v", err)
	}
}

func TestNaNIsMissing(t *testing.T) {
	e := newEval(t, Alarm{Threshold: 1, Comparison: LessThanThreshold, EvaluationPeriods: 1})
	if got := e.Observe(nan(), true); got != StateInsufficientData {
		t.Errorf("NaN datapoint: %v, want INSUFFICIENT_DATA (missing)", got)
	}
}

func TestAlarmValidate(t *testing.T) {
	ok := Alarm{Threshold: 1, Comparison: GreaterThanThreshold, EvaluationPeriods: 3}
	tests := []struct {
		name  string
		edit  func(*Alarm)
		field string
	}{
		{"valid", func(*Alarm) {}, ""},
		{"no comparison", func(a *Alarm) { a.Comparison = 0 }, "ComparisonOperator"},
		{"NaN threshold", func(a *Alarm) { a.Threshold = nan() }, "Threshold"},
		{"zero periods", func(a *Alarm) { a.EvaluationPeriods = 0 }, "EvaluationPeriods"},
		{"M > N", func(a *Alarm) { a.DatapointsToAlarm = 4 }, "DatapointsToAlarm"},
		{"negative M", func(a *Alarm) { a.DatapointsToAlarm = -1 }, "DatapointsToAlarm"},
		{"unknown treatment", func(a *Alarm) { a.TreatMissingData = 9 }, "TreatMissingData"},
		{"range shorter than N", func(a *Alarm) { a.EvaluationRange = 2 }, "EvaluationRange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.edit(&a)
			err := a.Validate()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("error %v, want a FieldError for %s", err, tt.field)
			}
			if _, err2 := NewAlarmEvaluator(a); (err2 == nil) != (err == nil) {
				t.Errorf("NewAlarmEvaluator and Validate disagree: %v vs %v", err2, err)
			}
		})
	}
}

func TestParseTreatMissingData(t *testing.T) {
	for _, want := range []TreatMissingData{TreatMissing, TreatNotBreaching, TreatBreaching, TreatIgnore} {
		if got, err := ParseTreatMissingData(want.String()); err != nil || got != want {
			t.Errorf("ParseTreatMissingData(%q) = %v, %v", want.String(), got, err)
		}
	}
	if got, err := ParseTreatMissingData(""); err != nil || got != TreatMissing {
		t.Errorf(`ParseTreatMissingData("") = %v, %v; want the default, missing`, got, err)
	}
	if _, err := ParseTreatMissingData("not_breaching"); err == nil || !strings.Contains(err.Error(), "notBreaching") {
		t.Errorf("error should list the allowed values, got %v", err)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	e := newEval(t, Alarm{Threshold: 1, Comparison: GreaterThanThreshold, EvaluationPeriods: 5, DatapointsToAlarm: 3})
	v := 0.0
	if allocs := testing.AllocsPerRun(100, func() {
		v = 2 - v
		e.Observe(v, v > 1)
	}); allocs != 0 {
		t.Errorf("Observe allocates %v times per call, want 0", allocs)
	}
}

func nan() float64 { return math.NaN() }
