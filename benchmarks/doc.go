// Package benchmarks holds the benchmarks of deploysim's event core and, as
// they land, of the simulated world end to end. Baselines are written here,
// beside the engine, so that every run measures the ratios side by side on
// the same machine. See README.md for how to run them and the latest
// figures.
package benchmarks
