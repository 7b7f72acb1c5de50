package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// keyMetrics are the metrics a comparison shows first, in order.
var keyMetrics = []string{
	"downtime_s", "availability", "blast_radius_users", "rollback_s",
	"deploy_duration_s", "capacity_floor", "extra_instance_hours", "latency_p99_ms",
}

// unitOf returns how a metric's values are shown.
func unitOf(metric string) string {
	switch {
	case strings.HasSuffix(metric, "_s"):
		return "s"
	case strings.HasSuffix(metric, "_ms"):
		return "ms"
	case metric == "availability" || metric == "capacity_floor" || metric == "exposure" ||
		strings.HasPrefix(metric, "blast_radius"):
		return "%"
	case metric == "extra_instance_hours":
		return "h"
	}
	return ""
}

// scale converts a stored value to its display unit.
func scale(metric string, v float64) float64 {
	if unitOf(metric) == "%" {
		return v * 100
	}
	return v
}

// num formats a value with a precision suited to its size.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 0):
		return "∞"
	case a == 0:
		return "0"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// withUnit formats a value in its metric's unit.
func withUnit(metric string, v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	u := unitOf(metric)
	s := num(scale(metric, v))
	switch u {
	case "":
		return s
	case "%":
		return s + " %"
	}
	return s + " " + u
}

// shortDuration formats seconds as a duration without zero units ("1h",
// "1h30m", "45s").
func shortDuration(s float64) string {
	d := (time.Duration(math.Round(s)) * time.Second).String()
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return d
}
