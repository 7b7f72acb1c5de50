package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Hostile and huge inputs, each run through the real binary with a time
// and a memory bound: it must end within hostileTime with the expected
// exit code and message, and its peak resident memory must stay under
// hostileRSS. The inputs that are files live in scenarios/testdata/hostile,
// each with its attack, arguments and expected result in its header; the
// ones that cannot be committed (FIFOs, links, megabytes) are made here.

const (
	hostileDir  = "../../scenarios/testdata/hostile"
	hostileTime = 20 * time.Second
	hostileRSS  = 512 << 20
)

type hostileCase struct {
	name, attack string
	args         []string
	exit         int
	want         string
	// check, when set, inspects the world after the run.
	check func(t *testing.T)
}

// hostileFileCases reads the header of every file in the hostile folder.
func hostileFileCases(t *testing.T) []hostileCase {
	ents, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []hostileCase
	for _, e := range ents {
		path := filepath.Join(hostileDir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		c := hostileCase{name: e.Name(), exit: -1}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "# "), ": ")
			if !strings.HasPrefix(sc.Text(), "# ") || !ok {
				break
			}
			switch k {
			case "attack":
				c.attack = v
			case "args":
				for _, a := range strings.Fields(v) {
					c.args = append(c.args, expandArg(strings.ReplaceAll(a, "{file}", path)))
				}
			case "exit":
				c.exit, _ = strconv.Atoi(v)
			case "want":
				c.want = v
			}
		}
		f.Close()
		if c.attack == "" && c.args == nil {
			continue // an input another case imports (k8s-deployment.yaml)
		}
		if c.args == nil || c.exit < 0 || c.want == "" {
			t.Fatalf("%s: the header needs # attack:, # args:, # exit: and # want:", path)
		}
		out = append(out, c)
	}
	return out
}

// expandArg writes out a range: "seed=@1..3" is "seed=1,2,3".
func expandArg(a string) string {
	k, r, ok := strings.Cut(a, "@")
	lo, hi, ok2 := strings.Cut(r, "..")
	if !ok || !ok2 {
		return a
	}
	l, _ := strconv.Atoi(lo)
	h, _ := strconv.Atoi(hi)
	var vs []string
	for i := l; i <= h; i++ {
		vs = append(vs, strconv.Itoa(i))
	}
	return k + strings.Join(vs, ",")
}

