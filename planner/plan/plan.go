// Package plan is the plan as data: everything the generators and the lab
// runtime need, derived from a validated topology by package planner. It
// imports only the standard library, so whatever reads a plan (generators,
// the runtime, a saved plan) depends on no front-end, schema or model.
package plan

import (
	"slices"
	"strings"
)

// FormatVersion is the version of the Plan's JSON form.
const FormatVersion = "1"

// Plan is everything the generators need. No field holds a secret.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// Product is the deployment's version: lync2013, sfb2015, sfb2019.
	Product    string   `json:"product"`
	SIPDomains []string `json:"sip_domains"`
	ADDomain   string   `json:"ad_domain"`

	Zones          []Zone          `json:"zones"`
	Certificates   []Certificate   `json:"certificates"`
	ReverseProxies []ReverseProxy  `json:"reverse_proxies"`
	VIPs           []VIP           `json:"vips"`
	Firewall       []FirewallRule  `json:"firewall"`
	Shell          []ShellSection  `json:"shell"`
	Roles          []Role          `json:"roles"`
	FallbackURLs   []FallbackURL   `json:"fallback_urls"`
	Listeners      []RuntimeListen `json:"listeners"`
	// HairpinAllowed: the firewall lets internal clients reach the
	// public addresses (RP-007).
	HairpinAllowed bool `json:"hairpin_allowed"`
	// Directory is what the lab runtime serves about users and pools.
	Directory Directory `json:"directory"`
	// Mobility and Edges are the settings the go-live runbook and the
	// diagrams describe (clients, push, media, the Edge's interfaces).
	Mobility Mobility   `json:"mobility"`
	Edges    []EdgePool `json:"edges"`
	// Findings are the validation's non-blocking findings (and, with
	// --allow-errors, its errors), for the report: the pipeline fills
	// them, the planner does not see them.
	Findings []Finding `json:"findings,omitempty"`
}

// Mobility is the topology's mobility block as the runbook needs it.
type Mobility struct {
	Enabled bool `json:"enabled"`
	// AutodiscoverScheme: https | http.
	AutodiscoverScheme string `json:"autodiscover_scheme"`
	InternalWifi       bool   `json:"internal_wifi"`
	AudioVideo         bool   `json:"audio_video"`
	Push               bool   `json:"push"`
	APNS               bool   `json:"apns"`
	MPNS               bool   `json:"mpns"`
	// PushProxyFQDN is the push clearing house the Edge federates with.
	PushProxyFQDN  string `json:"push_proxy_fqdn,omitempty"`
	IOS            bool   `json:"ios"`
	Android        bool   `json:"android"`
	WindowsPhone   bool   `json:"windows_phone"`
	Lync2010Mobile bool   `json:"lync2010_mobile"`
	// DevicesTrustInternalCA: MDM installs the internal root CA.
	DevicesTrustInternalCA bool `json:"devices_trust_internal_ca"`
	// AutodiscoverPool is the pool (or Director) Autodiscover answers
	// from (Pool.Name), "" when there is none.
	AutodiscoverPool string `json:"autodiscover_pool,omitempty"`
}

// EdgePool is one Edge pool with its interfaces' names and addresses.
type EdgePool struct {
	Name              string       `json:"name"`
	InternalFQDN      string       `json:"internal_fqdn"`
	AccessFQDN        string       `json:"access_fqdn"`
	WebconfFQDN       string       `json:"webconf_fqdn"`
	AVFQDN            string       `json:"av_fqdn"`
	Site              string       `json:"site,omitempty"`
	FederationEnabled bool         `json:"federation_enabled"`
	Servers           []EdgeServer `json:"servers"` // sorted by name
}

// EdgeServer is one Edge server's interfaces.
type EdgeServer struct {
	Name       string `json:"name"`
	FQDN       string `json:"fqdn"`
	InternalIP string `json:"internal_ip"`
	AccessIP   string `json:"access_ip"`
	WebconfIP  string `json:"webconf_ip"`
	AVIP       string `json:"av_ip"`
}

