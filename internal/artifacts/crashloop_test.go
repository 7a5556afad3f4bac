package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashLoop kills the real binary at random moments while it applies
// one of two topologies of a generated deployment into one artifacts
// folder, and after each kill runs an apply (of either topology) that
// must succeed and leave exactly the files its manifest lists, with the
// right bytes, no temporaries, no journal and no empty folders; now and
// then a plan must find nothing to do, and a plan on a killed apply's
// folder must work. Two kills in three wait for the journal to appear,
// to land in the rename window. At most 100 kills,
// and at most 40 s of them (fewer on a loaded machine: each apply syncs
// every file it writes).
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it up to a few hundred times")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build mobplan with")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "mobplan")
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run(goTool, "build", "-o", bin, "../../cmd/mobplan")
	// Two topologies that differ in every artifact family: zones added
	// and removed, pools, certificates, proxy and load balancer configs.
	topos := []string{filepath.Join(work, "a"), filepath.Join(work, "b")}
	// MOBPLAN_CRASHLOOP_BINARY_KILLS=N (CI) runs N iterations, with no time
	// bound, on topologies of 60 and 40 SIP domains.
	iterLimit, budget, sizes := 100, 40*time.Second, [2]string{"12", "8"}
	if v := os.Getenv("MOBPLAN_CRASHLOOP_BINARY_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MOBPLAN_CRASHLOOP_BINARY_KILLS=%q", v)
		}
		iterLimit, budget, sizes = n, 24*time.Hour, [2]string{"60", "40"}
	}
	run(goTool, "run", "../../examples/scale", "-domains", sizes[0], "-pools", "2", "-sites", "2", "-out", topos[0])
	run(goTool, "run", "../../examples/scale", "-domains", sizes[1], "-pools", "1", "-sites", "1", "-out", topos[1])
	dir := filepath.Join(work, "artifacts")

	apply := func(topo string) *Manifest {
		t.Helper()
		cmd := exec.Command(bin, "apply", "--artifacts", dir, topo)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apply %s: %v\n%s", filepath.Base(topo), err, out)
		}
		return checkExactly(t, dir)
	}
	// The first applies make the keys and give each topology's digest.
	digests := map[string]string{}
	for _, topo := range topos {
		digests[topo] = apply(topo).InputDigest
	}
	// How long an apply takes once the keys exist: kills land within it.
	start := time.Now()
	for _, topo := range topos {
		apply(topo)
	}
	full := time.Since(start) / 2

	var iterations, kills, interrupted, inWindow int
	deadline := time.Now().Add(budget)
	for i := 0; i < iterLimit && time.Now().Before(deadline); i++ {
		iterations++
		cmd := exec.Command(bin, "apply", "--artifacts", dir, topos[i%2])
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		switch i % 3 {
		case 0:
			time.Sleep(rand.N(full))
		case 1:
			// Once the journal appears (staging), a little later.
			waitJournal(dir, exited, "")
			time.Sleep(rand.N(50 * time.Millisecond))
		case 2:
			// Once the renames are about to begin: at once, or nearly.
			waitJournal(dir, exited, phaseRenaming)
			if rand.N(2) == 0 {
				time.Sleep(rand.N(2 * time.Millisecond))
			}
		}
		cmd.Process.Kill()
		if err := <-exited; err != nil {
			kills++
		}
		tr, _ := openTree(dir)
		if j, err := readJournal(tr); err != nil {
			t.Fatalf("iteration %d: the killed apply left a journal that does not read: %v", i, err)
		} else if j != nil {
			interrupted++
			if j.Phase == phaseRenaming {
				inWindow++
			}
		}
		if i%5 == 0 {
			// Plan on the interrupted folder: it must work (exit 0 or 2).
			out, err := exec.Command(bin, "plan", "--artifacts", dir, topos[rand.N(2)]).CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 2) {
				t.Fatalf("iteration %d: plan after a kill: %v\n%s", i, err, out)
			}
		}
		next := topos[rand.N(2)]
		if m := apply(next); m.InputDigest != digests[next] {
			t.Fatalf("iteration %d: after applying %s the manifest is another topology's", i, filepath.Base(next))
		}
		if i%5 == 4 {
			out, err := exec.Command(bin, "plan", "--detailed-exitcode", "--artifacts", dir, next).CombinedOutput()
			if err != nil {
				t.Fatalf("iteration %d: plan right after an apply: %v\n%s", i, err, out)
			}
		}
	}
	t.Logf("%d iterations (an apply takes %v), %d kills, %d leaving a journal, %d of them inside the rename window", iterations, full.Round(time.Millisecond), kills, interrupted, inWindow)
	// How many kills land between two renames depends on the machine's
	// load; TestCrashIsRecovered stops an apply at every rename in turn.
	if interrupted == 0 {
		t.Error("no kill interrupted an apply: the loop proved nothing")
	}
}

// waitJournal waits until dir's journal exists (and says phase, if not
// ""), or the apply has ended. The error the apply ended with is put
// back for the caller.
func waitJournal(dir string, exited chan error, phase string) {
	for {
		select {
		case err := <-exited:
			exited <- err
			return
		default:
		}
		b, err := os.ReadFile(filepath.Join(dir, journalName))
		if err == nil && (phase == "" || bytes.Contains(b, []byte(`"phase": "`+phase+`"`))) {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// checkExactly asserts that dir holds exactly the files its manifest
// lists, with the listed bytes, plus the manifest and the lock: no
// temporary, no journal, no empty folder.
func checkExactly(t *testing.T, dir string) *Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var problems []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if entries, _ := os.ReadDir(p); len(entries) == 0 {
				problems = append(problems, "empty folder "+rel)
			}
			return nil
		}
		if rel == ManifestName || rel == lockName {
			return nil
		}
		want, ok := m.Files[rel]
		if !ok {
			problems = append(problems, "stray "+rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal([]byte(Digest(data)), []byte(want)) {
			problems = append(problems, "wrong bytes in "+rel)
		}
		seen[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range m.Files {
		if !seen[p] {
			problems = append(problems, "missing "+p)
		}
	}
	if len(problems) > 0 {
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("and %d more", len(problems)-20))
		}
		t.Fatalf("%s does not hold exactly its manifest's files:\n  %s", dir, strings.Join(problems, "\n  "))
	}
	return &m
}
