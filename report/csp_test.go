package report

import (
	"strings"
	"testing"
)

func TestScriptStrings(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"code untouched", `if (a < b && c > d) { x = 1; }`, `if (a < b && c > d) { x = 1; }`},
		{"double-quoted", `x = "</script><b>&"`, `x = "\u003c/script\u003e\u003cb\u003e\u0026"`},
		{"single-quoted", `x = '<!--'`, `x = '\u003c!--'`},
		{"escaped quote stays inside", `x = "a\"<" + y`, `x = "a\"\u003c" + y`},
		{"line separators", "x = \"a\u2028b\u2029\"", `x = "a\u2028b\u2029"`},
		{"after a string, code again", `"a" < "b"`, `"a" < "b"`},
	} {
		if got := scriptStrings(tc.in); got != tc.want {
			t.Errorf("%s: scriptStrings(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestScriptsRefusesMarkup(t *testing.T) {
	for _, page := range []string{
		`<script>var s = "<!--";</script>`,
		`<script>x</script><script>a = "</scr" + "ipt>"; b = '<script>'</script>`,
		`<script>unterminated`,
	} {
		if _, err := scripts([]byte(page)); err == nil {
			t.Errorf("scripts(%q) accepted", page)
		}
	}
	ss, err := scripts([]byte(`<head><script>a</script></head><script type="x">b</script>`))
	if err != nil || len(ss) != 2 || string(ss[0]) != "a" || string(ss[1]) != "b" {
		t.Fatalf("scripts = %q, %v", ss, err)
	}
	if p := contentSecurityPolicy(ss); !strings.Contains(p, "script-src 'sha256-") || strings.Count(p, "sha256-") != 2 {
		t.Fatalf("policy %q", p)
	}
}
