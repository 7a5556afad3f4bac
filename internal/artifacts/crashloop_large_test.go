package artifacts

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// largeSet is the artifact tree of a large deployment, shaped like the
// 500-domain topologies the crash window was found on: two zone files
// per domain, certificate requests and proxy files per site, and a few
// whole folders. Set "a" and set "b" differ in every way an apply can
// differ: files added, removed and changed, folders made and removed.
func largeSet(t testing.TB, which string) *Set {
	t.Helper()
	first, last, sites := 0, 500, 6
	if which == "b" {
		first, last, sites = 150, 600, 4
	}
	var files []File
	for d := first; d < last; d++ {
		for _, view := range []string{"internal", "external"} {
			body := strings.Repeat(fmt.Sprintf("lyncdiscover.d%d.example. 3600 IN A 192.0.2.%d ; %s %s\n", d, d%250, view, which), 20)
			if d%3 != 0 {
				body = strings.Repeat(fmt.Sprintf("lyncdiscover.d%d.example. 3600 IN A 192.0.2.%d ; %s\n", d, d%250, view), 20)
			}
			files = append(files, File{Path: fmt.Sprintf("dns/%s/d%d.example.zone", view, d), Data: []byte(body)})
		}
	}
	for s := 0; s < sites; s++ {
		for _, f := range []string{"certs/fe.cnf", "certs/fe.inf", "proxy/nginx.conf", "hlb/haproxy.cfg", "firewall.csv"} {
			files = append(files, File{Path: fmt.Sprintf("sites/s%d/%s", s, f), Data: []byte(strings.Repeat(which+f+"\n", 100))})
		}
	}
	files = append(files, File{Path: "sfb/configure-mobility.ps1", Data: []byte("# " + which + "\n"), Mode: 0o755})
	s, err := NewSet(files, Manifest{ToolVersion: "test", InputDigest: "large-" + which})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCrashLoopChild is the process TestCrashLoopLarge kills: it applies
// the large set named by the environment and does nothing otherwise.
func TestCrashLoopChild(t *testing.T) {
	dir, which := os.Getenv("MOBPLAN_CRASHLOOP_DIR"), os.Getenv("MOBPLAN_CRASHLOOP_SET")
	if dir == "" {
		t.Skip("run by TestCrashLoopLarge")
	}
	if _, err := Apply(dir, largeSet(t, which), false); err != nil {
		t.Fatal(err)
	}
}

// TestCrashLoopLarge kills applies of a large deployment's artifact tree
// (about 1,000 files) at random moments, hundreds of times: the apply
// runs alone in a child process, so nearly every kill lands while files
// are staged or renamed, the window an evaluation of the topology would
// otherwise hide. After each kill a plan (Diff) must work, and an apply of
// either tree must leave exactly its manifest's files, with no temporary,
// journal or empty folder; a plan right after must find nothing to do.
// TestCrashLoop does the same with the real binary on real topologies.
//
// It runs for 15 seconds; MOBPLAN_CRASHLOOP_KILLS=N runs it until N
// kills instead (CI asks for hundreds in a step of its own).
func TestCrashLoopLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an apply of a thousand files a few hundred times")
	}
	if os.Getenv("MOBPLAN_CRASHLOOP_DIR") != "" {
		t.Skip("this is the child")
	}
	dir := filepath.Join(t.TempDir(), "artifacts")
	sets := map[string]*Set{"a": largeSet(t, "a"), "b": largeSet(t, "b")}
	child := func(which string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLoopChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MOBPLAN_CRASHLOOP_DIR="+dir, "MOBPLAN_CRASHLOOP_SET="+which)
		return cmd
	}
	// How long a child takes to apply one tree over the other.
	if _, err := Apply(dir, sets["a"], false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, which := range []string{"b", "a"} {
		if out, err := child(which).CombinedOutput(); err != nil {
			t.Fatalf("child apply %s: %v\n%s", which, err, out)
		}
	}
	full := time.Since(start) / 2

	want := 0
	if v := os.Getenv("MOBPLAN_CRASHLOOP_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MOBPLAN_CRASHLOOP_KILLS=%q: want a count of kills", v)
		}
		want = n
	}
	deadline := time.Now().Add(15 * time.Second)
	more := func(i, kills int) bool {
		if want > 0 {
			// A child that ends before its kill is no kill.
			return kills < want && i < 3*want
		}
		return time.Now().Before(deadline)
	}
	var kills, interrupted, inWindow int
	for i := 0; more(i, kills); i++ {
		// The child applies the tree that is not there now.
		m, err := ReadManifest(dir)
		if err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
		which := "a"
		if m.InputDigest == "large-a" {
			which = "b"
		}
		cmd := child(which)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		switch i % 3 {
		case 0:
			time.Sleep(rand.N(full))
		case 1:
			waitJournal(dir, exited, "")
			time.Sleep(rand.N(full / 4))
		case 2:
			waitJournal(dir, exited, phaseRenaming)
			time.Sleep(rand.N(full / 10))
		}
		cmd.Process.Kill()
		if err := <-exited; err != nil {
			kills++
		}
		tr, err := openTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		if j, err := readJournal(tr); err != nil {
			t.Fatalf("iteration %d: the killed apply left a journal that does not read: %v", i, err)
		} else if j != nil {
			interrupted++
			if j.Phase == phaseRenaming {
				inWindow++
			}
		}
		// A plan on the interrupted folder works and reports no drift:
		// what a kill leaves is rolled back, not taken for hand edits.
		next := sets[[]string{"a", "b"}[rand.N(2)]]
		cs, _, err := Diff(dir, next)
		if err != nil {
			t.Fatalf("iteration %d: plan after a kill: %v", i, err)
		}
		for _, c := range cs {
			if c.Drift || c.Unmanaged {
				t.Fatalf("iteration %d: %s is reported as drift or unmanaged after a kill", i, c.Path)
			}
		}
		if _, err := Apply(dir, next, false); err != nil {
			t.Fatalf("iteration %d: apply after a kill: %v", i, err)
		}
		if got := checkExactly(t, dir); got.InputDigest != next.Manifest.InputDigest {
			t.Fatalf("iteration %d: after applying %s the manifest is %s's", i, next.Manifest.InputDigest, got.InputDigest)
		}
		if i%10 == 9 {
			cs, _, err := Diff(dir, next)
			if err != nil {
				t.Fatal(err)
			}
			if len(Pending(cs)) > 0 {
				t.Fatalf("iteration %d: a plan right after an apply has %d changes", i, len(Pending(cs)))
			}
		}
	}
	t.Logf("%d kills (an apply takes %v), %d leaving a journal, %d of them inside the rename window", kills, full.Round(time.Millisecond), interrupted, inWindow)
	if want > 0 && kills < want {
		t.Errorf("%d kills, not the %d asked for: most applies ended before their kill", kills, want)
	}
	if interrupted < kills/2 {
		t.Errorf("only %d of %d kills interrupted an apply: the loop proved little", interrupted, kills)
	}
}

// BenchmarkApplyLarge applies the large tree over the other one: every
// zone changed, added or removed, each file staged and synced.
func BenchmarkApplyLarge(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "artifacts")
	sets := []*Set{largeSet(b, "a"), largeSet(b, "b")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Apply(dir, sets[i%2], false); err != nil {
			b.Fatal(err)
		}
	}
}
