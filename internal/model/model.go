// Package model is the typed Go view of a validated topology: plain
// structs with every documented default applied (schema.Result.Model
// decodes them). The planner reads only this.
package model

import (
	"sort"
)

// Topology mirrors #Topology in schema/topology.cue.
type Topology struct {
	Version          string                    `json:"version"`
	CU               string                    `json:"cu,omitempty"`
	SIPDomains       []string                  `json:"sip_domains"`
	ADDomain         string                    `json:"ad_domain"`
	Sites            map[string]Site           `json:"sites"`
	Pools            map[string]Pool           `json:"pools"`
	EdgePools        map[string]EdgePool       `json:"edge_pools"`
	SBAs             map[string]SBA            `json:"sbas"`
	ReverseProxies   map[string]ReverseProxy   `json:"reverse_proxies"`
	LoadBalancers    map[string]LoadBalancer   `json:"load_balancers"`
	OfficeWebApps    *OfficeWebApps            `json:"office_web_apps,omitempty"`
	Mobility         Mobility                  `json:"mobility"`
	Network          Network                   `json:"network"`
	SimpleURLs       SimpleURLs                `json:"simple_urls"`
	Federation       Federation                `json:"federation"`
	Hybrid           Hybrid                    `json:"hybrid"`
	MCX              MCX                       `json:"mcx"`
	DNS              DNS                       `json:"dns"`
	Certificates     map[string]Certificate    `json:"certificates"`
	FirewallRules    map[string]FirewallRule   `json:"firewall_rules"`
	MobilityPolicies map[string]MobilityPolicy `json:"mobility_policies"`
	VoicePolicies    map[string]VoicePolicy    `json:"voice_policies"`
	PSTNUsages       []string                  `json:"pstn_usages"`
	VoiceRoutes      map[string]VoiceRoute     `json:"voice_routes"`
	Users            map[string]User           `json:"users"`
	Generators       map[string]Generator      `json:"generators"`
	NameServers      map[string]NameServer     `json:"name_servers"`
	PKI              PKI                       `json:"pki"`
	// Acknowledgements are applied by the loader (the findings they
	// acknowledge are not warnings); the planner does not read them.
	Acknowledgements map[string]Acknowledgement `json:"acknowledgements"`
}

type Site struct {
	Description string `json:"description,omitempty"`
}

type Pool struct {
	Name                  string            `json:"name"`
	Kind                  string            `json:"kind"`
	Version               string            `json:"version,omitempty"`
	CU                    string            `json:"cu,omitempty"`
	FQDN                  string            `json:"fqdn"`
	Site                  string            `json:"site"`
	SIPLB                 string            `json:"sip_lb"`
	CollocatedMediation   bool              `json:"collocated_mediation"`
	EdgePool              string            `json:"edge_pool,omitempty"`
	Autodiscover          bool              `json:"autodiscover"`
	UCWARecycleWorkaround bool              `json:"ucwa_recycle_workaround"`
	Servers               map[string]Server `json:"servers"`
	WebInternal           WebServices       `json:"web_internal"`
	WebExternal           WebServices       `json:"web_external"`
	Ports                 WebPorts          `json:"ports"`
}

type WebServices struct {
	FQDN string `json:"fqdn,omitempty"`
	VIP  string `json:"vip,omitempty"`
}

type WebPorts struct {
	InternalHTTP       int `json:"internal_http"`
	InternalHTTPS      int `json:"internal_https"`
	ExternalHTTP       int `json:"external_http"`
	ExternalHTTPS      int `json:"external_https"`
	UCWASIPExternal    int `json:"ucwa_sip_external"`
	UCWASIPPrimary     int `json:"ucwa_sip_primary"`
	MCXSIPExternal     int `json:"mcx_sip_external"`
	MCXSIPPrimary      int `json:"mcx_sip_primary"`
	SIPTLS             int `json:"sip_tls"`
	Conferencing       int `json:"conferencing"`
	WebConferencing    int `json:"web_conferencing"`
	ApplicationSharing int `json:"application_sharing"`
}

