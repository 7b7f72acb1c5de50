package day

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/deploysim/deploysim/models"
)

// BenchmarkWorldDay: one simulated day at 1 000 requests per second
// (86.4 M requests) on a 40-instance fleet, reporting the process's peak
// resident memory, which must not grow with requests. It has a package
// (and so a test process) of its own, so that the peak is this run's.
func BenchmarkWorldDay(b *testing.B) {
	for b.Loop() {
		cfg := models.DefaultConfig()
		cfg.Instances = 40
		cfg.Traffic.Rate = 1000
		cfg.Traffic.Users = 100000
		cfg.Traffic.Profile = "diurnal"
		w, err := models.New(cfg, 1)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.RunFor(context.Background(), 24*time.Hour); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(w.Arrived()), "requests")
		w.Close()
	}
	peak := peakRSSMiB()
	b.ReportMetric(peak, "peak-RSS-MiB")
	if peak > 256 {
		b.Fatalf("peak RSS %.0f MiB over the 256 MiB budget", peak)
	}
}

// peakRSSMiB is the process's peak resident set size so far.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}
