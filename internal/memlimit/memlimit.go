// Package memlimit keeps mobplan's evaluations inside a memory ceiling,
// so that a topology or a custom generator that builds a huge value (one
// line of HCL took 24 GB, Jsonnet and CUE one-liners died out of memory
// at 6 GB) fails with a clear error instead of the process being killed
// by the operating system.
//
// Set makes the ceiling the Go runtime's memory limit
// (debug.SetMemoryLimit), so garbage is collected harder as memory nears
// it; what is still live past it is more than the evaluation may have.
// Run runs one evaluation in a goroutine of its own and samples the
// process's memory while it runs; past the ceiling (or a time bound) it
// returns an error at once, abandoning the evaluation, which Go cannot
// interrupt. The abandoned goroutine runs on until it ends or the process
// exits, so a caller that gets an error from Run must report it and end
// the process soon, as the CLI does.
package memlimit

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default is the ceiling when neither --max-memory nor the environment
// variable EnvVar sets one, for a topology of up to 1 MiB of source: 2
// GiB, a hundred times what validating the sample topologies takes
// (about 20 MB), yet well below the memory of a CI runner or a small VM,
// so that the process fails before the machine does. A larger topology
// gets PerSourceByte for each byte of its files (Fit), up to MaxAuto.
const Default int64 = 2 << 30

// PerSourceByte is the automatic ceiling per byte of topology source:
// checking and planning take about 1,100 and 1,650 bytes of memory per
// byte of HCL (40,000 users: 2.3 MB of HCL, 2.6 GB to validate, 3.8 GB
// to plan), so a legitimate large topology fits without --max-memory,
// while a small file that expands (the bombs of the tests) still stops
// at Default.
const PerSourceByte = 2048

// MaxAuto bounds the automatic ceiling: past it, only --max-memory or
// EnvVar lets mobplan take more, so that sixteen megabytes of padding
// around a bomb cannot buy it the whole machine.
const MaxAuto int64 = 8 << 30

// EnvVar sets the ceiling when --max-memory is not given.
const EnvVar = "MOBPLAN_MAX_MEMORY"

// PollInterval is how often Run samples the memory in use: a bomb that
// grows a gigabyte a second overshoots the ceiling by about 10 MB.
const PollInterval = 10 * time.Millisecond

// Grace is how long Watch waits, past the ceiling, for f to return
// when a Run is under way inside it (the garbage collector, working hard
// at the ceiling, slows everything down).
const Grace = time.Second

// leaves counts the Runs under way, which Watch leaves to report, and
// trips the Runs that stopped their evaluation (whose callers are
// reporting it).
var (
	leaves atomic.Int32
	trips  atomic.Int64
)

var (
	ceiling atomic.Int64
	auto    atomic.Bool // the ceiling is Default, raised by Fit
)

// Set makes n bytes the ceiling (0 for none) and the Go runtime's memory
// limit. It returns the previous ceiling.
func Set(n int64) int64 {
	auto.Store(false)
	return set(n)
}

// SetAuto makes Default the ceiling, to be raised by Fit for a large
// topology: what the CLI does when no ceiling is given.
func SetAuto() {
	set(Default)
	auto.Store(true)
}

// Fit raises an automatic ceiling (SetAuto) to PerSourceByte for each of
// size bytes of topology source, within Default and MaxAuto and, above
// Default, at most three quarters of the machine's memory (where it can
// be read: the process should fail with an error before the system kills
// it), and returns the ceiling. A ceiling set with Set stays as it is.
func Fit(size int64) int64 {
	return fit(size, Machine())
}

func fit(size, machine int64) int64 {
	if !auto.Load() {
		return Limit()
	}
	n := Default
	if size > 0 && size <= MaxAuto/PerSourceByte {
		n = max(n, size*PerSourceByte)
	} else if size > 0 {
		n = MaxAuto
	}
	if machine > 0 {
		n = min(n, max(Default, machine/4*3))
	}
	set(n)
	return n
}

func set(n int64) int64 {
	if n < 0 {
		n = 0
	}
	prev := ceiling.Swap(n)
	if n == 0 {
		debug.SetMemoryLimit(math.MaxInt64)
	} else {
		debug.SetMemoryLimit(n)
	}
	return prev
}

