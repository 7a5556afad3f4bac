package memlimit

import (
	"errors"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "200MiB": 200 << 20, "200M": 200 << 20, "2GiB": 2 << 30,
		"2 GB": 2 << 30, "1.5GiB": 3 << 29, "64kib": 64 << 10, "1T": 1 << 40} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GiB", "2 PB", "-1", "lots", "99999999999999TiB"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
	for n, want := range map[int64]string{2 << 30: "2 GiB", 200 << 20: "200 MiB", 3 << 29: "1.5 GiB", 512: "512 bytes"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestRunStopsAtCeiling: an evaluation that keeps allocating is stopped
// shortly after the process passes the ceiling; one that stays below it
// returns normally.
func TestRunStopsAtCeiling(t *testing.T) {
	base := Used()
	limit := int64(base) + 64<<20
	defer Set(Set(limit))
	stop, stopped := make(chan struct{}), make(chan struct{})
	var kept [][]byte
	start := time.Now()
	err := Run(0, func() {
		defer close(stopped)
		for {
			select {
			case <-stop: // the test ends the abandoned goroutine
				kept = nil
				return
			default:
			}
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			kept = append(kept, b)
		}
	})
	var ee *ExceededError
	if !errors.As(err, &ee) || ee.Limit != limit || ee.Used <= uint64(limit) {
		t.Fatalf("got %v, want the ceiling of %d exceeded", err, limit)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("stopped after %s", d)
	}
	close(stop)
	<-stopped
	debug.FreeOSMemory()
	Set(int64(Used()) + 64<<20)
	if err := Run(0, func() { _ = make([]byte, 1<<20) }); err != nil {
		t.Errorf("a small evaluation: %v", err)
	}
}

func TestRunTimeout(t *testing.T) {
	defer Set(Set(0))
	stop := make(chan struct{})
	defer close(stop)
	err := Run(50*time.Millisecond, func() { <-stop })
	var te *TimeoutError
	if !errors.As(err, &te) || !IsLimit(err) {
		t.Fatalf("got %v", err)
	}
}

// TestWatchLeavesReportToRun: past the ceiling, a Watch around a Run lets
// the Run report (it knows where the evaluation was).
func TestWatchLeavesReportToRun(t *testing.T) {
	defer Set(Set(int64(Used()) + 64<<20))
	stop, stopped := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-stopped }()
	var inner error
	outer := Watch(func() {
		inner = Run(0, func() {
			defer close(stopped)
			var kept [][]byte
			for {
				select {
				case <-stop:
					return
				default:
				}
				kept = append(kept, make([]byte, 1<<20))
				for i := range kept[len(kept)-1] {
					kept[len(kept)-1][i] = 1
				}
			}
		})
	})
	var ee *ExceededError
	if outer != nil || !errors.As(inner, &ee) {
		t.Fatalf("Watch: %v, Run: %v; want Run to report", outer, inner)
	}
}

// TestFit: the automatic ceiling grows with the topology's source within
// Default and MaxAuto; a ceiling the user set is never changed.
func TestFit(t *testing.T) {
	defer Set(Set(0))
	SetAuto()
	for size, want := range map[int64]int64{
		0:                         Default,
		1 << 20:                   Default, // 1 MiB of source: 2 GiB, the default
		2 << 20:                   4 << 30,
		3 << 20:                   6 << 30,
		64 << 20:                  MaxAuto,
		1 << 62:                   MaxAuto, // no overflow
		Default/PerSourceByte - 1: Default,
	} {
		SetAuto()
		if got := fit(size, 0); got != want || Limit() != want {
			t.Errorf("Fit(%d) = %d (limit %d), want %d", size, got, Limit(), want)
		}
	}
	// On a machine of 4 GiB: at most 3 GiB; on one of 2 GiB, Default.
	for machine, want := range map[int64]int64{4 << 30: 3 << 30, 2 << 30: Default, 64 << 30: MaxAuto} {
		SetAuto()
		if got := fit(64<<20, machine); got != want {
			t.Errorf("fit on a machine of %s = %s, want %s", Format(machine), Format(got), Format(want))
		}
	}
	if m := Machine(); runtime.GOOS == "linux" && m <= 0 {
		t.Errorf("the machine's memory is not read: %d", m)
	}
	Set(512 << 20)
	if got := Fit(64 << 20); got != 512<<20 || Limit() != 512<<20 {
		t.Errorf("Fit changed a ceiling the user set: %d", got)
	}
	Set(0)
	if got := Fit(64 << 20); got != 0 || Limit() != 0 {
		t.Errorf("Fit set a ceiling where the user asked for none: %d", got)
	}
}

