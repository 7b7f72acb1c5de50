package scenarios

import (
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// sum builds a summary from the numbers Recommend reads: users hit and
// downtime as mean ± half-width of the 95 % interval (a negative
// half-width leaves the interval undefined, as with one run), outcome
// shares and cost.
type sum struct {
	label                  string
	users, usersH          float64
	down, downH            float64
	succeeded, rolledBack  float64
	failed, rollbackFailed float64
	extraHours, schema     float64
}

func (x sum) summary() *Summary {
	st := func(mean, h float64) Stats {
		s := Stats{N: 10, Mean: mean, CILow: mean - h, CIHigh: mean + h}
		if h < 0 {
			s.CILow, s.CIHigh = math.NaN(), math.NaN()
		}
		return s
	}
	return &Summary{
		Label: x.label, Runs: 10,
		Metrics: Metrics{
			"blast_radius_users": st(x.users, x.usersH), "downtime_s": st(x.down, x.downH),
			"extra_instance_hours": {Mean: x.extraHours}, "deploy_duration_s": {Mean: 600},
			"data_errors": {Mean: 0},
		},
		Outcomes: map[string]float64{"succeeded": x.succeeded, "rolled_back": x.rolledBack,
			"failed": x.failed, "rollback_failed": x.rollbackFailed},
		FailedByCause: map[string]float64{"schema": x.schema},
	}
}

func TestRecommend(t *testing.T) {
	for _, tc := range []struct {
		name      string
		results   []sum
		contra    map[string]string
		want      string
		runnersUp []string
		excluded  []string
		reasonHas string
	}{
		{name: "significantly less harm wins",
			results: []sum{{label: "rolling", users: 0.35, usersH: 0.05, down: 200, downH: 60, rolledBack: 1}, {label: "canary", users: 0.01, usersH: 0.002, rolledBack: 1, extraHours: 0.06}},
			want:    "canary", runnersUp: []string{},
			reasonHas: "significantly less harm than every other strategy"},
		{name: "overlapping intervals: no significant difference, the cheaper",
			results: []sum{
				{label: "blue-green", users: 0.34, usersH: 0.30, down: 10, downH: 4, succeeded: 1, extraHours: 43},
				{label: "rolling", users: 0.047, usersH: 0.04, down: 9, downH: 4, succeeded: 1},
			},
			want: "rolling", runnersUp: []string{"blue-green"},
			reasonHas: "no significant difference in user harm from blue-green (overlapping 95 % confidence intervals); chosen over blue-green as the cheaper"},
		{name: "equal harm: the one that delivered the release",
			results: []sum{
				{label: "immutable", succeeded: 0.75, rolledBack: 0.25, extraHours: 1.5},
				{label: "rolling", succeeded: 1},
			},
			want: "rolling", runnersUp: []string{"immutable"}, reasonHas: "for delivering the release more often (100 % of runs, against 75 %)"},
		{name: "never prefers more failed outcomes",
			results: []sum{
				{label: "canary", users: 0.01, usersH: 0.005, succeeded: 0.9, failed: 0.1},
				{label: "rolling", users: 0.30, usersH: 0.05, succeeded: 1},
			},
			want: "rolling", runnersUp: []string{}, excluded: []string{"canary"}},
		{name: "never prefers more rollback_failed outcomes",
			results: []sum{
				{label: "blue-green", users: 0.01, usersH: 0.005, rolledBack: 0.8, rollbackFailed: 0.2},
				{label: "all-at-once", users: 0.6, usersH: 0.05, rolledBack: 1},
			},
			want: "all-at-once", runnersUp: []string{}, excluded: []string{"blue-green"}},
		{name: "contraindicated never picked",
			results: []sum{
				{label: "blue-green", users: 0.001, usersH: 0.0005, succeeded: 1, extraHours: 8},
				{label: "all-at-once", users: 0.6, usersH: 0.05, down: 50, downH: 2, succeeded: 1},
			},
			contra: map[string]string{"blue-green": "application tightly coupled to the data schema"},
			want:   "all-at-once", runnersUp: []string{}, excluded: []string{"blue-green"}, reasonHas: "the only strategy that qualifies"},
		{name: "schema errors never picked",
			results: []sum{
				{label: "blue-green", users: 0.001, usersH: 0.0005, succeeded: 1, schema: 7.5},
				{label: "all-at-once", users: 0.6, usersH: 0.05, down: 50, downH: 2, succeeded: 1},
			},
			want: "all-at-once", runnersUp: []string{}, excluded: []string{"blue-green"}},
		{name: "none qualifies",
			results: []sum{
				{label: "rolling", users: 0.9, usersH: 0.05, schema: 9000},
				{label: "blue-green", succeeded: 1},
			},
			contra: map[string]string{"blue-green": "breaking migration"},
			want:   "", runnersUp: []string{}, excluded: []string{"rolling", "blue-green"}, reasonHas: "expand now, contract in a later release"},
		{name: "undefined intervals support no claim",
			results: []sum{
				{label: "a", users: 0.30, usersH: -1, succeeded: 1},
				{label: "b", users: 0.10, usersH: -1, succeeded: 1, extraHours: 2},
			},
			want: "a", runnersUp: []string{"b"}},
		{name: "better on one metric, worse on the other: no difference",
			results: []sum{
				{label: "a", users: 0.10, usersH: 0.01, down: 100, downH: 5, succeeded: 1, extraHours: 1},
				{label: "b", users: 0.20, usersH: 0.01, down: 10, downH: 5, succeeded: 1},
			},
			want: "b", runnersUp: []string{"a"}},
		{name: "runners-up are those it is not significantly better than",
			results: []sum{
				{label: "a", users: 0.10, usersH: 0.02, succeeded: 1},
				{label: "b", users: 0.11, usersH: 0.02, succeeded: 1, extraHours: 1},
				{label: "c", users: 0.50, usersH: 0.02, succeeded: 1},
			},
			want: "a", runnersUp: []string{"b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var results []*Summary
			for _, x := range tc.results {
				results = append(results, x.summary())
			}
			got := Recommend(results, func(l string) []string {
				if c, ok := tc.contra[l]; ok {
					return []string{c}
				}
				return nil
			})
			if got.Strategy != tc.want || !slices.Equal(got.RunnersUp, tc.runnersUp) {
				t.Errorf("got %q (runners-up %q), want %q (runners-up %q)\nreason: %s", got.Strategy, got.RunnersUp, tc.want, tc.runnersUp, got.Reason)
			}
			var excluded []string
			for _, e := range got.Excluded {
				excluded = append(excluded, e.Strategy)
			}
			if !slices.Equal(excluded, tc.excluded) {
				t.Errorf("excluded %v, want %v", got.Excluded, tc.excluded)
			}
			if !strings.Contains(got.Reason, tc.reasonHas) {
				t.Errorf("reason %q lacks %q", got.Reason, tc.reasonHas)
			}
		})
	}
}

// lessons are the answers the built-in scenarios teach: the strategies
// whose recommendation agrees with the lesson ("" for none: no strategy
// is right for the release as it is), and the words of the lesson that
// say so.
var lessons = map[string]struct {
	agree []string
	says  string
}{
	"az-outage-mid-deploy":              {[]string{"rolling-with-additional-batch", "blue-green"}, "Strategies that keep full capacity, or add capacity before removing any, ride out the outage."},
	"bad-release-health-checks-miss":    {[]string{"canary"}, "A canary with an alarm on the new version's error rate fails a few percent of users"},
	"breaking-migration":                {[]string{""}, "Split the change into expand and contract releases (see expand-contract) instead."},
	"capacity-shortage":                 {[]string{"rolling"}, "they stall (and may hit their progress deadline), while in-place strategies carry on"},
	"crash-loop":                        {[]string{"canary-with-alarm"}, "the canary with an alarm rolls back having failed a few percent of users"},
	"default":                           {[]string{"canary", "linear"}, "canary and linear expose a slice of the traffic before the alarm fires: the smallest blast radius"},
	"dns-ttl-early-termination":         {[]string{"keep-blue-1h"}, "Keep the old fleet for longer than the longest cache you must serve."},
	"expand-contract":                   {[]string{"rolling"}, "the cheapest strategy that serves throughout, rolling, is the sensible choice"},
	"healthy-release":                   {[]string{"rolling"}, "rolling serves throughout"},
	"leak-after-30m":                    {[]string{"bake-45m"}, "With a long bake the alarm fires while the rollback is still cheap and automatic"},
	"slow-boot":                         {[]string{"rolling", "blue-green"}, "or healthy releases get rolled back"},
	"patch-fleet-in-maintenance-window": {[]string{"one-at-a-time-continue"}, "only CONTINUE_TASK patches the whole fleet"},
	"traffic-spike-rolling":             {[]string{"rolling-with-additional-batch"}, "An additional batch (or surge capacity) keeps the headroom."},
}

// TestRecommendationAgreesWithLesson runs every built-in scenario as users
// do (its own replications and seed) and checks that the recommendation
// is one its lesson teaches; the lesson must say so in the quoted words.
func TestRecommendationAgreesWithLesson(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs every built-in scenario in full (skipped with -short and -race)")
	}
	documented := docsRecommended(t)
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, ok := lessons[name]
			if !ok {
				t.Fatalf("no expected answer for %s: add its lesson's answer to lessons", name)
			}
			sc, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(strings.Fields(sc.Lesson), " "), l.says) {
				t.Errorf("the lesson of %s does not say %q:\n%s", name, l.says, sc.Lesson)
			}
			rep, err := sc.Run(context.Background(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec := rep.Recommendation
			if !slices.Contains(l.agree, rec.Strategy) {
				t.Errorf("%s (seed %d, %d replications): recommends %q, the lesson teaches %q\nreason: %s\nexcluded: %+v",
					name, rep.Seed, rep.Replications, rec.Strategy, l.agree, rec.Reason, rec.Excluded)
			}
			want := rec.Strategy
			if want == "" {
				want = "none"
			}
			if documented[name] != want {
				t.Errorf("docs/scenarios.md says %s recommends %q; it recommends %q", name, documented[name], want)
			}
		})
	}
}

// docsRecommended reads the recommended column of docs/scenarios.md.
func docsRecommended(t *testing.T) map[string]string {
	b, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		out[strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[4])
	}
	return out
}
