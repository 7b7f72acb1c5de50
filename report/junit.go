package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/deploysim/deploysim/scenarios"
)

// JUnit XML: one testsuite per experiment, one testcase per expect:
// threshold per strategy, so that CI systems show each threshold as a
// test. A strategy with no thresholds gets one testcase that passes when
// every run finished. An interrupted experiment says so: its suite gets
// the properties complete=false and interrupted=true and an errored
// testcase "interrupted" naming how many runs finished, and a strategy
// whose runs did not all finish gets a failed testcase "completed"
// instead of thresholds evaluated on partial results, so that partial
// results (or an experiment that never started) are never taken for a
// clean pass.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the thresholds of reps as JUnit XML.
func JUnit(w io.Writer, reps []*scenarios.Report) error {
	var all junitSuites
	for _, r := range reps {
		s := junitSuite{Name: "deploysim." + r.Scenario, Properties: []junitProperty{
			{"seed", fmt.Sprint(r.Seed)}, {"replications", fmt.Sprint(r.Replications)},
		}}
		if r.Point != "" {
			s.Name += " [" + r.Point + "]"
			s.Properties = append(s.Properties, junitProperty{"point", r.Point})
		}
		if !r.Complete {
			s.Properties = append(s.Properties, junitProperty{"complete", "false"}, junitProperty{"interrupted", "true"})
			runs, want := 0, r.Replications*max(1, len(r.Results))
			for _, sum := range r.Results {
				runs += sum.Runs
			}
			msg := fmt.Sprintf("interrupted: %d of %d runs finished; partial results", runs, want)
			if len(r.Results) == 0 {
				msg = "interrupted before this scenario ran"
			}
			s.Cases = append(s.Cases, junitCase{Name: "interrupted", Classname: "deploysim." + r.Scenario,
				Error: &junitFailure{Message: msg, Type: "interrupted"}})
			s.Errors++
		}
		for _, sum := range r.Results {
			class := "deploysim." + r.Scenario + "." + sum.Label
			if len(sum.Expect) == 0 || sum.Runs < r.Replications {
				c := junitCase{Name: "completed", Classname: class, SystemOut: Outcomes(sum)}
				if sum.Runs < r.Replications {
					c.Failure = &junitFailure{Message: fmt.Sprintf("%d of %d runs finished", sum.Runs, r.Replications), Type: "interrupted"}
				}
				s.Cases = append(s.Cases, c)
				continue
			}
			for _, chk := range sum.Expect {
				c := junitCase{Name: chk.Expr, Classname: class, SystemOut: Observed(chk)}
				switch {
				case chk.Error != "":
					c.Error = &junitFailure{Message: chk.Error, Type: "expression"}
					s.Errors++
				case !chk.OK:
					c.Failure = &junitFailure{Message: "threshold not met: " + Observed(chk), Type: "threshold", Text: chk.Expr}
				}
				s.Cases = append(s.Cases, c)
			}
		}
		for _, c := range s.Cases {
			s.Tests++
			if c.Failure != nil {
				s.Failures++
			}
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
