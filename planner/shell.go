package planner

import (
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/planner/plan"
)

// planShell derives the Management Shell steps of mobility-rules.md 2.6,
// in the documented order. Titles keep the document's step numbers, so a
// step that does not apply leaves a gap (e.g. no "2." without push).
//
// Commands are single PowerShell lines. A line starting with "#" is a
// comment, one starting with "$" sets a placeholder variable, one
// starting with "Get-" only reads; every other line changes the
// deployment (the generator puts those under ShouldProcess). Creating
// commands are guarded by the matching Get- so the script can run twice.
// Strings are single-quoted (psQuote); no password is ever written:
// credentials are prompted for.
func planShell(t *model.Topology, p *plan.Plan) {
	steps := []func(*model.Topology) *plan.ShellSection{
		shWebPorts, shCertificates, shPush, shHybrid, shMobilityPolicies, shClickToJoin, shMCX, shTests,
	}
	for _, step := range steps {
		if s := step(t); s != nil && len(s.Commands) > 0 {
			p.Shell = append(p.Shell, *s)
		}
	}
}

// webServerPorts are the Set-CsWebServer parameters of a pool's ports,
// with their defaults; mcx marks the MCX ones (none on SfB 2019, VER-006).
var webServerPorts = []struct {
	param string
	get   func(model.WebPorts) int
	def   int
	mcx   bool
}{
	{"InternalHttpPort", func(w model.WebPorts) int { return w.InternalHTTP }, 80, false},
	{"InternalHttpsPort", func(w model.WebPorts) int { return w.InternalHTTPS }, 443, false},
	{"ExternalHttpPort", func(w model.WebPorts) int { return w.ExternalHTTP }, 8080, false},
	{"ExternalHttpsPort", func(w model.WebPorts) int { return w.ExternalHTTPS }, 4443, false},
	{"UcwaSipExternalListeningPort", func(w model.WebPorts) int { return w.UCWASIPExternal }, 5088, false},
	{"UcwaSipPrimaryListeningPort", func(w model.WebPorts) int { return w.UCWASIPPrimary }, 5089, false},
	{"McxSipExternalListeningPort", func(w model.WebPorts) int { return w.MCXSIPExternal }, 5086, true},
	{"McxSipPrimaryListeningPort", func(w model.WebPorts) int { return w.MCXSIPPrimary }, 5087, true},
}

// shWebPorts (step 0): show the web server ports; set them only on pools
// whose planned ports differ from the defaults.
func shWebPorts(t *model.Topology) *plan.ShellSection {
	cols := []string{"Identity", "ExternalHttpsPort", "ExternalHttpPort", "UcwaSipExternalListeningPort", "UcwaSipPrimaryListeningPort"}
	if shAnyMCX(t) {
		cols = append(cols, "McxSipExternalListeningPort", "McxSipPrimaryListeningPort")
	}
	s := &plan.ShellSection{
		Title: "0. Verify web ports (defaults: internal 80/443, external 8080/4443, UCWA SIP 5088/5089)",
		Commands: []string{
			"Get-CsService -WebServer | Select-Object " + strings.Join(cols, ","),
		},
	}
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		mcx := shHasMCX(t.PoolVersion(pool))
		var params []string
		for _, wp := range webServerPorts {
			if wp.mcx && !mcx {
				continue
			}
			if v := wp.get(pool.Ports); v != wp.def {
				params = append(params, "-"+wp.param+" "+strconv.Itoa(v))
			}
		}
		if len(params) > 0 {
			s.Commands = append(s.Commands,
				"# Pool "+n+" uses non-default web ports (PORT-007, PORT-008).",
				"Set-CsWebServer -Identity "+psQuote("WebServer:"+pool.FQDN)+" "+strings.Join(params, " "))
		}
	}
	return s
}