// hostileMadeCases makes the inputs that cannot be committed.
func hostileMadeCases(t *testing.T) []hostileCase {
	dir := t.TempDir()
	file := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := file("small.yaml", "replications: 1\nworld: {instances: 3, traffic: {rate: 20, users: 100}}\nstrategies: [rolling]\n")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.config")
	os.WriteFile(secret, []byte("option_settings: {}\n"), 0o644)
	if err := os.Symlink(secret, filepath.Join(dir, "link.config")); err != nil {
		t.Fatal(err)
	}
	fifoOut := filepath.Join(dir, "out.fifo")
	syscall.Mkfifo(fifoOut, 0o644)
	target := file("target.txt", "keep me\n")
	linkOut := filepath.Join(dir, "out.link")
	os.Symlink(target, linkOut)
	private := file("private.json", "{}\n")
	os.Chmod(private, 0o600)
	reports := t.TempDir()
	argo, err := os.ReadFile("../../scenarios/importer/testdata/argo-canary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bigCond := strings.Replace(string(argo), "successCondition: result[0] >= 0.95",
		"successCondition: '"+strings.Repeat("result[0] >= 0.95 && ", 150_000)+"true'", 1)
	return []hostileCase{
		{name: "a-million-bangs", attack: "a million ! in a row overflowed the parser's stack (fatal)",
			args: []string{"validate", file("bangs.yaml", "strategies: [rolling]\nexpect: ['"+strings.Repeat("!", 1_000_000)+"true']\n")},
			exit: 2, want: "1000004 bytes long; the limit is 2048"},
		{name: "replications-flag-2^63", attack: "--replications near 2^63 × strategies (overflow, makeslice panic)",
			args: []string{"run", small, "--replications", "9223372036854775807"}, exit: 2, want: "--replications 9223372036854775807: the limit is 100000"},
		{name: "fromfile-fifo", attack: "from_file: a FIFO (blocked forever)",
			args: []string{"validate", file("fifo.yaml", "strategies: [{from_file: {kind: eb, path: fifo}}]\n")}, exit: 2, want: "not a regular file (a FIFO)"},
		{name: "import-fifo", attack: "deploysim import eb FIFO (own)", args: []string{"import", "eb", fifo}, exit: 2, want: "not a regular file (a FIFO)"},
		{name: "run-dev-zero", attack: "deploysim run /dev/zero (read forever) (own)", args: []string{"run", "/dev/zero"}, exit: 2, want: "/dev/zero: not a regular file (a character device)"},
		{name: "import-directory", attack: "deploysim import k8s DIR (own)", args: []string{"import", "k8s", dir}, exit: 2, want: "not a regular file (a folder)"},
		{name: "fromfile-symlink-out", attack: "from_file through a symbolic link in the folder to a file outside it (own)",
			args: []string{"validate", file("link.yaml", "strategies: [{from_file: {kind: eb, path: link.config}}]\n")}, exit: 2, want: "\"link.config\" is outside the folders from_file may read"},
		{name: "import-wrong-kind", attack: "deploysim import eb k8s.yaml (accepted, exit 0)",
			args: []string{"import", "eb", filepath.Join(hostileDir, "k8s-deployment.yaml")}, exit: 2, want: "it is a Kubernetes Deployment: import it as k8s"},
		{name: "argo-condition-3MB", attack: "an oversized Argo condition echoed twice in the error (40 MB of stderr)",
			args: []string{"import", "argo-rollout", file("argo.yaml", bigCond)}, exit: 2, want: "3150004 bytes long; the limit is 2048"},
		{name: "scenario-5MiB", attack: "a 5 MiB scenario (own)", args: []string{"validate", file("big.yaml", "title: "+strings.Repeat("x", 5<<20)+"\n")}, exit: 2, want: "bytes; the limit is 4194304"},
		{name: "huge-key", attack: "a 3 MB unknown key, echoed in the error (own)", args: []string{"validate", file("key.yaml", "? "+strings.Repeat("k", 3<<20)+"\n: 1\n")}, exit: 2, want: "unknown field"},
		{name: "deep-nesting", attack: "lists nested 5000 deep (own)", args: []string{"validate", file("deep.yaml", "title: "+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+"\n")}, exit: 2, want: "title: got a list, want a string"},
		{name: "output-fifo", attack: "-o a FIFO (own)", args: []string{"run", small, "-o", fifoOut}, exit: 2, want: "-o " + fifoOut + ": not a regular file (a FIFO)"},
		{name: "output-symlink", attack: "-o a symbolic link (replaced)", args: []string{"run", small, "-o", linkOut}, exit: 2, want: "not a regular file (a symbolic link)",
			check: func(t *testing.T) {
				if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
					t.Errorf("the link's target changed: %q", b)
				}
			}},
		{name: "output-keeps-mode", attack: "a 0600 file became 0644", args: []string{"schema", "-o", private}, exit: 0, want: "",
			check: func(t *testing.T) {
				if st, err := os.Stat(private); err != nil || st.Mode().Perm() != 0o600 {
					t.Errorf("mode after writing: %v %v, want 0600", st.Mode(), err)
				}
			}},
		{name: "output-missing-folder", attack: "a bad output path found only after the whole run, naming a temp file",
			args: []string{"run", small, "-o", filepath.Join(dir, "no", "such", "out.txt")}, exit: 2, want: "its folder " + filepath.Join(dir, "no", "such") + ": no such file or directory"},
		{name: "report-name-escape", attack: "--report paths built from name: escaped the folder",
			args: []string{"compare", file("escape.yaml", "name: ../../../../tmp/escaped\nreplications: 1\nworld: {instances: 3, traffic: {rate: 20, users: 100}}\nstrategies: [rolling]\n"), small, "--report", filepath.Join(reports, "r.html")},
			exit: 0, want: "report: " + filepath.Join(reports, "r-tmp-escaped.html")},
		{name: "memory-budget-garbage", attack: "--memory-budget NaN (own)", args: []string{"validate", small, "--memory-budget", "NaN"}, exit: 2, want: "--memory-budget \"NaN\": want a positive size"},
	}
}

