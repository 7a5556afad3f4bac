package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Lines reach the writer whole and in order: on the timer, when the
// buffer fills, and what is left on Close.
func TestLogBuffer(t *testing.T) {
	out := newSyncBuffer()
	l := newLogBuffer(out, 20*time.Millisecond)
	fmt.Fprintf(l, "first\n")
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "first\n"); {
		if time.Now().After(deadline) {
			t.Fatal("a line waited past the flush interval and more")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var want bytes.Buffer
	want.WriteString("first\n")
	line := strings.Repeat("x", 100) + "\n"
	for i := range 2000 { // about three buffers' worth
		s := fmt.Sprintf("%d %s", i, line)
		want.WriteString(s)
		if n, err := l.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	big := strings.Repeat("y", maxLogBuffer+1) + "\n"
	want.WriteString(big)
	l.Write([]byte(big))
	want.WriteString("last\n")
	l.Write([]byte("last\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != want.String() {
		t.Errorf("the log as written differs from the lines given (%d bytes, want %d)", len(got), want.Len())
	}
}

// blockingWriter holds its first write until release is closed.
type blockingWriter struct {
	started, release chan struct{}
	once             bool
	out              bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		close(w.started)
		<-w.release
	}
	return w.out.Write(p)
}

// A slow stderr holds up no line logged meanwhile: while the timer's
// write waits, the timer does not wait for it under the buffer's lock,
// and the lines still arrive whole and in order.
func TestLogBufferSlowWriterHoldsNoLine(t *testing.T) {
	w := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
	l := newLogBuffer(w, time.Hour) // the test plays the timer
	fmt.Fprintf(l, "first\n")
	go l.flush(true) // a flush that must wait (serve's before a message)
	<-w.started
	fmt.Fprintf(l, "second\n")
	go l.flush(false) // the timer's, while that write waits
	time.Sleep(20 * time.Millisecond)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for i := range 100 {
			fmt.Fprintf(l, "line %d\n", i)
		}
	}()
	select {
	case <-logged:
	case <-time.After(5 * time.Second):
		t.Fatal("logging waited for a slow write")
	}
	close(w.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteString("first\nsecond\n")
	for i := range 100 {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if w.out.String() != want.String() {
		t.Errorf("got\n%s\nwant\n%s", w.out.String(), want.String())
	}
}