// shCertificates (step 1): request and assign the web services and
// Default certificates with the Autodiscover names (CERT-004; CERT-001
// for sip.<domain> with strict DNS auto-logon). The certificate wizard
// adds pool, server, web services and simple URL names itself.
func shCertificates(t *model.Topology) *plan.ShellSection {
	var servers []string
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		for _, sn := range model.SortedKeys(pool.Servers) {
			servers = append(servers, pool.Servers[sn].FQDN)
		}
	}
	names := func(prefix string) string {
		out := make([]string, len(t.SIPDomains))
		for i, d := range t.SIPDomains {
			out[i] = prefix + d
		}
		return psQuote(strings.Join(out, ","))
	}
	def := "Request-CsCertificate -New -Type Default -CA $CertificateAuthority -FriendlyName 'SfB Default'"
	if t.Mobility.StrictDNSAutologon {
		def += " -DomainName " + names("sip.")
	}
	wsi := "Request-CsCertificate -New -Type WebServicesInternal -CA $CertificateAuthority -FriendlyName 'SfB Web Services Internal'"
	wse := "Request-CsCertificate -New -Type WebServicesExternal -CA $CertificateAuthority -FriendlyName 'SfB Web Services External'"
	if t.Mobility.Enabled {
		wsi += " -DomainName " + names("lyncdiscoverinternal.")
		wse += " -DomainName " + names("lyncdiscover.")
	}
	return &plan.ShellSection{
		Title: "1. Certificates (CERT-001 .. CERT-004)",
		Commands: []string{
			"# Run on every Front End and Director server: " + strings.Join(servers, ", ") + ".",
			"# Replace the placeholders: the issuing CA, then the thumbprints of the issued certificates.",
			"$CertificateAuthority = '<CA server FQDN>\\<CA name>'",
			def, wsi, wse,
			"$DefaultThumbprint = '<thumbprint of the Default certificate>'",
			"$WebServicesInternalThumbprint = '<thumbprint of the WebServicesInternal certificate>'",
			"$WebServicesExternalThumbprint = '<thumbprint of the WebServicesExternal certificate>'",
			"Set-CsCertificate -Type Default -Thumbprint $DefaultThumbprint",
			"Set-CsCertificate -Type WebServicesInternal -Thumbprint $WebServicesInternalThumbprint",
			"Set-CsCertificate -Type WebServicesExternal -Thumbprint $WebServicesExternalThumbprint",
		},
	}
}

const (
	pushProxyFQDN  = "sipfed.online.lync.com"
	pushDomain     = "push.lync.com"
	onlineADURL    = "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root"
	defaultPushHP  = "SkypeOnline"
	pushHPVerifies = "UseSourceVerification"
)

// shPush (step 2): the hosting provider, allowed domain, push settings
// and Access Edge federation (PUSH-002, -004, -005, -006).
func shPush(t *model.Topology) *plan.ShellSection {
	m := t.Mobility
	if !m.Enabled || !m.Push.Enabled {
		return nil
	}
	s := &plan.ShellSection{Title: "2. Push notifications (Edge + Office 365 clearing house)"}
	hp, ok := shPushProvider(t)
	if !ok {
		hp = model.HostingProvider{Identity: defaultPushHP, ProxyFQDN: pushProxyFQDN, Enabled: true, VerificationLevel: pushHPVerifies}
	}
	args := "-Identity " + psQuote(hp.Identity) + " -Enabled " + psBool(hp.Enabled) +
		" -ProxyFqdn " + psQuote(hp.ProxyFQDN) + " -VerificationLevel " + hp.VerificationLevel
	if hp.SharedAddressSpace {
		args += " -EnabledSharedAddressSpace $True"
	}
	if hp.HostsOCSUsers {
		args += " -HostsOCSUsers $True"
	}
	s.Commands = append(s.Commands,
		"if (-not (Get-CsHostingProvider -Identity "+psQuote(hp.Identity)+" -ErrorAction SilentlyContinue)) { New-CsHostingProvider "+args+" }",
		"if (-not (Get-CsAllowedDomain -Identity "+psQuote(pushDomain)+" -ErrorAction SilentlyContinue)) { New-CsAllowedDomain -Identity "+psQuote(pushDomain)+" }",
		"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService "+psBool(m.Push.APNS)+
			" -EnableMicrosoftPushNotificationService "+psBool(m.Push.MPNS))
	edge := "Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True"
	if t.Federation.AccessEdge.Routing != "default-route" {
		edge += " -UseDnsSrvRouting"
	}
	s.Commands = append(s.Commands, edge)
	return s
}

