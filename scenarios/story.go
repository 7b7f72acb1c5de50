package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deploysim/deploysim/models"
)

// A scenario's title, story and lesson tell its numbers in words; so that
// they can never disagree with the file (or with a sweep's --set), they
// state them by reference. A placeholder names a field of the file and
// how to write its value:
//
//	placeholder = "{" path { "|" format } "}"
//	path        = key { "." key | "[" index "]" }   ; as in the file: world.instances,
//	                                                ; versions.v2.error_rate, faults[0].for,
//	                                                ; strategies.bake-5m.rollback.bake_time
//	                                                ; (strategies also by label or name),
//	                                                ; or load.utilisation
//	format      = "words" | "Words" | "count" | "s" | "increase"
//
// Values are written as people write them: 8, 10 %, 30 minutes, 2 hours.
// words spells small numbers (ten, three minutes), Words capitalises the
// first letter, count is the length of a list or mapping, s writes a
// duration in seconds (60 s), increase a factor as a percent increase
// (1.4 → 40 %). load.utilisation is the live fleet's utilisation in whole
// percent: traffic.rate × mean service time / (instances × concurrency).

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// tell resolves the placeholders of text, reporting each problem at field.
// Paragraphs with placeholders are filled again to the width they were
// written at, since values are shorter than their paths.
func (sc *Scenario) tell(d *decoder, field, text string) string {
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		if !placeholder.MatchString(p) {
			continue
		}
		p = placeholder.ReplaceAllStringFunc(p, func(m string) string {
			s, err := sc.told(m[1 : len(m)-1])
			if err != nil {
				d.errField(field, "%s: %v", m, err)
				return m
			}
			return strings.ReplaceAll(s, " ", "\x00") // a value is not broken across lines
		})
		paras[i] = strings.ReplaceAll(refill(p), "\x00", " ")
	}
	return strings.Join(paras, "\n\n")
}

// refill joins a paragraph's lines and breaks them again before 78
// columns; a paragraph that is a list keeps its lines.
func refill(p string) string {
	trail := strings.HasSuffix(p, "\n")
	lines := strings.Split(strings.TrimRight(p, "\n"), "\n")
	for _, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
			return p
		}
	}
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(p) {
		if n > 0 && n+1+utf8.RuneCountInString(w) > 78 {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += utf8.RuneCountInString(w)
	}
	if trail {
		b.WriteByte('\n')
	}
	return b.String()
}

// told is the text of one placeholder's body.
func (sc *Scenario) told(body string) (string, error) {
	parts := strings.Split(body, "|")
	path := strings.TrimSpace(parts[0])
	var v any
	if path == "load.utilisation" {
		u, err := sc.utilisation()
		if err != nil {
			return "", err
		}
		v = ratio(math.Round(100*u) / 100) // told as "about": whole percent
	} else {
		rv, err := lookup(reflect.ValueOf(sc.File), path)
		if err != nil {
			return "", err
		}
		v = rv
	}
	words := false
	capital := false
	for _, f := range parts[1:] {
		switch f = strings.TrimSpace(f); f {
		case "words":
			words = true
		case "Words":
			words, capital = true, true
		case "count":
			rv, ok := v.(reflect.Value)
			if !ok || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Map) {
				return "", fmt.Errorf("count: %s is not a list or mapping", path)
			}
			v = rv.Len()
		case "s":
			dur, ok := asDuration(v)
			if !ok {
				return "", fmt.Errorf("s: %s is not a duration", path)
			}
			v = inSeconds(dur)
		case "increase":
			x, ok := asFloat(v)
			if !ok {
				return "", fmt.Errorf("increase: %s is not a number", path)
			}
			v = ratio(x - 1)
		default:
			return "", fmt.Errorf("format %q (allowed: words, Words, count, s, increase)", f)
		}
	}
	if rv, ok := v.(reflect.Value); ok && (rv.Kind() == reflect.Struct && rv.Type() != reflect.TypeFor[models.Dist]() ||
		rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) {
		return "", fmt.Errorf("%s is a section, not a value", path)
	}
	s := valueText(v, words)
	if capital {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	return s, nil
}

// ratio and inSeconds are values with a way of being written.
type (
	ratio     float64
	inSeconds time.Duration
)

// utilisation is the share of the live fleet's serving slots the traffic
// keeps busy, from the live version's mean service time.
func (sc *Scenario) utilisation() (float64, error) {
	v, ok := sc.Config.Version(sc.Deployment.From)
	if !ok || sc.Config.Instances == 0 || v.Concurrency == 0 {
		return 0, fmt.Errorf("load.utilisation: no live fleet")
	}
	return sc.Config.Traffic.Rate * v.MeanServiceTime().Seconds() / float64(sc.Config.Instances*v.Concurrency), nil
}

// isRatio: the field holds a fraction (the decoder's ratioFields), written
// as a percentage.
func isRatio(sf reflect.StructField, owner reflect.Type) bool {
	return ratioFields[owner.Name()+"."+sf.Name]
}