type Server struct {
	Name                   string   `json:"name"`
	FQDN                   string   `json:"fqdn"`
	IPs                    []string `json:"ips"`
	OS                     string   `json:"os"`
	OSEdition              string   `json:"os_edition"`
	ServerCore             bool     `json:"server_core"`
	IISVersion             string   `json:"iis_version,omitempty"`
	NICs                   int      `json:"nics"`
	ServicesBoundToIPs     bool     `json:"services_bound_to_ips"`
	DotnetVersion          string   `json:"dotnet_version,omitempty"`
	WindowsAdminCenterPort int      `json:"windows_admin_center_port,omitempty"`
}

type EdgePool struct {
	Name              string                `json:"name"`
	Version           string                `json:"version,omitempty"`
	InternalFQDN      string                `json:"internal_fqdn"`
	AccessFQDN        string                `json:"access_fqdn"`
	WebconfFQDN       string                `json:"webconf_fqdn"`
	AVFQDN            string                `json:"av_fqdn"`
	Site              string                `json:"site,omitempty"`
	InternalLB        string                `json:"internal_lb"`
	ExternalLB        string                `json:"external_lb"`
	NAT               bool                  `json:"nat"`
	FederationEnabled bool                  `json:"federation_enabled"`
	Servers           map[string]EdgeServer `json:"servers"`
}

type EdgeServer struct {
	Name       string `json:"name"`
	FQDN       string `json:"fqdn"`
	InternalIP string `json:"internal_ip"`
	AccessIP   string `json:"access_ip"`
	WebconfIP  string `json:"webconf_ip"`
	AVIP       string `json:"av_ip"`
}

type SBA struct {
	Name string `json:"name"`
	FQDN string `json:"fqdn"`
	IP   string `json:"ip,omitempty"`
	Site string `json:"site"`
	Pool string `json:"pool"`
}

type ReverseProxy struct {
	Name                 string                    `json:"name"`
	InternalIP           string                    `json:"internal_ip,omitempty"`
	SeparateFromFirewall bool                      `json:"separate_from_firewall"`
	Listeners            map[string]Listener       `json:"listeners"`
	Rules                map[string]PublishingRule `json:"rules"`
}

type Listener struct {
	Name        string `json:"name"`
	IP          string `json:"ip"`
	Port        int    `json:"port"`
	Certificate string `json:"certificate,omitempty"`
	TLS12       bool   `json:"tls12"`
}

type PublishingRule struct {
	Name              string   `json:"name"`
	PublicNames       []string `json:"public_names"`
	Listeners         []string `json:"listeners"`
	Path              string   `json:"path"`
	Target            string   `json:"target"`
	BackScheme        string   `json:"back_scheme"`
	BackHTTPSPort     int      `json:"back_https_port"`
	BackHTTPPort      int      `json:"back_http_port"`
	ForwardHostHeader bool     `json:"forward_host_header"`
	Auth              string   `json:"auth"`
	IdleTimeout       int      `json:"idle_timeout"`
	// Farm is set when the proxy balances the servers itself (RP-009).
	Farm *RPFarm `json:"farm,omitempty"`
}

// RPFarm is a server farm a reverse proxy balances instead of an HLB VIP.
type RPFarm struct {
	Servers     []string `json:"servers"`
	Persistence string   `json:"persistence"`
	FormsAuth   bool     `json:"forms_auth"`
}

type LoadBalancer struct {
	Name string         `json:"name"`
	DSR  bool           `json:"dsr"`
	VIPs map[string]VIP `json:"vips"`
}

type PortPair struct {
	Front int `json:"front"`
	Back  int `json:"back"`
}

type VIP struct {
	Name           string     `json:"name"`
	Pool           string     `json:"pool"`
	Role           string     `json:"role"`
	IP             string     `json:"ip"`
	Ports          []PortPair `json:"ports"`
	Persistence    string     `json:"persistence"`
	Cookie         *Cookie    `json:"cookie,omitempty"`
	IdleTimeout    int        `json:"idle_timeout"`
	PerRequestLB   bool       `json:"per_request_lb"`
	TLS12          bool       `json:"tls12"`
	MonitorPort    int        `json:"monitor_port"`
	TLSTermination bool       `json:"tls_termination"`
}

