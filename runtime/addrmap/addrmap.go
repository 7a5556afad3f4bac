// Package addrmap says where each planned endpoint is served on this
// machine and which network location reaches it, and defines
// runtime.json, the file that tells clients (mobplan trace, curl, a
// phone's proxy settings) what is served where.
//
// Each planned IP gets its own loopback address in 127.0.0.0/8, assigned
// in address order, so the same plan gives the same map; an endpoint
// keeps its planned port when it can be bound, else it gets a free one.
// Names still resolve, through the lab DNS of a location, to the planned
// addresses: a client translates a planned ip:port through its
// location's map. A later lab can give each location a network namespace
// holding the planned addresses themselves; the map is then the identity.
package addrmap

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/planner/plan"
)

// FormatVersion is the version of runtime.json.
const FormatVersion = "1"

// FileName is runtime.json's name in the state folder.
const FileName = "runtime.json"

// Locations are the network locations a client can be at.
var Locations = []string{"internal", "external"}

// Runtime is runtime.json: what is served where.
type Runtime struct {
	FormatVersion string `json:"format_version"`
	PlanDigest    string `json:"plan_digest"`
	// AllowErrors: the served artifacts were applied with --allow-errors.
	AllowErrors bool `json:"allow_errors,omitempty"`
	CAs         CAs  `json:"cas"`
	// Admin is the admin endpoint's ip:port (plain HTTP on loopback).
	Admin string `json:"admin"`
	// DNS is each view's lab DNS server, ip:port (UDP and TCP).
	DNS map[string]string `json:"dns"`
	// Locations maps, per location, each planned ip:port that location
	// may reach to the ip:port serving it.
	Locations map[string]map[string]string `json:"locations"`
}

// CAs are the lab CAs' certificate files.
type CAs struct {
	Public   string `json:"public"`
	Internal string `json:"internal"`
}

// Write saves runtime.json in dir, whole (internal/atomicfile).
func (r *Runtime) Write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileName), append(b, '\n'), 0o644)
}

// Read loads runtime.json from dir.
func Read(dir string) (*Runtime, error) {
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("no lab runtime described in %s (%w): start one with 'mobplan serve'", dir, err)
	}
	var r Runtime
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FileName), err)
	}
	if r.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: format %q, this mobplan reads %q", filepath.Join(dir, FileName), r.FormatVersion, FormatVersion)
	}
	return &r, nil
}

// Served translates a planned address for a location: the served
// ip:port, or false when the location cannot reach it (as in production:
// no route, a firewall).
func (r *Runtime) Served(location, planned string) (string, bool) {
	s, ok := r.Locations[location][planned]
	return s, ok
}

// Slot is one planned endpoint with the loopback address it is served on.
type Slot struct {
	plan.RuntimeListen
	// Planned is the planned ip:port ("" IP for the DNS servers, which
	// the plan does not place).
	Planned string
	// IP is the loopback address to serve it on; Port is the planned
	// port, tried first.
	IP   string
	Port int
	// Reach lists the locations that reach the endpoint.
	Reach []string
}

// DNSAddress is the loopback address of a view's DNS server: 127.53.0.1
// internal, 127.53.0.2 external.
func DNSAddress(view string) string {
	if view == "internal" {
		return "127.53.0.1"
	}
	return "127.53.0.2"
}

// AdminAddress is the admin endpoint's loopback address.
const AdminAddress = "127.53.0.10"

// Assign gives every planned listener its loopback address and the
// locations that reach it: from outside, the public listeners of the
// reverse proxies and the Access Edge; from inside, the internal web
// services, VIPs and SIP listeners and, where the firewall allows hairpin
// or a proxy is separate from it (RP-007), that proxy's public listeners.
func Assign(p *plan.Plan) ([]Slot, error) {
	var ips []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, l := range p.Listeners {
		if l.IP == "" {
			continue
		}
		a, err := netip.ParseAddr(l.IP)
		if err != nil {
			return nil, fmt.Errorf("listener %s: planned address %q: %w", l.Name, l.IP, err)
		}
		if !seen[a] {
			seen[a] = true
			ips = append(ips, a)
		}
	}
	slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
	if len(ips) > 250*250 {
		return nil, fmt.Errorf("%d planned addresses: more than the lab maps", len(ips))
	}
	loop := map[string]string{}
	for i, a := range ips {
		loop[a.String()] = fmt.Sprintf("127.100.%d.%d", i/250, i%250+1)
	}
	hairpin := map[string]bool{} // planned ip:port of public listeners internal clients reach
	for _, rp := range p.ReverseProxies {
		if !p.HairpinAllowed && !rp.SeparateFromFirewall {
			continue
		}
		for _, l := range rp.Listeners {
			hairpin[hostPort(l.IP, l.Port)] = true
		}
	}
	var out []Slot
	for _, l := range p.Listeners {
		s := Slot{RuntimeListen: l, Port: l.Port}
		if l.IP == "" {
			s.IP = DNSAddress(l.Network)
			s.Reach = []string{l.Network}
			out = append(out, s)
			continue
		}
		a, _ := netip.ParseAddr(l.IP)
		s.Planned, s.IP = hostPort(a.String(), l.Port), loop[a.String()]
		s.Reach = []string{l.Network}
		if l.Network == "external" && hairpin[s.Planned] {
			s.Reach = append(s.Reach, "internal")
		}
		out = append(out, s)
	}
	return out, nil
}

func hostPort(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
