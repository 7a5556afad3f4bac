// Package generated runs the reverse proxy and load balancer
// configurations apply generated (proxy/nginx.conf, proxy/haproxy.cfg,
// hlb/haproxy.cfg) with the products they are written for, in front of
// the lab's Front End instances, so that the committed artifacts
// themselves are what the lab proves.
//
// A configuration is rendered onto the lab through a parser of its
// grammar, never by replacing text: the planned listen addresses become
// the served ones (sockets the supervisor bound and hands to the child,
// so a restart or a reload never loses a port), the planned back ends
// become their served addresses on the internal network, the TLS files
// become the lab CA-issued certificates with the planned keys, and the
// process's own files (pid, logs, temp paths) go to the runtime state
// folder. A directive outside the shape the generators write is refused:
// the lab runs only what it understands. The rendered file is checked
// by the product (nginx -t, haproxy -c) before the child starts.
package generated

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// StopTimeout is how long a child has to exit after SIGTERM before it
// is killed.
const StopTimeout = 10 * time.Second

// Command is how to check and run one product on one rendered file.
type Command struct {
	// Name says what runs, for logs and errors ("nginx for reverse
	// proxy rp").
	Name string
	Path string
	// Check is the arguments of the check (nginx -t, haproxy -c); Run
	// those of the foreground process.
	Check, Run []string
	// Env is added to the environment (NGINX= names inherited sockets).
	Env []string
	// Files are the listening sockets, the child's fd 3, 4, ...
	Files []*os.File
	// ErrorLog is a file whose end is quoted when the child fails.
	ErrorLog string
	// Notify: the product speaks the systemd notify protocol (HAProxy
	// with -Ws) on the socket NOTIFY_SOCKET names; Start and Reload
	// wait for its READY=1.
	Notify bool
	// PidFile, when set, is where the product writes its process ID once
	// it takes its signals (nginx writes its pid file after installing
	// its handlers): Start waits until the file names the child, so that
	// a reload signal never reaches a product still starting, whom
	// SIGHUP's default action would end.
	PidFile string
}

func (c *Command) cmd(ctx context.Context, args []string) *exec.Cmd {
	x := exec.CommandContext(ctx, c.Path, args...)
	x.Env = append(os.Environ(), c.Env...)
	x.ExtraFiles = c.Files
	x.SysProcAttr = sysProcAttr()
	return x
}

