package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/savedplan"
	"github.com/mobplan/mobplan/runtime/bundle"
	"github.com/mobplan/mobplan/runtime/supervisor"
)

// serveFlags are serve's flags (apply --serve shares them).
type serveFlags struct {
	state      string
	anyPort    bool
	proxy, hlb string
}

func (s *serveFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.state, "state", "", "the lab's state folder: CAs and runtime.json (default .mobplan/runtime beside the topology; never under artifacts)")
	cmd.Flags().BoolVar(&s.anyPort, "any-port", false, "serve every endpoint on a free port instead of trying its planned port first")
	cmd.Flags().StringVar(&s.proxy, "proxy", supervisor.Builtin, "what serves the reverse proxies: builtin, nginx (the generated proxy/nginx.conf in nginx) or haproxy (proxy/haproxy.cfg in HAProxy)")
	cmd.Flags().StringVar(&s.hlb, "hlb", supervisor.Builtin, "what serves the load balancer VIPs: builtin, or haproxy to run the generated hlb/haproxy.cfg in HAProxy")
}

func newServeCmd(env Env) *cobra.Command {
	var f pipelineFlags
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "serve [PATH | PLANFILE]",
		Short: "Serve the applied plan in a lab: split DNS, lab CAs, reverse proxy, load balancer, Autodiscover and sign-in",
		Long: `Serve runs, on this machine, the deployment exactly as the last apply wrote it: an
authoritative DNS server per view (internal, external) answering the generated zone files,
a lab public and a lab internal CA signing the generated CSRs with the planned keys, the
reverse proxy with its planned publishing rules, the load balancer VIPs, and the Front End
web services (Autodiscover, OAuth token, web ticket, user resource) of every planned server.
The Access Edge and SIP listeners accept TLS with their planned certificates but speak no
SIP. Each planned address is served on its own loopback address; runtime.json in the state
folder says what is served where, per network location, for 'mobplan trace' and clients.

It reads only the applied artifacts (every file checked against the manifest), refuses
artifacts the topology no longer plans (run apply) and artifacts applied with
--allow-errors unless --allow-errors. SIGHUP (or POST /reload on the admin endpoint)
reloads a new apply, all or nothing; SIGINT or SIGTERM stops it.

--proxy nginx|haproxy runs the generated proxy/nginx.conf or proxy/haproxy.cfg itself in
nginx or HAProxy, and --hlb haproxy the generated hlb/haproxy.cfg in HAProxy, instead of the
lab's own reverse proxy and load balancer, so the committed artifacts are what the lab
proves. Each file is rendered onto the lab through a parser of its grammar, into the state
folder (generated/): planned listen addresses become the served ones (serve binds them and
hands the sockets over), back ends their served addresses, TLS files the lab-issued
certificates with the planned keys; a directive the generator does not write is refused.
nginx -t or haproxy -c must pass before anything is served; the product runs as a child,
follows serve's reloads (nginx on SIGHUP, HAProxy's master on SIGUSR2 re-read the file on
the same sockets), and its unexpected exit stops serve with the error.

Exit status: 0 once stopped by SIGINT or SIGTERM, 1 when the plan cannot be served.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), env, topologyPath(args), cmd.Flags().Changed("artifacts") && len(args) == 0, &f, &sf)
		},
	}
	f.add(cmd, env)
	sf.add(cmd)
	cmd.Flags().BoolVar(&f.allowErrors, "allow-errors", false, "serve artifacts applied with --allow-errors (said on every response's X-Mobplan-Plan header)")
	return cmd
}

// serve checks that the artifacts are what the topology plans, then runs
// the lab until a signal stops it. With only --artifacts, the artifacts
// are served as they are (the state folder is beside them).
func serve(ctx context.Context, env Env, path string, artifactsOnly bool, f *pipelineFlags, sf *serveFlags) error {
	var dir, state string
	if artifactsOnly {
		dir = f.artifactsDir
		state = pipeline.StateDir(filepath.Dir(filepath.Clean(dir)))
	} else {
		topology := path
		sp, err := savedplan.Read(path)
		switch {
		case errors.Is(err, savedplan.ErrNotPlan):
			sp = nil
		case err != nil:
			return err
		}
		if sp != nil {
			topology = sp.TopologyPath(path)
		}
		r, err := pipeline.Run(topology, f.options(env))
		var problems *pipeline.Problems
		if sp != nil {
			if why := sp.Stale(path, version(), r, err); len(why) > 0 {
				for _, w := range why {
					fmt.Fprintf(env.Stderr, "  - %s\n", w)
				}
				return fmt.Errorf("the saved plan %s is stale; run 'mobplan plan --out' again", path)
			}
		}
		if errors.As(err, &problems) {
			return reportProblems(env, "text", problems)
		}
		if err != nil {
			return err
		}
		s := artifacts.Summarize(r.Changes)
		if s.Pending() || s.Drift > 0 || s.Unmanaged > 0 {
			return fmt.Errorf("the artifacts in %s are not what the topology plans now (%d to create, %d to update, %d to delete, %d edited by hand): run 'mobplan plan' to see why and 'mobplan apply' to write them", r.ArtifactsDir, s.Create, s.Update, s.Delete, s.Drift)
		}
		dir, state = r.ArtifactsDir, pipeline.StateDir(r.Checked.Doc.Root)
	}
	runtimeDir := sf.state
	if runtimeDir == "" {
		runtimeDir = filepath.Join(state, "runtime")
		// Beside the topology the folders come with the repository: a
		// link there must not send the lab CAs' keys elsewhere.
		if err := atomicfile.NotLinked(state, runtimeDir); err != nil {
			return err
		}
	}
	if abs, err := filepath.Abs(runtimeDir); err == nil {
		if ad, err := filepath.Abs(dir); err == nil && (abs == ad || strings.HasPrefix(abs, ad+string(filepath.Separator))) {
			return fmt.Errorf("the state folder %s is inside the artifacts %s: the lab's keys must never be committed with them", runtimeDir, dir)
		}
	}
	// The lab's live heap is small and steady, and every request makes
	// garbage: collecting at five times the live heap rather than twice
	// takes the collector's share of a request down by half or more, and
	// the memory ceiling still bounds the whole. GOGC, when set, decides.
	if !gogcGiven(env) {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	logs := newLogBuffer(env.Stderr, 50*time.Millisecond)
	defer logs.Close()
	log := slog.New(slog.NewTextHandler(logs, nil))
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := supervisor.Start(ctx, supervisor.Options{
		Bundle:     bundle.Options{ArtifactsDir: dir, StateDir: state, AllowErrors: f.allowErrors},
		RuntimeDir: runtimeDir,
		Log:        log,
		AnyPort:    sf.anyPort,
		Proxy:      sf.proxy,
		HLB:        sf.hlb,
	})
	if err != nil {
		return err
	}
	info := rt.Info()
	e := &errWriter{w: env.Stdout}
	e.printf("Serving the plan sha256:%s from %s.\n", info.PlanDigest, dir)
	if info.AllowErrors {
		e.printf("These artifacts were applied with --allow-errors: the deployment has rule errors.\n")
	}
	e.printf("  DNS: internal %s, external %s\n  admin: http://%s/status\n  runtime: %s\n  CAs: public %s, internal %s\n",
		info.DNS["internal"], info.DNS["external"], info.Admin, filepath.Join(runtimeDir, "runtime.json"), info.CAs.Public, info.CAs.Internal)
	e.printf("Trace a sign-in with 'mobplan trace USER@DOMAIN --from internal|external'. Ctrl-C stops.\n")
	if e.err != nil {
		rt.Stop()
		rt.Wait()
		return e.err
	}
	hup := hangups()
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return rt.Wait()
		case <-hup:
			if err := rt.Reload(ctx); err != nil {
				logs.flush(true)
				fmt.Fprintf(env.Stderr, "reload refused, the running plan is kept: %v\n", err)
			}
		}
	}
}