// shPushProvider is the declared hosting provider that federates with
// the push clearing house, if any (the first by identity).
func shPushProvider(t *model.Topology) (model.HostingProvider, bool) {
	for _, id := range model.SortedKeys(t.Federation.HostingProviders) {
		if hp := t.Federation.HostingProviders[id]; strings.EqualFold(hp.ProxyFQDN, pushProxyFQDN) {
			return hp, true
		}
	}
	return model.HostingProvider{}, false
}

// shHybrid (step 3): let on-premises Autodiscover redirect online users
// (TOPO-005), on the Skype for Business Online provider.
func shHybrid(t *model.Topology) *plan.ShellSection {
	if !t.Hybrid.Enabled {
		return nil
	}
	s := &plan.ShellSection{Title: "3. Hybrid: let on-premises Autodiscover redirect online users"}
	for _, id := range model.SortedKeys(t.Federation.HostingProviders) {
		hp := t.Federation.HostingProviders[id]
		if !hp.SharedAddressSpace {
			continue
		}
		url := hp.AutodiscoverURL
		if url == "" {
			url = onlineADURL
		}
		s.Commands = append(s.Commands, "Set-CsHostingProvider -Identity "+psQuote(hp.Identity)+" -AutodiscoverUrl "+psQuote(url))
	}
	if len(s.Commands) == 0 {
		s.Commands = append(s.Commands,
			"# No hosting provider with a shared SIP address space is declared: name the existing Skype for Business Online provider.",
			"Set-CsHostingProvider -Identity '<existing Skype for Business Online provider>' -AutodiscoverUrl "+psQuote(onlineADURL))
	}
	return s
}

// mobilityParams are New-/Set-CsMobilityPolicy parameters in the cmdlet
// reference's order. onlineOnly: Online-only or reserved for Microsoft
// (POL-006), never set on premises; sfb2015: not on Lync Server 2013.
var mobilityParams = []struct {
	param      string
	get        func(model.MobilityPolicy) *bool
	onlineOnly bool
	sfb2015    bool
}{
	{"EnableMobility", func(m model.MobilityPolicy) *bool { return m.EnableMobility }, false, false},
	{"EnableOutsideVoice", func(m model.MobilityPolicy) *bool { return m.EnableOutsideVoice }, false, false},
	{"EnableIPAudioVideo", func(m model.MobilityPolicy) *bool { return m.EnableIPAudioVideo }, false, false},
	{"RequireWiFiForIPAudio", func(m model.MobilityPolicy) *bool { return m.RequireWifiForIPAudio }, false, false},
	{"RequireWiFiForIPVideo", func(m model.MobilityPolicy) *bool { return m.RequireWifiForIPVideo }, false, false},
	{"RequireWiFiForSharing", func(m model.MobilityPolicy) *bool { return m.RequireWifiForSharing }, false, true},
	{"AllowCustomerExperienceImprovementProgram", func(m model.MobilityPolicy) *bool { return m.AllowCustomerExperienceImprovementProgram }, false, true},
	{"AllowSaveCallLogs", func(m model.MobilityPolicy) *bool { return m.AllowSaveCallLogs }, false, true},
	{"AllowExchangeConnectivity", func(m model.MobilityPolicy) *bool { return m.AllowExchangeConnectivity }, false, true},
	{"AllowSaveIMHistory", func(m model.MobilityPolicy) *bool { return m.AllowSaveIMHistory }, false, true},
	{"AllowSaveCredentials", func(m model.MobilityPolicy) *bool { return m.AllowSaveCredentials }, false, true},
	{"EnablePushNotifications", func(m model.MobilityPolicy) *bool { return m.EnablePushNotifications }, true, false},
	{"EncryptAppData", func(m model.MobilityPolicy) *bool { return m.EncryptAppData }, true, false},
	{"AllowDeviceContactsSync", func(m model.MobilityPolicy) *bool { return m.AllowDeviceContactsSync }, true, false},
	{"RequireIntune", func(m model.MobilityPolicy) *bool { return m.RequireIntune }, true, false},
	{"AllowAutomaticPstnFallback", func(m model.MobilityPolicy) *bool { return m.AllowAutomaticPSTNFallback }, true, false},
}

