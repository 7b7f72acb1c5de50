// Package day holds the day-long memory benchmark of the simulated world,
// in a package of its own so that it runs in a process of its own and the
// peak resident memory it reports is its own.
package day