// Finding is one validation finding as the report lists it.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"` // error | warning | info
	Message  string `json:"message"`
	// Acknowledged: the organisation accepted the finding in the
	// topology, with Reason.
	Acknowledged bool   `json:"acknowledged,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// Zone is one DNS zone in one view. Records are sorted by name, type,
// value; the SOA serial is not part of the plan (the DNS generator keeps
// it, bumping it only when the zone's content changes).
type Zone struct {
	View string `json:"view"` // internal | external
	Name string `json:"name"`
	// Kind: "split-brain" (a full internal copy of a public zone),
	// "pin-point" (an internal zone for one name), or "authoritative"
	// (the AD zone, or a public zone).
	Kind     string   `json:"kind"`
	Declared bool     `json:"declared"` // the topology declared it
	SOA      SOA      `json:"soa"`
	NS       []string `json:"ns"`
	Records  []Record `json:"records"`
}

// SOA holds the fields of a zone's SOA record other than the serial.
type SOA struct {
	PrimaryNS  string `json:"primary_ns"`
	Hostmaster string `json:"hostmaster"`
	Refresh    int    `json:"refresh"`
	Retry      int    `json:"retry"`
	Expire     int    `json:"expire"`
	Minimum    int    `json:"minimum"`
}

// Record is one resource record. Name is relative to the zone ("@" for
// the apex); Value is an address, or a target FQDN for CNAME and SRV.
type Record struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // A, AAAA, CNAME, SRV
	Value    string `json:"value"`
	TTL      int    `json:"ttl"`
	Priority int    `json:"priority,omitempty"`
	Weight   int    `json:"weight,omitempty"`
	Port     int    `json:"port,omitempty"`
	// Why names the rule (e.g. DNS-001) or purpose the record serves.
	Why string `json:"why"`
}

// Certificate is one certificate to request.
type Certificate struct {
	// Name is the file stem under certs/ (e.g. "fe01-webservicesexternal").
	Name string `json:"name"`
	// Usage: Default, WebServicesInternal, WebServicesExternal,
	// RPListener, EdgeExternal, EdgeInternal, SBA.
	Usage []string `json:"usage"`
	// AssignTo: the servers (FQDNs) or the reverse proxy/Edge it goes on.
	AssignTo []string `json:"assign_to"`
	Subject  string   `json:"subject"`
	// SANs in request order: subject first, then sorted.
	SANs     []string `json:"sans"`
	Issuer   string   `json:"issuer"` // public | internal
	KeyType  string   `json:"key_type"`
	KeyBits  int      `json:"key_bits"`
	EKU      []string `json:"eku"`
	Declared bool     `json:"declared"`
	// File is the existing PEM a declared certificate names: it has been
	// issued already, so no request is generated for it.
	File string `json:"file,omitempty"`
	Why  string `json:"why"`
}

// ReverseProxy is one reverse proxy with its publishing rules.
type ReverseProxy struct {
	Name       string `json:"name"`
	InternalIP string `json:"internal_ip,omitempty"`
	// SeparateFromFirewall: internal clients reach the public listeners
	// through the proxy itself, without hairpin on the firewall (RP-007).
	SeparateFromFirewall bool       `json:"separate_from_firewall"`
	Listeners            []Listener `json:"listeners"`
	Rules                []PubRule  `json:"rules"`
}

// Listener is a public listener of a reverse proxy.
type Listener struct {
	Name        string `json:"name"`
	IP          string `json:"ip"`
	Port        int    `json:"port"`
	TLS         bool   `json:"tls"`
	Certificate string `json:"certificate,omitempty"` // Certificate.Name
}

// PubRule is one publishing rule: host-based, path /*.
type PubRule struct {
	Name        string   `json:"name"`
	PublicNames []string `json:"public_names"`
	// FrontPort -> BackPort on Target (443 -> 4443 TLS, 80 -> 8080).
	Bridges           []Bridge `json:"bridges"`
	Target            string   `json:"target"`
	ForwardHostHeader bool     `json:"forward_host_header"`
	IdleTimeout       int      `json:"idle_timeout"`
	Why               string   `json:"why"`
}

// Bridge maps a listener port to a back-end port and scheme.
type Bridge struct {
	FrontPort  int    `json:"front_port"`
	BackPort   int    `json:"back_port"`
	BackScheme string `json:"back_scheme"` // https | http
}

// VIP is one load balancer virtual IP.
type VIP struct {
	Name         string     `json:"name"`
	Pool         string     `json:"pool"`
	Role         string     `json:"role"` // web-internal | web-external
	IP           string     `json:"ip"`
	Ports        []PortPair `json:"ports"`
	Backends     []Backend  `json:"backends"`
	Persistence  string     `json:"persistence"` // source | cookie | none
	CookieName   string     `json:"cookie_name,omitempty"`
	IdleTimeout  int        `json:"idle_timeout"`
	MonitorPort  int        `json:"monitor_port"`
	PerRequestLB bool       `json:"per_request_lb"`
	Declared     bool       `json:"declared"`
}

// PortPair is a front (VIP) port and the node port it is sent to.
type PortPair struct {
	Front int `json:"front"`
	Back  int `json:"back"`
}

// Backend is one server behind a VIP.
type Backend struct {
	Name string `json:"name"`
	IP   string `json:"ip"`
}

// FirewallRule is one rule of the firewall report.
type FirewallRule struct {
	ID          string `json:"id"` // F1, F2, ...
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Protocol    string `json:"protocol"` // TCP, UDP, TCP/UDP
	Ports       string `json:"ports"`    // "443", "5088, 5089"
	Direction   string `json:"direction"`
	Purpose     string `json:"purpose"`
	Why         string `json:"why"`
}

// ShellSection is one numbered step of the Management Shell script
// ("3. Mobility policies"), or the part of a per-server step for one
// server: those sections share the step's number.
type ShellSection struct {
	Title string `json:"title"`
	// Server: the server (FQDN) the section runs on, for a per-server
	// step; empty for a step that runs once per deployment.
	Server string `json:"server,omitempty"`
	// Commands are PowerShell lines, already idempotent (Get- before
	// New-/Set-) where the cmdlet allows it.
	Commands []string `json:"commands"`
}

// Role is one line of the administrator report's summary.
type Role struct {
	Role    string   `json:"role"`
	Name    string   `json:"name"`
	FQDN    string   `json:"fqdn"`
	IPs     []string `json:"ips"`
	Network string   `json:"network"` // internal | perimeter | external
	Site    string   `json:"site,omitempty"`
}

// FallbackURL is a manual Autodiscover URL for the helpdesk.
type FallbackURL struct {
	Scope string `json:"scope"` // internal | external
	URL   string `json:"url"`
}

// RuntimeListen is one planned endpoint the lab runtime serves.
type RuntimeListen struct {
	Name    string `json:"name"`
	Network string `json:"network"` // internal | external
	IP      string `json:"ip"`
	Port    int    `json:"port"`
	// Serves: dns | reverse-proxy | vip | web-internal | web-external |
	// edge-access | sip.
	Serves string `json:"serves"`
	// Certificate names the planned certificate a TLS listener presents
	// (Certificate.Name); "" for plain HTTP and DNS.
	Certificate string `json:"certificate,omitempty"`
	// Host is the FQDN of the server or Edge behind a web, SIP or Edge
	// listener.
	Host string `json:"host,omitempty"`
}

// Certificate usages, as in the rule catalogue and Set-CsCertificate -Type.
const (
	UsageDefault             = "Default"
	UsageWebServicesInternal = "WebServicesInternal"
	UsageWebServicesExternal = "WebServicesExternal"
	UsageRPListener          = "RPListener"
	UsageEdgeExternal        = "EdgeExternal"
	UsageEdgeInternal        = "EdgeInternal"
	UsageSBA                 = "SBA"
)

// Extended key usages, in the topology's vocabulary.
const (
	EKUServerAuth = "server-auth"
	EKUClientAuth = "client-auth"
)

// Existing reports whether the certificate is declared with a file: it
// has been issued already and needs no request.
func (c Certificate) Existing() bool { return c.Declared && c.File != "" }

// CertificateFor returns the planned certificate of a usage on a target:
// a server FQDN (Default, WebServicesInternal, WebServicesExternal,
// EdgeExternal, EdgeInternal, SBA) or a reverse proxy name (RPListener).
func (p *Plan) CertificateFor(usage, target string) (Certificate, bool) {
	for _, c := range p.Certificates {
		if slices.Contains(c.Usage, usage) && hasFold(c.AssignTo, target) {
			return c, true
		}
	}
	return Certificate{}, false
}

// DNS defaults the generators share with the planner.
const (
	// DNSDefaultTTL is the TTL of records and zones that declare none.
	DNSDefaultTTL = 3600
	// DNSPlaceholderNS stands in for a default name server that lies inside
	// its own zone: the topology gives no name server addresses, and a zone
	// whose in-zone NS has no address record does not load (BIND).
	DNSPlaceholderNS = "localhost"
)

// Zone kinds (Zone.Kind).
const (
	ZoneAuthoritative = "authoritative"
	ZoneSplitBrain    = "split-brain"
	ZonePinPoint      = "pin-point"
)

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
