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
// Close. The system call is made outside the lock the lines are added
// under, into a second buffer meanwhile: a slow stderr (a file on a
// busy disk) holds up the one request that filled the buffer, not every
// request logging a line.
type logBuffer struct {
	mu    sync.Mutex // buf, spare
	w     io.Writer
	buf   []byte
	spare []byte     // a written buffer, to reuse
	wmu   sync.Mutex // held while writing to w, taken under mu: in order
	stop  chan struct{}
	done  chan struct{}
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
				l.flush(false)
			}
		}
	}()
	return l
}

// Write keeps p (slog writes one whole line a call) for the next flush.
func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	if len(l.buf)+len(p) > maxLogBuffer {
		if err := l.flushLocked(true); err != nil {
			return 0, err
		}
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	if len(p) > maxLogBuffer {
		// After what is buffered (flushed above), and before what comes
		// next (mu is held).
		l.wmu.Lock()
		defer l.wmu.Unlock()
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *logBuffer) flush(wait bool) error {
	l.mu.Lock()
	return l.flushLocked(wait)
}

// flushLocked writes what is buffered, and returns once every line
// added before it is written; it is called with mu held and releases it.
// Without wait it does nothing while a write is under way (the timer's
// flush): waiting for it under mu would hold up every line logged.
func (l *logBuffer) flushLocked(wait bool) error {
	// Taken before mu is let go: writes start in the order of their
	// lines, and this one waits for any still being written.
	if !wait && !l.wmu.TryLock() {
		l.mu.Unlock()
		return nil
	}
	if wait {
		l.wmu.Lock()
	}
	out := l.buf
	l.buf = l.spare
	if l.buf == nil {
		l.buf = make([]byte, 0, maxLogBuffer)
	}
	l.spare = nil
	l.mu.Unlock()
	var err error
	if len(out) > 0 {
		_, err = l.w.Write(out)
	}
	l.wmu.Unlock()
	l.mu.Lock()
	if l.spare == nil {
		l.spare = out[:0]
	}
	l.mu.Unlock()
	return err
}

// Close stops the timer and writes what is left.
func (l *logBuffer) Close() error {
	close(l.stop)
	<-l.done
	return l.flush(true)
}