type Cookie struct {
	Name          string `json:"name"`
	HTTPOnly      bool   `json:"http_only"`
	Expires       bool   `json:"expires"`
	EveryResponse bool   `json:"every_response"`
}

type OfficeWebApps struct {
	FQDN      string `json:"fqdn"`
	IP        string `json:"ip"`
	Published bool   `json:"published"`
}

type Mobility struct {
	Enabled            bool    `json:"enabled"`
	AutodiscoverScheme string  `json:"autodiscover_scheme"`
	InternalWifi       bool    `json:"internal_wifi"`
	Clients            Clients `json:"clients"`
	StrictDNSAutologon bool    `json:"strict_dns_autologon"`
	AudioVideo         bool    `json:"audio_video"`
	Push               Push    `json:"push"`
	// DevicesTrustInternalCA: MDM installs the internal root CA on mobile
	// devices (CERT-008).
	DevicesTrustInternalCA bool `json:"devices_trust_internal_ca"`
}

type Clients struct {
	Lync2010Mobile bool `json:"lync2010_mobile"`
	IOS            bool `json:"ios"`
	Android        bool `json:"android"`
	WindowsPhone   bool `json:"windows_phone"`
}

type Push struct {
	Enabled bool `json:"enabled"`
	APNS    bool `json:"apns"`
	MPNS    bool `json:"mpns"`
}

type Network struct {
	HairpinAllowed bool     `json:"hairpin_allowed"`
	InternalRanges []string `json:"internal_ranges"`
	WifiRanges     []string `json:"wifi_ranges"`
}

type SimpleURL struct {
	Domain string `json:"domain,omitempty"`
	URL    string `json:"url"`
	Site   string `json:"site,omitempty"`
}

type SimpleURLs struct {
	Meet   []SimpleURL `json:"meet"`
	Dialin []SimpleURL `json:"dialin"`
	Admin  []SimpleURL `json:"admin"`
}

type Federation struct {
	HostingProviders map[string]HostingProvider `json:"hosting_providers"`
	AllowedDomains   []string                   `json:"allowed_domains"`
	AccessEdge       AccessEdge                 `json:"access_edge"`
}

type HostingProvider struct {
	Identity           string `json:"identity"`
	ProxyFQDN          string `json:"proxy_fqdn"`
	Enabled            bool   `json:"enabled"`
	VerificationLevel  string `json:"verification_level"`
	SharedAddressSpace bool   `json:"shared_address_space"`
	HostsOCSUsers      bool   `json:"hosts_ocs_users"`
	AutodiscoverURL    string `json:"autodiscover_url,omitempty"`
}

type AccessEdge struct {
	AllowFederatedUsers bool   `json:"allow_federated_users"`
	Routing             string `json:"routing"`
}

type Hybrid struct {
	Enabled               bool `json:"enabled"`
	SharedSIPAddressSpace bool `json:"shared_sip_address_space"`
}

type MCX struct {
	ExposedWebURL                  string `json:"exposed_web_url"`
	SessionExpirationInterval      int64  `json:"session_expiration_interval"`
	SessionShortExpirationInterval int64  `json:"session_short_expiration_interval"`
	PushNotificationProxyURI       string `json:"push_notification_proxy_uri,omitempty"`
}

type DNS struct {
	Internal map[string]Zone `json:"internal"`
	External map[string]Zone `json:"external"`
}

type Zone struct {
	View    string              `json:"view"`
	Kind    string              `json:"kind"`
	SOA     *SOA                `json:"soa,omitempty"`
	NS      []string            `json:"ns"`
	Records map[string][]Record `json:"records"`
}

type SOA struct {
	PrimaryNS  string `json:"primary_ns"`
	Hostmaster string `json:"hostmaster"`
	Refresh    int    `json:"refresh"`
	Retry      int    `json:"retry"`
	Expire     int    `json:"expire"`
	Minimum    int    `json:"minimum"`
}