// While an evaluation runs, nested or not, the collector runs at the
// evaluation's percent; once the last returns, at what it was.
func TestEvalGC(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	before := gcPercent()
	SetEvalGC(321)
	defer SetEvalGC(0)
	var inner, outer int
	if err := Watch(func() {
		outer = gcPercent()
		if err := Run(0, func() { inner = gcPercent() }); err != nil {
			t.Error(err)
		}
		if p := gcPercent(); p != 321 {
			t.Errorf("after the inner evaluation: GOGC %d", p)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if outer != 321 || inner != 321 {
		t.Errorf("during the evaluations: GOGC %d, %d", outer, inner)
	}
	if p := gcPercent(); p != before {
		t.Errorf("after: GOGC %d, want %d", p, before)
	}
}

// Past half the ceiling an evaluation's GOGC goes back to what it was.
func TestEvalGCLowersPastHalfTheCeiling(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	before := gcPercent()
	SetEvalGC(321)
	defer SetEvalGC(0)
	defer Set(Set(int64(Used()) * 3 / 2)) // already past half
	var during int
	if err := Run(0, func() {
		time.Sleep(5 * PollInterval)
		during = gcPercent()
	}); err != nil {
		t.Fatal(err)
	}
	if during != before {
		t.Errorf("GOGC %d past half the ceiling, want %d", during, before)
	}
	if p := gcPercent(); p != before {
		t.Errorf("after: GOGC %d, want %d", p, before)
	}
}

// Past EvalGCBudget an evaluation's GOGC goes back to what it was, with
// the ceiling far above the budget and with no ceiling at all; once the
// evaluation returns it stays what it was.
func TestEvalGCLowersPastItsBudget(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	before := gcPercent()
	defer func(b uint64) { evalGCBudget = b }(evalGCBudget)
	defer Set(Limit())
	for _, ceiling := range []int64{int64(Used()) * 100, 0} {
		SetEvalGC(321)
		Set(ceiling)
		evalGCBudget = Used() / 2 // already past it
		var during int
		if err := Run(0, func() {
			// The sampling, every PollInterval, lowers it.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(PollInterval) {
				if during = gcPercent(); during == before {
					break
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		SetEvalGC(0)
		if during != before {
			t.Errorf("ceiling %d: GOGC %d past the budget, want %d", ceiling, during, before)
		}
		if p := gcPercent(); p != before {
			t.Errorf("ceiling %d: after: GOGC %d, want %d", ceiling, p, before)
		}
	}
}

// Past ReturnPagesAbove, Collect gives the freed pages back: what the
// process holds falls by most of the garbage, which a collection alone
// leaves held; and it sets the large-heap GOGC, which a small heap
// leaves as it is; restore puts it back.
func TestCollectReturnsPagesPastTheThreshold(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 640 MB")
	}
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	SetLargeHeapGC(60)
	defer SetLargeHeapGC(0)
	debug.FreeOSMemory()
	Collect()()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("Collect of a small heap set GOGC %d", p)
	}
	// Small objects, as an evaluation makes: the runtime keeps their
	// pages once they are free.
	garbage := make([][]byte, 640<<10)
	for i := range garbage {
		garbage[i] = make([]byte, 1<<10)
	}
	full := Used()
	if full <= ReturnPagesAbove {
		t.Fatalf("holds %d MB after allocating 640 MB", full>>20)
	}
	garbage = nil
	restore := Collect()
	if after := Used(); after+500<<20 > full {
		t.Errorf("Collect left %d MB of %d MB held; want 500 MB returned", after>>20, full>>20)
	}
	if p := debug.SetGCPercent(60); p != 60 {
		t.Errorf("Collect of a large heap left GOGC %d, want 60", p)
	}
	restore()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("restore left GOGC %d, want 100 as before", p)
	}
}
