package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// chromium finds a headless-capable Chromium. Locally the browser test
// skips without one; under CI=true it must run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("DEPLOYSIM_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Chromium found: .ci/run installs Debian's chromium package")
	}
	t.Skip("no Chromium on this machine (apt-get install chromium); the browser test runs in CI")
	return ""
}

// headless runs Chromium on a file URL with the network unusable: every
// request that is not to the file system goes to a proxy that refuses, so
// a report that needed the network would not render.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=20000",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

var (
	chartsAttr   = regexp.MustCompile(`data-charts="(\d+)"`)
	renderedAttr = regexp.MustCompile(`data-charts-rendered="(\d+)"`)
	errorsAttr   = regexp.MustCompile(`data-errors="([^"]*)"`)
)

// TestReportRendersInBrowser loads the HTML report in headless Chromium
// from a file URL with no network and checks that the page raised no
// script error and that every chart drew onto its canvas; it also takes a
// screenshot.
func TestReportRendersInBrowser(t *testing.T) {
	bin := chromium(t)
	sc, rep := builtin(t, "default")
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := HTML(&b, sc, rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, bin, "--dump-dom", "file://"+page)
	if m := errorsAttr.FindSubmatch(dom); m != nil {
		t.Fatalf("script errors in the report: %s", m[1])
	}
	charts, rendered := chartsAttr.FindSubmatch(dom), renderedAttr.FindSubmatch(dom)
	if charts == nil || rendered == nil {
		t.Fatal("the report's render check never ran (no data-charts attributes in the DOM)")
	}
	n, _ := strconv.Atoi(string(charts[1]))
	r, _ := strconv.Atoi(string(rendered[1]))
	if n == 0 || r != n {
		t.Fatalf("%d of %d charts rendered", r, n)
	}
	shotDir := os.Getenv("DEPLOYSIM_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = dir
	}
	shot := filepath.Join(shotDir, "deploysim-report.png")
	headless(t, bin, "--window-size=1280,2000", "--screenshot="+shot, "file://"+page)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or empty: %v", shot, err)
	}
	t.Logf("report %d bytes, %d of %d charts rendered, screenshot %s", b.Len(), r, n, shot)
}

// TestBrowserCheckSeesErrors: the render check is not vacuous — a page
// with a script error and a console error is caught (the script allowed by
// the page's policy, as the report's own scripts are); and the policy is
// not vacuous either — the same script, not in the policy, is blocked and
// the block is recorded.
func TestBrowserCheckSeesErrors(t *testing.T) {
	bin := chromium(t)
	sc, rep := builtin(t, "default")
	var b bytes.Buffer
	if err := HTML(&b, sc, rep); err != nil {
		t.Fatal(err)
	}
	page0 := b.Bytes()
	end := bytes.LastIndex(page0, []byte("</body>")) // the embedded library mentions </body> too
	broken := append(append(append([]byte{}, page0[:end]...),
		`<script>console.error("deliberate"); notAFunction();</script>`...), page0[end:]...)
	allowed, err := withPolicy(cspMeta.ReplaceAll(broken, []byte(`content="`+cspPlaceholder+`"`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		page       []byte
		want, lack []string
	}{
		{"allowed script", allowed, []string{"deliberate", "notAFunction"}, []string{"Content-Security-Policy"}},
		{"script not in the policy", broken, []string{"Content-Security-Policy blocked script-src"}, []string{"deliberate"}},
	} {
		page := filepath.Join(t.TempDir(), "broken.html")
		if err := os.WriteFile(page, tc.page, 0o644); err != nil {
			t.Fatal(err)
		}
		dom := headless(t, bin, "--dump-dom", "file://"+page)
		m := errorsAttr.FindSubmatch(dom)
		if m == nil {
			t.Fatalf("%s: no errors recorded", tc.name)
		}
		for _, w := range tc.want {
			if !bytes.Contains(m[1], []byte(w)) {
				t.Errorf("%s: errors %q lack %q", tc.name, m[1], w)
			}
		}
		for _, w := range tc.lack {
			if bytes.Contains(m[1], []byte(w)) {
				t.Errorf("%s: errors %q hold %q", tc.name, m[1], w)
			}
		}
	}
}

var cspMeta = regexp.MustCompile(`content="default-src 'none'; script-src[^"]*"`)