type Record struct {
	Type     string   `json:"type"`
	Values   []string `json:"values"`
	TTL      *int     `json:"ttl,omitempty"`
	Priority *int     `json:"priority,omitempty"`
	Weight   *int     `json:"weight,omitempty"`
	Port     *int     `json:"port,omitempty"`
}

type Certificate struct {
	Name          string   `json:"name"`
	Usage         []string `json:"usage"`
	AssignedTo    []string `json:"assigned_to"`
	Subject       string   `json:"subject"`
	SANs          []string `json:"sans"`
	Issuer        string   `json:"issuer"`
	EKU           []string `json:"eku"`
	HasCDP        bool     `json:"has_cdp"`
	KeyBits       int      `json:"key_bits"`
	SigAlg        string   `json:"sig_alg"`
	ChainComplete bool     `json:"chain_complete"`
	File          string   `json:"file,omitempty"`
	NotAfter      string   `json:"not_after,omitempty"`
}

type FirewallRule struct {
	Name        string   `json:"name"`
	Source      []string `json:"source"`
	Destination []string `json:"destination"`
	Protocol    string   `json:"protocol"`
	Ports       []int    `json:"ports"`
	Direction   string   `json:"direction,omitempty"`
	Purpose     string   `json:"purpose,omitempty"`
}

// MobilityPolicy holds the parameters a policy sets; nil means "not set"
// (the documented default applies, see Effective).
type MobilityPolicy struct {
	Identity    string `json:"identity"`
	Description string `json:"description,omitempty"`
	Exists      bool   `json:"exists"`

	EnableMobility                            *bool   `json:"enable_mobility,omitempty"`
	EnableOutsideVoice                        *bool   `json:"enable_outside_voice,omitempty"`
	EnableIPAudioVideo                        *bool   `json:"enable_ip_audio_video,omitempty"`
	RequireWifiForIPAudio                     *bool   `json:"require_wifi_for_ip_audio,omitempty"`
	RequireWifiForIPVideo                     *bool   `json:"require_wifi_for_ip_video,omitempty"`
	RequireWifiForSharing                     *bool   `json:"require_wifi_for_sharing,omitempty"`
	AllowCustomerExperienceImprovementProgram *bool   `json:"allow_customer_experience_improvement_program,omitempty"`
	AllowSaveCallLogs                         *bool   `json:"allow_save_call_logs,omitempty"`
	AllowExchangeConnectivity                 *bool   `json:"allow_exchange_connectivity,omitempty"`
	AllowSaveIMHistory                        *bool   `json:"allow_save_im_history,omitempty"`
	AllowSaveCredentials                      *bool   `json:"allow_save_credentials,omitempty"`
	EnablePushNotifications                   *bool   `json:"enable_push_notifications,omitempty"`
	EncryptAppData                            *bool   `json:"encrypt_app_data,omitempty"`
	AllowDeviceContactsSync                   *bool   `json:"allow_device_contacts_sync,omitempty"`
	RequireIntune                             *bool   `json:"require_intune,omitempty"`
	AllowAutomaticPSTNFallback                *bool   `json:"allow_automatic_pstn_fallback,omitempty"`
	VoiceSettings                             *string `json:"voice_settings,omitempty"`
}

type VoicePolicy struct {
	Identity       string   `json:"identity"`
	Exists         bool     `json:"exists"`
	AllowSimulRing bool     `json:"allow_simul_ring"`
	PSTNUsages     []string `json:"pstn_usages"`
}

type VoiceRoute struct {
	Name          string   `json:"name"`
	NumberPattern string   `json:"number_pattern"`
	PSTNUsages    []string `json:"pstn_usages"`
	Gateways      []string `json:"gateways"`
}