// shMobilityPolicies (step 4): Set- for global and existing policies,
// New- (or Set- when it already exists) for the others (POL-005), with
// only the parameters the policy sets; then per-user grants.
func shMobilityPolicies(t *model.Topology) *plan.ShellSection {
	s := &plan.ShellSection{Title: "4. Mobility policies"}
	for _, id := range shPolicyOrder(model.SortedKeys(t.MobilityPolicies)) {
		mp := t.MobilityPolicies[id]
		args, skipped := shMobilityArgs(t, mp)
		if len(skipped) > 0 {
			s.Commands = append(s.Commands, "# "+id+": "+strings.Join(skipped, ", ")+" not set: Online-only, reserved or not in "+t.Version+" (POL-006).")
		}
		set := "Set-CsMobilityPolicy -Identity " + psQuote(id) + args
		switch {
		case id == "global" || mp.Exists:
			if args != "" {
				s.Commands = append(s.Commands, set)
			}
		case args == "":
			s.Commands = append(s.Commands, "if (-not (Get-CsMobilityPolicy -Identity "+psQuote(id)+" -ErrorAction SilentlyContinue)) { New-CsMobilityPolicy -Identity "+psQuote(id)+" }")
		default:
			s.Commands = append(s.Commands, "if (Get-CsMobilityPolicy -Identity "+psQuote(id)+" -ErrorAction SilentlyContinue) { "+set+" } else { New-CsMobilityPolicy -Identity "+psQuote(id)+args+" }")
		}
	}
	for _, u := range model.SortedKeys(t.Users) {
		if pol := t.Users[u].MobilityPolicy; shPerUser(pol) {
			s.Commands = append(s.Commands, "Grant-CsMobilityPolicy -Identity "+psQuote(shSIP(u))+" -PolicyName "+psQuote(pol))
		}
	}
	return s
}

// shMobilityArgs: " -Param value" for every parameter the policy sets,
// and the names of those left out.
func shMobilityArgs(t *model.Topology, mp model.MobilityPolicy) (string, []string) {
	var b strings.Builder
	var skipped []string
	if mp.Description != "" {
		b.WriteString(" -Description " + psQuote(mp.Description))
	}
	for _, mpp := range mobilityParams {
		v := mpp.get(mp)
		if v == nil {
			continue
		}
		if mpp.onlineOnly || mpp.sfb2015 && t.Version == "lync2013" {
			skipped = append(skipped, mpp.param)
			continue
		}
		b.WriteString(" -" + mpp.param + " " + psBool(*v))
	}
	if mp.VoiceSettings != nil {
		skipped = append(skipped, "VoiceSettings")
	}
	return b.String(), skipped
}