func TestHostileInputs(t *testing.T) {
	cases := append(hostileFileCases(t), hostileMadeCases(t)...)
	for _, speed := range []string{"NaN", "Inf", "1e12", "1e-9"} {
		cases = append(cases, hostileCase{name: "serve-speed-" + speed, attack: "--speed " + speed + " livelocked the pacer",
			args: []string{"serve", "default", "--speed", speed, "--addr", "127.0.0.1:0", "--exit"}, exit: 2, want: "allowed 0.01 to 100000 simulated seconds per wall second"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), hostileTime)
			defer cancel()
			args := c.args
			if slices.Contains([]string{"run", "compare", "sweep"}, args[0]) {
				// only the commands that run experiments have --progress
				args = append(slices.Clone(args), "--progress", "never")
			}
			cmd := exec.CommandContext(ctx, binary, args...)
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			code := 0
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				code = ee.ExitCode()
			case err != nil:
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: still running after %v (attack: %s)", c.name, hostileTime, c.attack)
			}
			rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10 // KiB on Linux
			if rss > hostileRSS {
				t.Errorf("peak RSS %d MiB, over %d MiB", rss>>20, hostileRSS>>20)
			}
			if code != c.exit {
				t.Errorf("exit %d, want %d; stderr:\n%.2000s", code, c.exit, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr lacks %q:\n%.2000s", c.want, stderr.String())
			}
			if n := stderr.Len(); n > 16<<10 {
				t.Errorf("%d bytes of stderr: an input is echoed", n)
			}
			if c.check != nil {
				c.check(t)
			}
			t.Logf("%s: exit %d in %v, peak RSS %d MiB", c.attack, code, took.Round(time.Millisecond), rss>>20)
		})
	}
}

// TestSignalsStopARun: SIGINT and SIGTERM stop a run within a second,
// and what finished is written, marked incomplete.
func TestSignalsStopARun(t *testing.T) {
	src := write(t, "long.yaml", "replications: 50\nworld: {instances: 6, traffic: {rate: 100, users: 1000}}\nstrategies: [rolling, canary]\n")
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(fmt.Sprint(sig), func(t *testing.T) {
			// Progress is on so that the signal is sent once the run is
			// under way (its first update), not while a loaded machine is
			// still starting the process.
			cmd := exec.Command(binary, "run", src, "--format", "json", "--workers", "1", "--progress", "always")
			var stdout strings.Builder
			stderr := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for start := time.Now(); stderr.Len() == 0; time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > 30*time.Second {
					cmd.Process.Kill()
					t.Fatal("no progress within 30s")
				}
			}
			sent := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 5s after %v", sig)
			}
			if took := time.Since(sent); took > time.Second {
				t.Errorf("stopped %v after %v, want within a second", took, sig)
			}
			if cmd.ProcessState.ExitCode() != exitError || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q", cmd.ProcessState.ExitCode(), stderr.String())
			}
			if !strings.Contains(stdout.String(), `"complete": false`) {
				t.Errorf("partial results not written or not marked incomplete: %.300s", stdout.String())
			}
		})
	}
}

// lockedBuffer is an io.Writer safe to read while a child process writes
// into it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