type User struct {
	SIP             string `json:"sip"`
	UPN             string `json:"upn,omitempty"`
	Pool            string `json:"pool,omitempty"`
	SBA             string `json:"sba,omitempty"`
	EnterpriseVoice bool   `json:"enterprise_voice"`
	MobilityPolicy  string `json:"mobility_policy,omitempty"`
	VoicePolicy     string `json:"voice_policy,omitempty"`
	UsesMobility    bool   `json:"uses_mobility"`
	ClickToJoin     bool   `json:"click_to_join"`
	// LabPassword is a secret: never in plans, artifacts or output.
	LabPassword string `json:"lab_password,omitempty"`
	// ContactGroups is the user's contact list in the lab, by group name.
	ContactGroups map[string]ContactGroup `json:"contact_groups,omitempty"`
}

// ContactGroup is one group of a user's contact list.
type ContactGroup struct {
	Members []string `json:"members"`
}

// Acknowledgement accepts the findings of one rule (a warning or a note).
type Acknowledgement struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

type Generator struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// SortedKeys returns a map's keys in order, for deterministic iteration.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PoolVersion is a pool's effective product version.
func (t *Topology) PoolVersion(p Pool) string {
	if p.Version != "" {
		return p.Version
	}
	return t.Version
}

// WebInternalFQDN is the pool's internal web services FQDN (the pool FQDN
// unless overridden).
func (p Pool) WebInternalFQDN() string {
	if p.WebInternal.FQDN != "" {
		return p.WebInternal.FQDN
	}
	return p.FQDN
}

// EffectiveSimpleURLs is the one source of the simple URLs every part of
// the plan uses (certificates, reverse proxy, DNS): the declared ones, and
// for a kind the topology gives none of, Topology Builder's defaults —
// https://meet.<d> for every SIP domain and https://dialin.<primary>, the
// two URLs a deployment must have. The admin URL is optional and has no
// default: it appears only when declared.
func (t *Topology) EffectiveSimpleURLs() SimpleURLs {
	out := t.SimpleURLs
	if len(out.Meet) == 0 {
		for _, d := range t.SIPDomains {
			out.Meet = append(out.Meet, SimpleURL{Domain: d, URL: "https://meet." + d})
		}
	}
	if len(out.Dialin) == 0 && len(t.SIPDomains) > 0 {
		out.Dialin = []SimpleURL{{URL: "https://dialin." + t.SIPDomains[0]}}
	}
	return out
}

// AutodiscoverTarget is the pool Autodiscover records point at: the first
// Director by name if one is deployed, else the first Front End pool.
func (t *Topology) AutodiscoverTarget() (Pool, bool) {
	for _, kind := range []string{"director", ""} {
		for _, n := range SortedKeys(t.Pools) {
			p := t.Pools[n]
			if kind == "director" && p.Kind == "director" || kind == "" && p.Kind != "director" {
				return p, true
			}
		}
	}
	return Pool{}, false
}

// NameServer is a DNS server of one view.
type NameServer struct {
	FQDN string   `json:"fqdn"`
	View string   `json:"view"`
	IPs  []string `json:"ips"`
}

// PKITemplates names the template of each usage of an internal-CA
// certificate.
type PKITemplates struct {
	Default             string `json:"Default"`
	WebServicesInternal string `json:"WebServicesInternal"`
	WebServicesExternal string `json:"WebServicesExternal"`
	EdgeInternal        string `json:"EdgeInternal"`
	SBA                 string `json:"SBA"`
}

// For is the template of a usage ("" if none is set).
func (t PKITemplates) For(usage string) string {
	switch usage {
	case "Default":
		return t.Default
	case "WebServicesInternal":
		return t.WebServicesInternal
	case "WebServicesExternal":
		return t.WebServicesExternal
	case "EdgeInternal":
		return t.EdgeInternal
	case "SBA":
		return t.SBA
	}
	return ""
}

// PKI holds settings for the certificates mobplan derives.
type PKI struct {
	KeyBits int `json:"key_bits"`
	// Template is the enterprise CA template per usage of an internal
	// certificate; TemplateEKU what templates other than the two built-in
	// defaults issue.
	Template    PKITemplates        `json:"template"`
	TemplateEKU map[string][]string `json:"template_eku"`
	// SingleCertificate: one certificate per Front End and Director
	// server for Default, WebServicesInternal and WebServicesExternal.
	SingleCertificate bool `json:"single_certificate"`
}
