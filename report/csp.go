package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A report is opened by people other than the one who wrote the scenario,
// so nothing in a scenario (names of versions, alarms, labels, faults,
// its story) may become markup or script in it:
//
//   - HTML text and attributes are escaped by html/template;
//   - the charts' options are JSON inside <script>: every string literal
//     in a chart's script has <, >, & and U+2028/U+2029 written as \uXXXX
//     escapes (scriptStrings), so that no value can close the script or
//     open a comment;
//   - a Content-Security-Policy allows only the report's own inline
//     scripts, by the SHA-256 of each (computed from the rendered page,
//     so the report stays byte-identical for the same inputs), no other
//     script, no network, no forms.

// cspPlaceholder stands for the policy until the page's scripts are known.
const cspPlaceholder = "deploysim-content-security-policy"

// scriptStrings escapes the characters that are special to HTML inside
// the string literals of a script ('…', "…", `…`), leaving the code
// between them as it is.
func scriptStrings(js string) string {
	var b strings.Builder
	b.Grow(len(js))
	var quote rune
	escaped := false
	for _, r := range js {
		if quote == 0 {
			if r == '"' || r == '\'' || r == '`' {
				quote = r
			}
			b.WriteRune(r)
			continue
		}
		switch {
		case escaped:
			escaped = false
			b.WriteRune(r)
			continue
		case r == '\\':
			escaped = true
		case r == quote:
			quote = 0
		}
		switch r {
		case '<', '>', '&', '\u2028', '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// scripts returns the content of every <script> element of a rendered
// page, in order, and refuses a page in which a script's content could
// end its element early or start a comment.
func scripts(page []byte) ([][]byte, error) {
	var out [][]byte
	rest := page
	for {
		i := bytes.Index(rest, []byte("<script"))
		if i < 0 {
			return out, nil
		}
		rest = rest[i:]
		open := bytes.IndexByte(rest, '>')
		end := bytes.Index(rest, []byte("</script>"))
		if open < 0 || end < open {
			return nil, fmt.Errorf("report: an unterminated <script> element")
		}
		body := rest[open+1 : end]
		lower := bytes.ToLower(body)
		if bytes.Contains(lower, []byte("<script")) || bytes.Contains(lower, []byte("<!--")) || bytes.Contains(lower, []byte("</script")) {
			return nil, fmt.Errorf("report: a script holds markup (%q…): refusing to write an unsafe report", excerpt(body))
		}
		out = append(out, body)
		rest = rest[end+len("</script>"):]
	}
}

func excerpt(b []byte) string {
	s := string(b)
	if len(s) > 40 {
		n := 40
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return s
}

// contentSecurityPolicy allows exactly the given inline scripts, inline
// styles (the charts size their elements with style attributes) and
// data: images, and nothing from the network.
func contentSecurityPolicy(scripts [][]byte) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	for _, s := range scripts {
		h := sha256.Sum256(s)
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'")
	}
	b.WriteString("; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
	return b.String()
}

// withPolicy puts the policy of a rendered page's own scripts in place of
// the placeholder. Line ends are made \n first, as an HTML parser makes
// them before a browser hashes a script (the embedded library has \r\n).
func withPolicy(page []byte) ([]byte, error) {
	page = bytes.ReplaceAll(bytes.ReplaceAll(page, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	ss, err := scripts(page)
	if err != nil {
		return nil, err
	}
	if bytes.Count(page, []byte(cspPlaceholder)) != 1 {
		return nil, fmt.Errorf("report: the page template must hold the policy's placeholder once")
	}
	return bytes.Replace(page, []byte(cspPlaceholder), []byte(contentSecurityPolicy(ss)), 1), nil
}
