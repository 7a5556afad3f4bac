package cli

import (
	"bytes"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// Quiet for the first second, then a line per stage and the total.
func TestProgressAfterOneSecond(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var b bytes.Buffer
	p := newProgress(&b, true, clock.now)
	p.Stage("reading and checking the topology")
	clock.advance(900 * time.Millisecond)
	p.tick()
	if b.Len() != 0 {
		t.Fatalf("progress within the first second: %q", b.String())
	}
	clock.advance(200 * time.Millisecond)
	p.tick()
	p.tick() // the same stage is told once
	clock.advance(time.Second)
	p.Stage("rendering the artifacts")
	clock.advance(400 * time.Millisecond)
	p.Done()
	want := "mobplan: reading and checking the topology... (1.1s)\n" +
		"mobplan: rendering the artifacts... (2.1s)\n" +
		"mobplan: done in 2.5s.\n"
	if b.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", b.String(), want)
	}
	p.Stage("after the end")
	p.Done()
	if b.String() != want {
		t.Errorf("progress after Done: %q", b.String())
	}
}

// A quick run says nothing, not even that it is done.
func TestProgressQuickRun(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var b bytes.Buffer
	p := newProgress(&b, true, clock.now)
	p.Stage("reading and checking the topology")
	clock.advance(300 * time.Millisecond)
	p.Stage("rendering the artifacts")
	clock.advance(300 * time.Millisecond)
	p.Done()
	if b.Len() != 0 {
		t.Errorf("quick run: %q", b.String())
	}
}

// Not a terminal: nothing, however long the run.
func TestProgressNotTerminal(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	var b bytes.Buffer
	p := newProgress(&b, false, clock.now)
	p.Stage("reading and checking the topology")
	clock.advance(time.Minute)
	p.Stage("rendering the artifacts")
	p.Done()
	if b.Len() != 0 {
		t.Errorf("progress off a terminal: %q", b.String())
	}
	// The command's own stderr in the tests is a buffer, not a terminal.
	if startProgress(Env{Stderr: &b}).on {
		t.Error("a buffer taken for a terminal")
	}
}