// CheckConfig runs the product's own check of the rendered file; its
// output is the error when it fails.
func (c *Command) CheckConfig(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	x := c.cmd(ctx, c.Check)
	out, err := x.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: the rendered configuration does not pass %s %s: %v\n%s", c.Name, c.Path, strings.Join(c.Check, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// Child is a running product.
type Child struct {
	c        *Command
	log      *slog.Logger
	x        *exec.Cmd
	done     chan struct{}
	err      error // the exit, once done
	mu       sync.Mutex
	stopping bool
	exitMsg  error     // what onExit is told, once done
	notify   *notifier // Command.Notify
	// reload serialises Reload.
	reload sync.Mutex
}

// Start runs the product in the foreground as a child. onExit is called
// once if it exits without Stop (an unexpected exit: a component
// failure), with the reason; its standard error goes to log line by line.
func Start(c *Command, log *slog.Logger, onExit func(error)) (*Child, error) {
	// The child outlives no context of ours: Stop ends it.
	x := c.cmd(context.Background(), c.Run)
	var notify *notifier
	if c.Notify {
		var err error
		if notify, err = newNotifier(); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		x.Env = append(x.Env, "NOTIFY_SOCKET="+notify.path())
	}
	lw := &lineWriter{log: log, name: c.Name}
	x.Stderr = lw
	// nginx's workers share its standard error: once the master has
	// exited, Wait does not wait for them to close it.
	x.WaitDelay = time.Second
	if err := x.Start(); err != nil {
		if notify != nil {
			notify.close()
		}
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	ch := &Child{c: c, log: log, x: x, done: make(chan struct{}), notify: notify}
	// Until it is ready, an exit is Start's error, not onExit's; once
	// is what keeps the report to one when the two meet.
	var starting atomic.Bool
	starting.Store(notify != nil || c.PidFile != "")
	var once sync.Once
	report := func() {
		ch.mu.Lock()
		stopping, why := ch.stopping, ch.exitMsg
		ch.mu.Unlock()
		if !stopping && onExit != nil {
			once.Do(func() { onExit(why) })
		}
	}
	// lastWords is what the product said last: its error log's tail,
	// else its last line of output.
	lastWords := func() string {
		if end := tail(c.ErrorLog); end != "" {
			return end
		}
		return lw.last()
	}
	go func() {
		err := x.Wait()
		if notify != nil {
			notify.close()
		}
		why := "exited"
		if err != nil {
			why = err.Error()
		}
		end := lastWords()
		ch.mu.Lock()
		ch.err = err
		ch.exitMsg = fmt.Errorf("%s stopped unexpectedly (%s)%s", c.Name, why, end)
		ch.mu.Unlock()
		close(ch.done)
		if !starting.Load() {
			report()
		}
	}()
	// Ready: its READY=1, then its pid file, whichever it has.
	var notReady error
	if notify != nil {
		notReady = notify.waitPast(0, ch.done, ReadyTimeout)
	}
	if notReady == nil && c.PidFile != "" {
		notReady = waitPidFile(c.PidFile, x.Process.Pid, ch.done, ReadyTimeout)
	}
	if notReady != nil {
		ch.Stop()
		return nil, fmt.Errorf("%s: %w%s", c.Name, notReady, lastWords())
	}
	if starting.Load() {
		starting.Store(false)
		// An exit in the moment between is still reported.
		select {
		case <-ch.done:
			report()
		default:
		}
	}
	log.Info("started", "process", c.Name, "pid", x.Process.Pid)
	return ch, nil
}

// pidFilePoll is how often Start looks at a product's pid file, and
// maxPidFile the most of it read: a process ID and a newline, nothing a
// file swapped in could grow or redirect (a link is not followed).
const (
	pidFilePoll = 10 * time.Millisecond
	maxPidFile  = 32
)

// waitPidFile waits until path holds pid, the child's exit (done) or
// timeout, whichever comes first.
func waitPidFile(path string, pid int, done <-chan struct{}, timeout time.Duration) error {
	want := strconv.Itoa(pid)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pidFilePoll)
	defer tick.Stop()
	for {
		if b, err := atomicfile.ReadRegular(path, maxPidFile); err == nil && strings.TrimSpace(string(b)) == want {
			return nil
		}
		select {
		case <-done:
			return errors.New("exited while starting")
		case <-deadline.C:
			return fmt.Errorf("did not write its pid file %s within %s", path, timeout)
		case <-tick.C:
		}
	}
}

// Reload sends sig (the product's reload signal) and, for a product
// that notifies, waits until it says the new file runs: the next reload
// is not sent into one under way, and the caller knows the new
// configuration serves.
func (ch *Child) Reload(sig os.Signal) error {
	ch.reload.Lock()
	defer ch.reload.Unlock()
	var before int
	if ch.notify != nil {
		before, _ = ch.notify.count()
	}
	if err := ch.Signal(sig); err != nil {
		return err
	}
	if ch.notify == nil {
		return nil
	}
	if err := ch.notify.waitPast(before, ch.done, ReadyTimeout); err != nil {
		return fmt.Errorf("%s: reload: %w", ch.c.Name, err)
	}
	return nil
}

// lineWriter copies a child's output to the log, one entry per line.
type lineWriter struct {
	log   *slog.Logger
	name  string
	mu    sync.Mutex
	buf   []byte
	lines []string // the last ones
}

// last is the child's last lines of output, for an error message.
func (w *lineWriter) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.lines) == 0 {
		return ""
	}
	return "; its last output:\n" + strings.Join(w.lines, "\n")
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(w.buf[:i])); line != "" {
			w.log.Warn("process output", "process", w.name, "line", line)
			w.lines = append(w.lines, line)
			if len(w.lines) > 10 {
				w.lines = w.lines[1:]
			}
		}
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 {
		w.buf = w.buf[:0]
	}
	return len(p), nil
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return "; the end of " + path + ":\n" + string(bytes.TrimSpace(b))
}

// Pid is the child's process id.
func (ch *Child) Pid() int { return ch.x.Process.Pid }

// Signal sends sig to the child (SIGHUP: nginx reloads its file).
func (ch *Child) Signal(sig os.Signal) error {
	select {
	case <-ch.done:
		return fmt.Errorf("%s is not running", ch.c.Name)
	default:
	}
	return ch.x.Process.Signal(sig)
}

// Done is closed once the child has exited.
func (ch *Child) Done() <-chan struct{} { return ch.done }

// Stop ends the child: SIGTERM, then, if it has not exited within
// StopTimeout, SIGKILL to it and its process group (nginx's workers).
// It waits for the exit.
func (ch *Child) Stop() error {
	ch.mu.Lock()
	ch.stopping = true
	ch.mu.Unlock()
	select {
	case <-ch.done:
		// It exited on its own: what it started may be left (nginx's
		// workers outlive a master that crashed).
		killGroup(ch.x.Process.Pid)
		return nil
	default:
	}
	if err := ch.x.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: %w", ch.c.Name, err)
	}
	select {
	case <-ch.done:
		ch.log.Info("stopped", "process", ch.c.Name, "pid", ch.x.Process.Pid)
		return nil
	case <-time.After(StopTimeout):
	}
	killGroup(ch.x.Process.Pid)
	<-ch.done
	return fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", ch.c.Name, StopTimeout)
}

// Expect marks the coming exit as wanted (a reload replaces the child),
// or, with false, as a failure again (the replacement did not start).
func (ch *Child) Expect(wanted bool) {
	ch.mu.Lock()
	ch.stopping = wanted
	ch.mu.Unlock()
}
