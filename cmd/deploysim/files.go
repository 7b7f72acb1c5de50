package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deploysim/deploysim/scenarios"
)

// Output files. deploysim writes a file only by replacing a regular file
// (or creating one): never a device, FIFO, socket, folder or symbolic
// link, whose replacement would destroy something else (as root, -o
// /dev/null would replace the device). A file is written to a temp file
// in the same folder, synced, then renamed over the old one, keeping its
// mode, so that no reader sees it half-written. Every destination is
// checked before the run starts; errors name the path the user gave.

// checkDestination reports why path cannot be written (nil if it can):
// it must not exist or be a regular file, and its folder must accept a new
// file. flag names the option in the message.
func checkDestination(flag, path string) error {
	if err := refuseNonRegular(flag, path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return usage("%s %s: its folder %s: %v", flag, path, dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return usage("%s %s: %s is not a folder", flag, path, dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".check-*")
	if err != nil {
		return usage("%s %s: cannot write in %s: %v", flag, path, dir, innerErr(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// refuseNonRegular refuses an existing destination that is not a regular
// file (symbolic links included, even to a regular file).
func refuseNonRegular(flag, path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usage("%s %s: %v", flag, path, innerErr(err))
	}
	if !st.Mode().IsRegular() {
		return usage("%s %s: not a regular file (%s); deploysim only replaces regular files%s",
			flag, path, modeKind(st.Mode()), hint(flag))
	}
	return nil
}

func hint(flag string) string {
	if flag == "-o" {
		return ": omit -o to write to standard output (and redirect it)"
	}
	return ""
}

func modeKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

// innerErr drops the path from an *fs.PathError (which may be a temp
// file's), so that messages name the user's path only.
func innerErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// writeFileAtomic replaces path with data: a temp file in the same folder,
// written, synced and renamed over it, with the mode of the file it
// replaces (0644 for a new one). It refuses a destination that is not a
// regular file.
func writeFileAtomic(flag, path string, data []byte) error {
	if err := refuseNonRegular(flag, path); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, innerErr(err))
	}
	tmp := f.Name()
	err = f.Chmod(mode) // CreateTemp makes it 0600
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync() // the data is on disk before the name points at it
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s %s: %w", flag, path, innerErr(err))
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable where the system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// safeName turns a name from a scenario (its name:) into one path
// component: letters, digits, '.', '_' and '-' only, no leading dot, at
// most 64 bytes.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	out := strings.TrimLeft(string(b), ".-")
	if len(out) > 64 {
		out = out[:64]
	}
	if out == "" {
		return "scenario"
	}
	return out
}

// parseBytes reads a size: a number of bytes, optionally with a unit
// KiB, MiB, GiB, TiB (or K, M, G, T, also powers of 1024).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !(f > 0) || f*float64(mult) > 1<<62 { // !(f > 0) refuses NaN
		return 0, fmt.Errorf("want a positive size")
	}
	return int64(f * float64(mult)), nil
}

// checkOutputs checks every file the invocation will write before
// anything runs.
func (a *app) checkOutputs() error {
	for _, o := range []struct{ flag, path string }{
		{"-o", a.output}, {"--report", a.report}, {"--junit", a.junit}, {"--openmetrics", a.openmetrics},
	} {
		if o.path == "" {
			continue
		}
		if err := checkDestination(o.flag, o.path); err != nil {
			return err
		}
	}
	return nil
}

// checkReportPaths checks, before anything runs, the HTML reports that
// name their experiment (r-NAME.html when several scenarios are compared,
// r-p1.html, r-p2.html, ... for a sweep's grid points); planned are the
// experiments' empty reports. checkOutputs checked the folder.
func (a *app) checkReportPaths(planned []*scenarios.Report) error {
	if a.report == "" || len(planned) < 2 {
		return nil
	}
	for i, r := range planned {
		if err := refuseNonRegular("--report", a.reportPath(r, i, len(planned))); err != nil {
			return err
		}
	}
	return nil
}
