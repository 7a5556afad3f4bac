package cli

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/labstate"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/trace"
)

func newTraceCmd(env Env) *cobra.Command {
	var from, trust, password, topology, state, dnsServer, messageTo string
	var live, ucwa bool
	var caFiles []string
	var timeout time.Duration
	format := newFormatFlag("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "trace SIP-ADDRESS --from internal|external",
		Short: "Walk a mobile client's sign-in against the lab (or, with --live, the real deployment)",
		Long: `Trace does what a mobile client does to sign in, step by step: resolve
lyncdiscoverinternal.<domain>, then lyncdiscover.<domain>, with the location's DNS; connect;
check the TLS certificate's names against the CAs the device trusts (--trust public: a phone
without the enterprise root; all: both lab CAs); fetch the Autodiscover Root, follow in-band
redirects, get the user resource's 401 challenge, a token (password grant), the user
resource, and check that the UCWA applications URL is reachable from the same location
(where a missing hairpin shows); with --ucwa, then create a UCWA application, make the user
available, open the event channel once and delete the application, naming the Front End that
served each step (a change of Front End is where load-balancer affinity broke); with
--message-to OTHER as well, OTHER signs in too (its lab password), leaves its application in the
background and gets a message: the trace shows the push notification the lab recorded (read
from the admin endpoint) or why the message was missed, with the rule, then OTHER returns and
answers a pushed message. Each step shows what was expected and what happened; a
failure names the rule behind it.

Exit status: 0 when every step passes, 1 when a step fails or the lab's state cannot be read.

Against the lab started by 'mobplan serve' it reads runtime.json (--state, default
.mobplan/runtime beside the topology given with --topology) and the lab passwords apply kept;
with --live it traces the real deployment with --dns SERVER (host:port) or the system
resolver and the system trust store (plus --ca-file, e.g. the enterprise CA that issued
the internal certificates): the go-live check.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from != "internal" && from != "external" {
				return fmt.Errorf("--from must be internal or external, not %q", from)
			}
			if len(caFiles) > 0 && !live {
				return fmt.Errorf("--ca-file is for --live: the lab's device trusts the lab CAs (--trust)")
			}
			if trust != "public" && trust != "all" {
				return fmt.Errorf("--trust must be public or all, not %q", trust)
			}
			sip := strings.TrimPrefix(strings.ToLower(args[0]), "sip:")
			o := trace.Options{SIP: sip, Password: password, From: from, Trust: trust, Live: live, DNSServer: dnsServer, CAFiles: caFiles, Timeout: timeout, UCWA: ucwa}
			stateDir := pipeline.StateDir(topology)
			if !live {
				dir := state
				if dir == "" {
					dir = filepath.Join(stateDir, "runtime")
				}
				rt, err := addrmap.Read(dir)
				if err != nil {
					return err
				}
				o.Runtime = rt
			}
			if messageTo != "" {
				if live || !ucwa {
					return fmt.Errorf("--message-to is for the lab with --ucwa: it reads the push records the lab's admin endpoint keeps")
				}
				o.MessageTo = strings.TrimPrefix(strings.ToLower(messageTo), "sip:")
			}
			if !live {
				if pw, err := labstate.ReadPasswords(stateDir); err == nil {
					if o.Password == "" {
						o.Password = pw.Users[sip]
					}
					o.MessageToPassword = pw.Users[o.MessageTo]
				}
			}
			if o.MessageTo != "" && o.MessageToPassword == "" {
				return fmt.Errorf("no lab password for %s: apply a topology that sets its lab_password", o.MessageTo)
			}
			if o.Password == "" {
				p, err := promptPassword(env, sip)
				if err != nil {
					return err
				}
				o.Password = p
			}
			r := trace.Run(cmd.Context(), o)
			var err error
			if format.value == "json" {
				err = writeJSON(env, r)
			} else {
				err = writeTrace(env.Stdout, r)
			}
			if err != nil {
				return err
			}
			if !r.OK {
				return exitError{ExitError}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the client's network location: internal or external (required)")
	cmd.Flags().StringVar(&trust, "trust", "all", "what the device trusts: public (the lab public CA only) or all (both lab CAs)")
	cmd.Flags().StringVar(&password, "password", "", "the user's password (default: the lab password apply kept, or a prompt on a terminal)")
	cmd.Flags().StringVar(&topology, "topology", ".", "the topology folder whose lab is traced")
	cmd.Flags().StringVar(&state, "state", "", "the lab's state folder holding runtime.json (default .mobplan/runtime beside the topology)")
	cmd.Flags().BoolVar(&live, "live", false, "trace the real deployment instead of the lab")
	cmd.Flags().BoolVar(&ucwa, "ucwa", false, "after sign-in, also create a UCWA application, make the user available and open the event channel once")
	cmd.Flags().StringVar(&messageTo, "message-to", "", "with --ucwa, sign this user in too (its lab password), leave it in the background and send it a message: "+
		"the push notification the lab recorded, or why the message was missed; then its reply")
	cmd.Flags().StringArrayVar(&caFiles, "ca-file", nil, "with --live, also trust the CA certificates in this PEM file (repeatable)")
	cmd.Flags().StringVar(&dnsServer, "dns", "", "with --live, the DNS server to ask (host:port; default the system resolver)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "bound on each network step")
	addFormatFlag(cmd, format)
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.RegisterFlagCompletionFunc("from", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"internal", "external"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// promptPassword asks on a terminal; elsewhere it is an error.
func promptPassword(env Env, sip string) (string, error) {
	if !isTerminal(env.Stdin) {
		return "", fmt.Errorf("no password for %s: give --password, or apply a topology that sets its lab_password", sip)
	}
	fmt.Fprintf(env.Stderr, "Password for %s: ", sip)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func writeTrace(w io.Writer, r *trace.Result) error {
	e := &errWriter{w: w}
	e.printf("Sign-in of %s from the %s network:\n", r.SIP, r.From)
	for _, s := range r.Steps {
		mark := "✓"
		if !s.OK {
			mark = "✗"
		}
		e.printf("  %s %s (%d ms): %s\n", mark, s.Name, s.MS, s.Got)
		if !s.OK {
			e.printf("      expected: %s\n", s.Expected)
		}
		if s.Detail != "" {
			e.printf("      %s\n", s.Detail)
		}
		if s.Rule != "" {
			e.printf("      rule %s: mobplan rules %s explains it\n", s.Rule, s.Rule)
		}
	}
	if r.OK {
		e.printf("Signed in: every step succeeded.\n")
	} else {
		e.printf("Sign-in fails.\n")
	}
	return e.err
}
