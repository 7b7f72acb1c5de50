package report

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/deploysim/deploysim/models"
)

func TestLiveMetrics(t *testing.T) {
	w, err := models.New(models.DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.RunFor(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	live := NewLive("test", "rolling")
	live.Update(w.Snapshot())

	// The collector, through client_golang's testutil.
	if n := testutil.CollectAndCount(liveCollector{live}, "deploysim_healthy_targets"); n != 1 {
		t.Fatalf("%d healthy-target series, want 1", n)
	}
	if err := testutil.CollectAndCompare(liveCollector{live}, strings.NewReader(`
# HELP deploysim_healthy_targets Healthy targets of each target group.
# TYPE deploysim_healthy_targets gauge
deploysim_healthy_targets{target_group="blue"} 10
# HELP deploysim_dns_weight Route 53 weighted record weights.
# TYPE deploysim_dns_weight gauge
deploysim_dns_weight{record="blue",target="blue"} 100
`), "deploysim_healthy_targets", "deploysim_dns_weight"); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(live.Registry())
	if err != nil || len(problems) > 0 {
		t.Fatalf("metrics lint: %v %v", err, problems)
	}

	// And over real HTTP.
	srv := httptest.NewServer(live.Handler())
	defer srv.Close()
	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(b)
	}
	m := get("/metrics")
	ok := w.Snapshot().Requests[1].ByCause["ok"]
	if ok == 0 || !strings.Contains(m, `deploysim_requests_total{outcome="ok",version="v1"}`) {
		t.Fatalf("/metrics lacks the v1 request counter:\n%s", m[:min(len(m), 2000)])
	}
	if !strings.Contains(get("/state"), `"Scenario":"test"`) || !strings.Contains(get("/"), "/metrics") {
		t.Fatal("/state or / does not serve the run")
	}
}

// TestLiveIsReadOnly: the live server answers GET and HEAD, and 405 with
// an Allow header to anything else.
func TestLiveIsReadOnly(t *testing.T) {
	h := NewLive("s", "rolling").Handler()
	for _, tc := range []struct {
		method string
		code   int
	}{{"GET", 200}, {"HEAD", 200}, {"POST", 405}, {"PUT", 405}, {"DELETE", 405}, {"PATCH", 405}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, "/state", nil))
		if rec.Code != tc.code {
			t.Errorf("%s /state: %d, want %d", tc.method, rec.Code, tc.code)
		}
		if tc.code == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow %q", tc.method, rec.Header().Get("Allow"))
		}
	}
}
