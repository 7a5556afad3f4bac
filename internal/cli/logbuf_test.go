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