// lookup walks path through v (the decoded file): struct fields by their
// YAML names, mappings by key, lists by [index], and strategies by label
// or name.
func lookup(v reflect.Value, path string) (any, error) {
	keys := splitPath(path)
	if len(keys) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	for i, k := range keys {
		at := strings.ReplaceAll(strings.Join(keys[:i], "."), ".[", "[")
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return nil, fmt.Errorf("%s is not set in the file", strings.Join(keys[:i], "."))
			}
			v = v.Elem()
		}
		switch {
		case v.Type() == reflect.TypeFor[StrategyBlock]():
			// A strategy's block as written (its config is the strategy's own).
			v = reflect.ValueOf(v.Interface().(StrategyBlock).Values)
			fallthrough
		case v.Kind() == reflect.Map:
			if v.IsNil() {
				return nil, fmt.Errorf("%s has no %q", at, k)
			}
			e := v.MapIndex(reflect.ValueOf(k))
			if !e.IsValid() {
				var names []string
				for _, mk := range v.MapKeys() {
					names = append(names, fmt.Sprint(mk.Interface()))
				}
				slices.Sort(names)
				return nil, fmt.Errorf("%s", unknown("key of "+orTop(at), k, names))
			}
			v = e
		case v.Kind() == reflect.Struct:
			names, index := structFields(v.Type())
			j, ok := index[k]
			if !ok {
				return nil, fmt.Errorf("%s", unknown("field of "+orTop(at), k, names))
			}
			sf := v.Type().Field(j)
			owner := v.Type()
			v = v.Field(j)
			if i == len(keys)-1 && isRatio(sf, owner) {
				f, _ := asFloat(v)
				return ratio(f), nil
			}
		case v.Kind() == reflect.Slice:
			n, err := strconv.Atoi(strings.Trim(k, "[]"))
			if err != nil && v.Type().Elem() == reflect.TypeFor[StrategyBlock]() {
				n = strategyIndex(v.Interface().([]StrategyBlock), k)
			} else if err != nil || !strings.HasPrefix(k, "[") {
				return nil, fmt.Errorf("%s is a list: index it with [i]", orTop(at))
			}
			if n < 0 || n >= v.Len() {
				return nil, fmt.Errorf("%s has no item %s (%d items)", orTop(at), k, v.Len())
			}
			v = v.Index(n)
		default:
			return nil, fmt.Errorf("%s is a value, not a section", orTop(at))
		}
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, fmt.Errorf("%s is not set in the file", path)
		}
		v = v.Elem()
	}
	return v, nil
}

func orTop(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}

// splitPath splits "faults[0].for" into faults, [0], for.
func splitPath(path string) []string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		for p != "" {
			i := strings.IndexByte(p[1:], '[') + 1
			if i == 0 {
				out = append(out, p)
				break
			}
			out = append(out, p[:i])
			p = p[i:]
		}
	}
	return out
}

// strategyIndex finds a strategy block by label, then by name.
func strategyIndex(bs []StrategyBlock, key string) int {
	if i := slices.IndexFunc(bs, func(b StrategyBlock) bool { return b.Label == key }); i >= 0 {
		return i
	}
	return slices.IndexFunc(bs, func(b StrategyBlock) bool { return b.Label == "" && b.Name == key })
}

func asFloat(v any) (float64, bool) {
	if rv, ok := v.(reflect.Value); ok {
		if !rv.IsValid() {
			return 0, false
		}
		v = rv.Interface()
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case ratio:
		return float64(x), true
	case int:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanFloat():
		return rv.Float(), true
	case rv.CanInt():
		return float64(rv.Int()), true
	}
	return 0, false
}

// asDuration reads a duration, a distribution (its mean) or a duration
// string of a strategy's block.
func asDuration(v any) (time.Duration, bool) {
	if rv, ok := v.(reflect.Value); ok {
		v = rv.Interface()
	}
	switch x := v.(type) {
	case time.Duration:
		return x, true
	case inSeconds:
		return time.Duration(x), true
	case models.Dist:
		return x.Mean, true
	case string:
		d, err := time.ParseDuration(x)
		return d, err == nil
	}
	return 0, false
}

// valueText writes a value as a story does.
func valueText(v any, words bool) string {
	if rv, ok := v.(reflect.Value); ok {
		v = rv.Interface()
	}
	switch x := v.(type) {
	case ratio:
		return trimFloat(100*float64(x)) + " %"
	case inSeconds:
		return trimFloat(time.Duration(x).Seconds()) + " s"
	case int:
		return count(x, words)
	case string:
		if d, err := time.ParseDuration(x); err == nil {
			return durationText(d, words)
		}
		return x
	}
	if d, ok := asDuration(v); ok {
		return durationText(d, words)
	}
	if f, ok := asFloat(v); ok {
		if f == math.Trunc(f) && math.Abs(f) < 1e9 {
			return count(int(f), words)
		}
		return trimFloat(f)
	}
	return fmt.Sprint(v)
}

// trimFloat writes f with at most two decimals and no trailing zeros.
func trimFloat(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

var smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}

// count writes n, spelt out up to twenty when words is set.
func count(n int, words bool) string {
	if words && n >= 0 && n < len(smallNumbers) {
		return smallNumbers[n]
	}
	return strconv.Itoa(n)
}

// durationText writes d in its largest whole unit: 2 hours, 30 minutes,
// 90 seconds.
func durationText(d time.Duration, words bool) string {
	unit, n := "second", int(d/time.Second)
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		unit, n = "hour", int(d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		unit, n = "minute", int(d/time.Minute)
	case d%time.Second != 0:
		return d.String()
	}
	if n != 1 {
		unit += "s"
	}
	return count(n, words) + " " + unit
}
