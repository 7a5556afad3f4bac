package cli

import (
	"io"
	"sync"
	"time"
)

// logBuffer holds `mobplan serve`'s log lines for a moment before they
// reach stderr: a write per request (two on the proxied path) is a system
// call each, as dear as the rest of a small request. Lines are written
// whole and in order, at least every flushEvery, when maxLogBuffer
// bytes wait, before anything else is written to stderr (flush), and on
// Close.
type logBuffer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

const maxLogBuffer = 64 << 10

func newLogBuffer(w io.Writer, flushEvery time.Duration) *logBuffer {
	l := &logBuffer{w: w, buf: make([]byte, 0, maxLogBuffer), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.flush()
			}
		}
	}()
	return l
}

// Write keeps p (slog writes one whole line a call) for the next flush.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf)+len(p) > maxLogBuffer {
		if err := l.flushLocked(); err != nil {
			return 0, err
		}
	}
	if len(p) > maxLogBuffer {
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *logBuffer) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

func (l *logBuffer) flushLocked() error {
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	return err
}

// Close stops the timer and writes what is left.
func (l *logBuffer) Close() error {
	close(l.stop)
	<-l.done
	return l.flush()
}