// Limit is the ceiling in bytes, 0 for none.
func Limit() int64 { return ceiling.Load() }

var samples = []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}

// Used is the memory the Go runtime holds for the process (heap, stacks
// and its own structures, less what it has returned to the system):
// what debug.SetMemoryLimit limits.
func Used() uint64 {
	s := make([]metrics.Sample, len(samples))
	copy(s, samples)
	metrics.Read(s)
	total, released := s[0].Value.Uint64(), s[1].Value.Uint64()
	if released > total {
		return 0
	}
	return total - released
}

// ExceededError is an evaluation stopped at the memory ceiling.
type ExceededError struct {
	Limit int64
	Used  uint64
}

func (e *ExceededError) Error() string {
	return fmt.Sprintf("the evaluation was stopped when mobplan's memory reached %s, over its ceiling of %s (--max-memory, or %s)",
		Format(int64(e.Used)), Format(e.Limit), EnvVar)
}

// TimeoutError is an evaluation stopped at its time bound.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("evaluation did not finish within %s (endless loop or an input too large?)", e.After)
}

// Run runs f in a goroutine of its own and waits for it to return. It
// returns an *ExceededError as soon as the process's memory passes the
// ceiling, and a *TimeoutError once timeout has passed (0: no time
// bound), abandoning f in both cases: f must not share with its caller
// anything the caller still uses after an error.
func Run(timeout time.Duration, f func()) error { return run(timeout, 0, f) }

// Watch is Run without a time bound, for an f that may make Runs of its
// own (the loader around a front-end): past the ceiling, while a Run is
// under way, it waits up to Grace for f to return, so that the inner
// Run, which knows where in the topology the evaluation was, reports it.
func Watch(f func()) error { return run(0, Grace, f) }

// EvalGCBudget is the memory past which an evaluation's GOGC (SetEvalGC)
// goes back to what it was, when half the ceiling is more: the collector
// work a high GOGC saves is worth its garbage on a heap of a few hundred
// MB, not on a large topology's, where the garbage would be most of the
// process's memory (five times a 10,000-domain check's live heap: 2 GB).
const EvalGCBudget = 1 << 30

// evalGCBudget is EvalGCBudget, lowered by a test.
var evalGCBudget uint64 = EvalGCBudget

// evalGC is the collector's GOGC while an evaluation runs (0: as it is),
// depth the evaluations under way, nested or side by side, and lowered
// whether memory passed half the ceiling (or EvalGCBudget), which puts
// GOGC back.
var evalGC struct {
	sync.Mutex
	percent, depth, saved int
	lowered               bool
}

// SetEvalGC makes the collector's target percent (GOGC) while Run or
// Watch runs an evaluation, and what it was once the last one returns;
// 0 leaves it alone. An evaluation makes garbage fast over a live heap
// that only grows, so collecting less often saves much of the
// collector's work. Once the process passes half the ceiling, or
// EvalGCBudget, GOGC goes back to what it was for the rest of the
// evaluation: a large topology's heap would otherwise sit at the
// ceiling, where the collector works hardest and a moment's excess stops
// the evaluation, and be mostly garbage.
func SetEvalGC(percent int) {
	evalGC.Lock()
	defer evalGC.Unlock()
	evalGC.percent = percent
}

func enterEval() {
	evalGC.Lock()
	defer evalGC.Unlock()
	evalGC.depth++
	if evalGC.percent > 0 && evalGC.depth == 1 {
		evalGC.saved, evalGC.lowered = debug.SetGCPercent(evalGC.percent), false
	}
}

// evalGCRaised reports whether SetEvalGC raised GOGC for the evaluations
// under way, and has not put it back.
func evalGCRaised() bool {
	evalGC.Lock()
	defer evalGC.Unlock()
	return evalGC.percent > 0 && !evalGC.lowered
}

// lowerEvalGC puts GOGC back while evaluations still run, once.
func lowerEvalGC() {
	evalGC.Lock()
	defer evalGC.Unlock()
	if evalGC.percent > 0 && evalGC.depth > 0 && !evalGC.lowered {
		debug.SetGCPercent(evalGC.saved)
		evalGC.lowered = true
	}
}

