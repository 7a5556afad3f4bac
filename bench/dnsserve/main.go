// Command dnsserve serves one view of an applied artifacts directory
// with runtime/dnsserver, for bench/dns.sh: it reads plan.json for the
// view's zones and their kinds, parses the zone files apply wrote, and
// answers on ADDR over UDP and TCP until SIGINT or SIGTERM.
//
//	dnsserve -artifacts DIR -view internal|external -addr 127.0.0.1:5300 [-queries FILE] [-log] [-cpuprofile FILE]
//
// -queries writes a dnsperf query file for the view instead of serving:
// every owner name with each of its types, and one missing name per zone.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/dnsserver"
)

func main() {
	artifacts := flag.String("artifacts", "", "applied artifacts directory (holds plan.json and dns/)")
	view := flag.String("view", "external", "view to serve: internal or external")
	addr := flag.String("addr", "127.0.0.1:5300", "UDP and TCP address to serve on")
	queries := flag.String("queries", "", "write a dnsperf query file for the view to this path and exit")
	logQueries := flag.Bool("log", false, "log one line per query on stderr")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the serving to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dnsserve:", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := run(*artifacts, *view, *addr, *queries, *logQueries); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "dnsserve:", err)
		os.Exit(1)
	}
}

func run(artifacts, view, addr, queries string, logQueries bool) error {
	zones, err := load(artifacts, view)
	if err != nil {
		return err
	}
	if queries != "" {
		return writeQueries(queries, zones)
	}
	var log *slog.Logger
	if logQueries {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s, err := dnsserver.New(view, zones, log)
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "dnsserve: %s view, %d zones, on %s\n", view, len(zones), addr)
	return s.Serve(ctx, pc, ln)
}

// load parses the zone files of one view, as plan.json lists them.
func load(artifacts, view string) ([]dnsserver.Zone, error) {
	data, err := os.ReadFile(filepath.Join(artifacts, "plan.json"))
	if err != nil {
		return nil, err
	}
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("plan.json: %w", err)
	}
	var zones []dnsserver.Zone
	for _, pz := range p.Zones {
		if pz.View != view {
			continue
		}
		file := filepath.Join(artifacts, "dns", pz.View, pz.Name+".zone")
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		z, err := dnsserver.ParseZone(pz.Name, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		z.Kind = pz.Kind
		zones = append(zones, z)
	}
	if len(zones) == 0 {
		return nil, fmt.Errorf("no %s zones in %s", view, artifacts)
	}
	return zones, nil
}

func writeQueries(path string, zones []dnsserver.Zone) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	seen := map[string]bool{}
	for _, z := range zones {
		for _, rr := range z.Records {
			q := rr.Header().Name + " " + dns.Type(rr.Header().Rrtype).String()
			if !seen[q] {
				seen[q] = true
				fmt.Fprintln(w, q)
			}
		}
		fmt.Fprintf(w, "nothere.%s A\n", z.Name)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