// shClickToJoin (step 5): PSTN usages, voice routes and voice policies
// Click to Join dials out with (POL-004), then per-user grants.
func shClickToJoin(t *model.Topology) *plan.ShellSection {
	s := &plan.ShellSection{Title: "5. Click to Join for non-Enterprise Voice users (voice policy, PSTN usage, route)"}
	for _, u := range t.PSTNUsages {
		s.Commands = append(s.Commands, "if ((Get-CsPstnUsage -Identity global).Usage -notcontains "+psQuote(u)+") { Set-CsPstnUsage -Identity global -Usage @{add="+psQuote(u)+"} }")
	}
	for _, n := range model.SortedKeys(t.VoiceRoutes) {
		r := t.VoiceRoutes[n]
		cmd := "New-CsVoiceRoute -Identity " + psQuote(n) + " -NumberPattern " + psQuote(r.NumberPattern) +
			" -PstnUsages @{add=" + psList(r.PSTNUsages) + "}"
		if len(r.Gateways) > 0 {
			cmd += " -PstnGatewayList @{add=" + psList(r.Gateways) + "}"
		}
		s.Commands = append(s.Commands, "if (-not (Get-CsVoiceRoute -Identity "+psQuote(n)+" -ErrorAction SilentlyContinue)) { "+cmd+" }")
	}
	for _, id := range shPolicyOrder(model.SortedKeys(t.VoicePolicies)) {
		vp := t.VoicePolicies[id]
		usages := ""
		if len(vp.PSTNUsages) > 0 {
			usages = " -PstnUsages @{replace=" + psList(vp.PSTNUsages) + "}"
		}
		set := "Set-CsVoicePolicy -Identity " + psQuote(id) + usages + " -AllowSimulRing " + psBool(vp.AllowSimulRing)
		if id == "global" || vp.Exists {
			s.Commands = append(s.Commands, set)
			continue
		}
		newArgs := ""
		if len(vp.PSTNUsages) > 0 {
			newArgs = " -PstnUsages @{add=" + psList(vp.PSTNUsages) + "}"
		}
		s.Commands = append(s.Commands, "if (Get-CsVoicePolicy -Identity "+psQuote(id)+" -ErrorAction SilentlyContinue) { "+set+
			" } else { New-CsVoicePolicy -Identity "+psQuote(id)+newArgs+" -AllowSimulRing "+psBool(vp.AllowSimulRing)+" }")
	}
	for _, u := range model.SortedKeys(t.Users) {
		if pol := t.Users[u].VoicePolicy; shPerUser(pol) {
			s.Commands = append(s.Commands, "Grant-CsVoicePolicy -Identity "+psQuote(shSIP(u))+" -PolicyName "+psQuote(pol))
		}
	}
	return s
}

// shMCX (step 6): MCX settings, only where a pool still has MCX (not SfB
// 2019, VER-006) and Lync 2010 Mobile clients are planned (POL-008).
func shMCX(t *model.Topology) *plan.ShellSection {
	if !t.Mobility.Clients.Lync2010Mobile || !shAnyMCX(t) {
		return nil
	}
	c := t.MCX
	cmd := "Set-CsMcxConfiguration -Identity global -ExposedWebURL " + c.ExposedWebURL +
		" -SessionExpirationInterval " + strconv.FormatInt(c.SessionExpirationInterval, 10) +
		" -SessionShortExpirationInterval " + strconv.FormatInt(c.SessionShortExpirationInterval, 10)
	if c.PushNotificationProxyURI != "" {
		cmd += " -PushNotificationProxyUri " + psQuote(c.PushNotificationProxyURI)
	}
	return &plan.ShellSection{
		Title:    "6. MCX settings (Lync 2010 Mobile clients; not on Skype for Business Server 2019)",
		Commands: []string{cmd},
	}
}

// shTests (step 7): UCWA conference against the Autodiscover target;
// push federation and MCX push through the internal Edge FQDN (the
// cmdlet references ask for the internal name); MCX P2P IM where MCX
// serves Lync 2010 Mobile. Credentials are prompted for, never written.
func shTests(t *model.Topology) *plan.ShellSection {
	s := &plan.ShellSection{Title: "7. Tests"}
	a, b, placeholders := shTestUsers(t)
	if placeholders && t.Mobility.Enabled {
		s.Commands = append(s.Commands, "# The topology has fewer than two mobile users: replace the placeholder user "+b+" (and "+a+" if needed).")
	}
	cred := func(u string) string {
		return "(Get-Credential -UserName " + psQuote(shLogon(t, u)) + " -Message " + psQuote("Password of "+u) + ")"
	}
	if ad, ok := t.AutodiscoverTarget(); ok && t.Mobility.Enabled {
		s.Commands = append(s.Commands, "Test-CsUcwaConference -TargetFqdn "+psQuote(ad.FQDN)+" -Authentication Negotiate"+
			" -OrganizerSipAddress "+psQuote(shSIP(a))+" -OrganizerCredential "+cred(a)+
			" -ParticipantSipAddress "+psQuote(shSIP(b))+" -ParticipantCredential "+cred(b)+" -Verbose")
	}
	if t.Mobility.Enabled && t.Mobility.Push.Enabled {
		for _, en := range model.SortedKeys(t.EdgePools) {
			e := t.EdgePools[en]
			s.Commands = append(s.Commands, "Test-CsFederatedPartner -TargetFqdn "+psQuote(e.InternalFQDN)+
				" -Domain "+psQuote(pushDomain)+" -ProxyFqdn "+psQuote(pushProxyFQDN))
			if shAnyMCX(t) {
				s.Commands = append(s.Commands, "Test-CsMcxPushNotification -AccessEdgeFqdn "+psQuote(e.InternalFQDN))
			}
		}
	}
	if pool, ok := shMCXPool(t); ok && t.Mobility.Enabled && t.Mobility.Clients.Lync2010Mobile {
		s.Commands = append(s.Commands, "Test-CsMcxP2PIM -TargetFqdn "+psQuote(pool.FQDN)+
			" -SenderSipAddress "+psQuote(shSIP(a))+" -SenderCredential "+cred(a)+
			" -ReceiverSipAddress "+psQuote(shSIP(b))+" -ReceiverCredential "+cred(b))
	}
	return s
}