func leaveEval() {
	evalGC.Lock()
	defer evalGC.Unlock()
	evalGC.depth--
	if evalGC.percent > 0 && evalGC.depth == 0 {
		debug.SetGCPercent(evalGC.saved)
	}
}

func run(timeout, grace time.Duration, f func()) error {
	enterEval()
	defer leaveEval()
	tripped := trips.Load()
	if grace == 0 {
		leaves.Add(1)
		defer leaves.Add(-1)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var poll <-chan time.Time
	if Limit() > 0 || evalGCRaised() {
		t := time.NewTicker(PollInterval)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-done:
			return nil
		case <-expired:
			trips.Add(1)
			return &TimeoutError{After: timeout}
		case <-poll:
			used, limit := Used(), Limit()
			budget := evalGCBudget
			if limit > 0 {
				budget = min(uint64(limit)/2, budget)
			}
			if used > budget {
				lowerEvalGC()
			}
			if limit > 0 {
				if used > uint64(limit) {
					if grace > 0 && (leaves.Load() > 0 || trips.Load() != tripped) {
						select {
						case <-done:
							return nil
						case <-time.After(grace):
						}
					}
					if grace == 0 {
						trips.Add(1)
					}
					return &ExceededError{Limit: limit, Used: used}
				}
			}
		}
	}
}

// IsLimit reports whether err is one of Run's.
func IsLimit(err error) bool {
	var ee *ExceededError
	var te *TimeoutError
	return errors.As(err, &ee) || errors.As(err, &te)
}

// Parse reads a size: bytes, or a number with a unit (KiB, MiB, GiB,
// TiB, or K, M, G, T, KB, MB, GB, TB, read as powers of 1024 as
// well); 0 means no ceiling.
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a size (write it as 2GiB, 512MiB or a number of bytes)", s)
	}
	shift := map[string]uint{"": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20,
		"G": 30, "GB": 30, "GIB": 30, "T": 40, "TB": 40, "TIB": 40}
	sh, ok := shift[unit]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (use KiB, MiB, GiB or TiB)", s, t[i:])
	}
	n := v * float64(int64(1)<<sh)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(n), nil
}

// Format writes a size for people: 2 GiB, 200 MiB, 1.5 GiB.
func Format(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift {
			v := strconv.FormatFloat(float64(n)/float64(int64(1)<<u.shift), 'f', 1, 64)
			return strings.TrimSuffix(v, ".0") + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// ReturnPagesAbove is the memory past which Collect gives the freed
// pages back to the system and sets the large-heap GOGC (SetLargeHeapGC):
// below it, faulting the pages in again as the next stage grows costs
// more time (a tenth of a second of a 1.5 s plan at 1,000 SIP domains)
// than the memory is worth.
const ReturnPagesAbove = 512 << 20

// largeHeapGC is the GOGC Collect sets past ReturnPagesAbove (0: none).
var largeHeapGC atomic.Int32

// SetLargeHeapGC makes percent the collector's target (GOGC) for the
// stage after a Collect that finds the process holding more than
// ReturnPagesAbove; 0 leaves GOGC alone. After a large evaluation the
// next stage holds a large plan, and garbage at the default pace (as
// much again as the live heap) was most of its peak: at 10,000 SIP
// domains, 60 takes plan's peak from 1.4-1.6 GB to 1.15-1.2 GB for 3 %
// more time.
func SetLargeHeapGC(percent int) { largeHeapGC.Store(int32(percent)) }

// Collect collects the garbage a finished stage left (an evaluation's,
// most of the heap), so the next stage does not grow to the collector's
// goal first. When the process holds more than ReturnPagesAbove, the
// freed pages go back to the system too (the runtime returns them only
// slowly, and at 10,000 SIP domains the evaluation's 700 MB of them were
// still held at the peak of rendering), and the large-heap GOGC is set
// until restore is called, at the end of the stage.
func Collect() (restore func()) {
	if Used() <= ReturnPagesAbove {
		runtime.GC()
		return func() {}
	}
	debug.FreeOSMemory()
	p := largeHeapGC.Load()
	if p <= 0 {
		return func() {}
	}
	was := debug.SetGCPercent(int(p))
	return func() { debug.SetGCPercent(was) }
}
