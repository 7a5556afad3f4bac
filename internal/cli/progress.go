package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressAfter is how long a run stays silent: a quick run prints no
// progress at all.
const progressAfter = time.Second

// progress tells, on standard error, which stage a long validate, plan
// or apply is in: nothing during the first second, then one line per
// stage (the one running when the second passes, and each after it),
// and how long the whole took. It writes only to a terminal, so logs,
// pipes and CI stay as they were.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	now     func() time.Time
	start   time.Time
	stage   string
	printed bool // a stage line has been written
	shown   string
	stop    chan struct{}
	stopped chan struct{}
}

// newProgress reports to w when terminal, by the clock now.
func newProgress(w io.Writer, terminal bool, now func() time.Time) *progress {
	return &progress{w: w, on: terminal, now: now, start: now()}
}

// startProgress is newProgress on the command's standard error, with a
// ticker that notices the second passing during a long stage.
func startProgress(env Env) *progress {
	p := newProgress(env.Stderr, stderrIsTerminal(env), time.Now)
	if !p.on {
		return p
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
	return p
}

// stderrIsTerminal reports whether progress lines can go to standard
// error: a terminal that is not "dumb".
func stderrIsTerminal(env Env) bool {
	if env.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := env.Stderr.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Stage says the run has moved on to s ("checking the topology").
func (p *progress) Stage(s string) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage = s
	p.show()
}

func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.show()
}

// show writes the current stage once the second has passed; p.mu is held.
func (p *progress) show() {
	if p.stage == "" || p.stage == p.shown || p.now().Sub(p.start) < progressAfter {
		return
	}
	fmt.Fprintf(p.w, "mobplan: %s... (%s)\n", p.stage, p.elapsed())
	p.shown, p.printed = p.stage, true
}

func (p *progress) elapsed() string {
	return p.now().Sub(p.start).Round(100 * time.Millisecond).String()
}

// Done ends the report before the command prints its result: a run
// that said anything says how long it took.
func (p *progress) Done() {
	if p == nil || !p.on {
		return
	}
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		fmt.Fprintf(p.w, "mobplan: done in %s.\n", p.elapsed())
	}
	p.on = false
}
