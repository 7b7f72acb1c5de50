package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/deploysim/deploysim/scenarios"
)

// hostile are names a scenario can give its versions, alarms, strategy
// labels, faults and itself, each trying to leave the context it lands in:
// a <script> element, an attribute, a JSON string, a comment.
var hostile = []string{
	`</script><script>document.documentElement.setAttribute("data-pwned","1")</script>`,
	`"><img src=x onerror="document.documentElement.setAttribute('data-pwned','2')">`,
	`<!--<script>`,
	"line\u2028separator\u2029",
	`'};document.documentElement.setAttribute('data-pwned','3');({'`,
	`&lt;already&gt; & escaped`,
}

// hostileScenario runs a small scenario whose every name is hostile.
func hostileScenario(t testing.TB) (*scenarios.Scenario, *scenarios.Report) {
	t.Helper()
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	src := fmt.Sprintf(`name: %s
title: %s
story: %s
replications: 2
world: {instances: 4, traffic: {rate: 40, users: 500}}
versions: {%s: {error_rate: 10%%}}
deployment: {to: %s}
alarms: [{name: %s, metric: error_rate, comparison: ">", threshold: 0.05}]
strategies:
  - {name: canary, label: %s, rollback: {alarms: [%s]}}
  - {name: rolling, label: %s}
faults: [{name: %s, at: 30s, kill_instances: {count: 1}}]
`, q(hostile[0]), q(hostile[1]), q(hostile[2]), q(hostile[3]), q(hostile[3]), q(hostile[0]), q(hostile[1]), q(hostile[0]), q(hostile[4]), q(hostile[5]))
	sc, err := scenarios.Parse("hostile.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background(), scenarios.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return sc, rep
}

// TestHTMLEscapesHostileNames parses the report of a scenario with
// hostile names as a browser would and checks that no name became markup:
// the elements are the report's own, no attribute is an event handler,
// every script is one the policy allows by its hash, and the names are
// there as text.
func TestHTMLEscapesHostileNames(t *testing.T) {
	sc, rep := hostileScenario(t)
	var a, b bytes.Buffer
	if err := HTML(&a, sc, rep); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&b, sc, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two renders of the same results differ (the policy's hashes must be stable)")
	}
	if dir := os.Getenv("DEPLOYSIM_REPORT_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "hostile.html"), a.Bytes(), 0o644)
	}
	allowedTags := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true,
		"script": true, "body": true, "main": true, "h1": true, "h2": true, "h3": true, "div": true, "b": true,
		"span": true, "table": true, "tr": true, "th": true, "td": true, "p": true, "ul": true, "li": true,
		"details": true, "summary": true, "pre": true, "tbody": true}
	var policy string
	var scriptHashes []string
	var text strings.Builder
	z := html.NewTokenizer(bytes.NewReader(a.Bytes()))
	inScript := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if !allowedTags[tok.Data] {
				t.Errorf("element <%s> in the report: markup from a name", tok.Data)
			}
			for _, at := range tok.Attr {
				if strings.HasPrefix(at.Key, "on") || at.Key == "src" || at.Key == "href" {
					t.Errorf("attribute %s=%q on <%s>", at.Key, at.Val, tok.Data)
				}
				if tok.Data == "meta" && at.Key == "http-equiv" && at.Val == "Content-Security-Policy" {
					for _, c := range tok.Attr {
						if c.Key == "content" {
							policy = c.Val
						}
					}
				}
			}
			inScript = tok.Data == "script"
		case html.EndTagToken:
			inScript = false
		case html.TextToken:
			if inScript {
				h := sha256.Sum256([]byte(tok.Data))
				scriptHashes = append(scriptHashes, "'sha256-"+base64.StdEncoding.EncodeToString(h[:])+"'")
				for _, name := range hostile[:2] {
					if strings.Contains(tok.Data, name) {
						t.Errorf("a script holds a hostile name as it is: %.60q", name)
					}
				}
			} else {
				text.WriteString(tok.Data)
			}
		case html.CommentToken:
			t.Errorf("a comment in the report: %.60q", tok.Data)
		}
	}
	if !strings.HasPrefix(policy, "default-src 'none'; script-src 'sha256-") {
		t.Fatalf("no Content-Security-Policy allowing hashed scripts only: %.120q", policy)
	}
	// The report's own scripts: those written in the page's template, and
	// one per chart.
	want := strings.Count(pageTemplate.Tree.Root.String(), "<script") + len(comparisonCharts(rep))
	for k, s := range rep.Results {
		want += len(strategySection(k, s).Charts)
	}
	if len(scriptHashes) != want {
		t.Errorf("%d scripts in the report, want %d (its own)", len(scriptHashes), want)
	}
	for _, h := range scriptHashes {
		if !strings.Contains(policy, h) {
			t.Errorf("script %s is not in the policy", h)
		}
	}
	if strings.Count(policy, "'sha256-") != len(scriptHashes) {
		t.Errorf("the policy allows %d scripts, the page has %d", strings.Count(policy, "'sha256-"), len(scriptHashes))
	}
	for _, name := range []string{hostile[0], hostile[1], hostile[4]} {
		if !strings.Contains(text.String(), name) {
			t.Errorf("the name %.50q is not in the page's text (escaped, it should read as written)", name)
		}
	}
}

// TestHostileReportInBrowser opens the hostile report in Chromium: no
// name ran as script (no data-pwned), the policy blocked nothing of the
// report's own, and every chart drew.
func TestHostileReportInBrowser(t *testing.T) {
	bin := chromium(t)
	sc, rep := hostileScenario(t)
	var b bytes.Buffer
	if err := HTML(&b, sc, rep); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "hostile.html")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, bin, "--dump-dom", "file://"+page)
	if bytes.Contains(dom, []byte(`data-pwned=`)) {
		t.Fatal("a hostile name ran as script in the report")
	}
	if m := errorsAttr.FindSubmatch(dom); m != nil {
		t.Fatalf("errors in the hostile report: %s", m[1])
	}
	charts, rendered := chartsAttr.FindSubmatch(dom), renderedAttr.FindSubmatch(dom)
	if charts == nil || rendered == nil || !bytes.Equal(charts[1], rendered[1]) {
		t.Fatalf("charts %q, rendered %q", charts, rendered)
	}
}
