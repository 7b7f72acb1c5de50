// Package report renders experiment results: the comparison table (text or
// markdown), JUnit XML for CI systems, OpenMetrics text, and a
// self-contained HTML report with charts and a narrative.
//
// It takes the runner's values (scenarios.Report and the scenario it came
// from) and never reaches back into a running simulation. Every renderer is
// deterministic: identical inputs give byte-identical output (fixed chart
// IDs, metrics in a fixed order, no maps iterated unsorted, no clock).
package report