// shTestUsers picks the first two mobile users by SIP address
// (placeholders when the topology has fewer).
func shTestUsers(t *model.Topology) (string, string, bool) {
	var us []string
	for _, u := range model.SortedKeys(t.Users) {
		if t.Users[u].UsesMobility {
			us = append(us, u)
		}
	}
	placeholders := len(us) < 2
	domain := "example.com"
	if len(t.SIPDomains) > 0 {
		domain = t.SIPDomains[0]
	}
	for i := len(us); i < 2; i++ {
		us = append(us, "user"+strconv.Itoa(i+1)+"@"+domain)
	}
	return us[0], us[1], placeholders
}

// shLogon is the user name a credential prompt proposes: the UPN, else
// the SIP address.
func shLogon(t *model.Topology, u string) string {
	if usr, ok := t.Users[u]; ok && usr.UPN != "" {
		return usr.UPN
	}
	return strings.TrimPrefix(u, "sip:")
}

// shMCXPool is the first Front End pool by name whose version has MCX.
func shMCXPool(t *model.Topology) (model.Pool, bool) {
	for _, n := range model.SortedKeys(t.Pools) {
		if pool := t.Pools[n]; pool.Kind != "director" && shHasMCX(t.PoolVersion(pool)) {
			return pool, true
		}
	}
	return model.Pool{}, false
}

func shAnyMCX(t *model.Topology) bool {
	for _, pool := range t.Pools {
		if shHasMCX(t.PoolVersion(pool)) {
			return true
		}
	}
	return false
}

// shHasMCX: MCX was removed in Skype for Business Server 2019 (VER-006).
func shHasMCX(version string) bool { return version != "sfb2019" }

// shPolicyOrder puts global first, then site policies, then the
// per-user ones, each in name order.
func shPolicyOrder(ids []string) []string {
	var global, site, user []string
	for _, id := range ids {
		switch {
		case id == "global":
			global = append(global, id)
		case strings.HasPrefix(id, "site:"):
			site = append(site, id)
		default:
			user = append(user, id)
		}
	}
	return append(append(global, site...), user...)
}

// shPerUser: a policy that can be granted to a user (not global or site).
func shPerUser(pol string) bool {
	return pol != "" && pol != "global" && !strings.HasPrefix(pol, "site:")
}

// shSIP is a user's SIP URI (sip:user@domain).
func shSIP(u string) string {
	if strings.HasPrefix(strings.ToLower(u), "sip:") {
		return u
	}
	return "sip:" + u
}

// psQuote writes s as a single-quoted PowerShell string (pwsh.Literal).
// It refuses nothing: the sfb generator checks every line whole before
// writing it (pwsh.Check), so a value no script line can carry (a line
// break) is refused there, with the section it is in.
func psQuote(s string) string { return pwsh.Literal(s) }

// psList writes a comma-separated list of quoted strings.
func psList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = psQuote(x)
	}
	return strings.Join(out, ",")
}

func psBool(v bool) string {
	if v {
		return "$True"
	}
	return "$False"
}
