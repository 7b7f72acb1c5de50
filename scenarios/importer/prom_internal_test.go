package importer

import "testing"

func TestPromMetric(t *testing.T) {
	for _, tc := range []struct {
		name, query, metric string
		scale               float64
	}{
		{"istio success ratio", `sum(irate(istio_requests_total{response_code!~"5.*"}[5m])) / sum(irate(istio_requests_total[5m]))`, "success_rate", 1},
		{"5xx ratio", `sum(rate(http_requests_total{status=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))`, "error_rate", 1},
		{"5xx ratio, code label", `sum(rate(http_server_requests_seconds_count{code=~"5xx"}[1m])) / sum(rate(http_server_requests_seconds_count[1m]))`, "error_rate", 1},
		{"p99 seconds", `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[2m])) by (le))`, "latency_p99", 1000},
		{"p90 ms", `histogram_quantile(0.9, sum(rate(request_duration_milliseconds_bucket[1m])) by (le))`, "latency_p90", 1},
		{"p50", `histogram_quantile(0.5, sum by (le) (rate(latency_seconds_bucket[1m])))`, "latency_p50", 1000},
		{"mean", `sum(rate(http_request_duration_seconds_sum[1m])) / sum(rate(http_request_duration_seconds_count[1m]))`, "latency_mean", 1000},
		{"throughput", `sum(rate(http_requests_total{app="web"}[1m]))`, "requests", 1},
		{"p95 unknown", `histogram_quantile(0.95, sum(rate(x_bucket[1m])) by (le))`, "", 0},
		{"cpu unknown", `avg(container_cpu_usage_seconds_total)`, "", 0},
	} {
		m, s, ok := promMetric(tc.query)
		if m != tc.metric || s != tc.scale || ok != (tc.metric != "") {
			t.Errorf("%s: got %q ×%g %v, want %q ×%g", tc.name, m, s, ok, tc.metric, tc.scale)
		}
	}
}

func TestScaleCondition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"result[0] < 0.5", "result[0] < 500"},
		{"0.25 >= result[0]", "250 >= result[0]"},
		{"len(result) == 0 || result[0] <= 1.5", "len(result) == 0 || result[0] <= 1500"},
		{"len(result) > 1 && result[0] > 2", "len(result) > 1 && result[0] > 2000"},
	} {
		got, ok := scaleCondition(tc.in, 1000)
		if !ok || got != tc.want {
			t.Errorf("%q: got %q %v, want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := scaleCondition("result[0] < result[1]", 1000); ok {
		t.Error("a condition without literals was reported as scaled")
	}
}
