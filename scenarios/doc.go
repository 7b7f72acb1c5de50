// Package scenarios turns scenario files into experiments: the YAML format
// (strict: unknown fields are errors, every problem is reported at once
// with file:line:col and the allowed values), the built-in teaching
// library embedded in the binary, expr-lang expressions for fault
// triggers and expect: thresholds (compiled once, against typed
// environments), fault schedules, configuration import (from_file, package
// importer), and the runner: one run, Monte Carlo replications on several
// workers with results independent of the worker count, and sweeps over a
// parameter grid.
//
// A run assembles a world (package models) and a strategy (package
// strategies) from a scenario, runs them and returns plain values
// (models.Result, and the Report that summarises replications) for package
// report to render.
package scenarios
