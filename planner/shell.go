package planner

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/planner/plan"
)

// planShell derives the Management Shell steps, in the order of the
// mobility deployment: ports, certificates, push, hybrid, policies,
// Click to Join, MCX, tests. Steps that do not apply are left out and
// the others numbered 1, 2, 3... without gaps; a per-server step (the
// certificates) is one section per server, all with the step's number
// and the server in plan.ShellSection.Server.
//
// Commands are PowerShell lines. A line starting with "#" is a comment,
// one starting with "$" sets a variable, one starting with "Get-" only
// reads; a line calling a function the script defines (sfb.Helpers)
// guards itself; every other line changes the deployment and the sfb
// generator puts it under ShouldProcess — for "if (guard) { change }"
// the change only, so -WhatIf lists what would change and nothing else.
// Creating commands are guarded by the matching read so the script can
// run again. Strings are single-quoted (psQuote); no password is ever
// written: credentials are prompted for. Every cmdlet and parameter is
// one of generators/sfb's table (cmdlets.go), checked against the
// Skype for Business Server cmdlet reference.
func planShell(t *model.Topology, p *plan.Plan) {
	steps := []func(*model.Topology, *plan.Plan) []plan.ShellSection{
		shWebPorts, shCertificates, shPush, shHybrid, shMobilityPolicies, shClickToJoin, shMCX, shTests,
	}
	n := 0
	for _, step := range steps {
		var keep []plan.ShellSection
		for _, s := range step(t, p) {
			if len(s.Commands) > 0 {
				keep = append(keep, s)
			}
		}
		if len(keep) == 0 {
			continue
		}
		n++
		for _, s := range keep {
			s.Title = strconv.Itoa(n) + ". " + s.Title
			p.Shell = append(p.Shell, s)
		}
	}
}

// one is a step of a single section (nil when it does not apply).
func one(s *plan.ShellSection) []plan.ShellSection {
	if s == nil {
		return nil
	}
	return []plan.ShellSection{*s}
}

// webServerPorts are the Set-CsWebServer parameters of a pool's ports,
// with their defaults; mcx marks the MCX ones (none on SfB 2019, VER-006).
// The internal ports are the "Primary" ones in the cmdlet reference.
var webServerPorts = []struct {
	param string
	get   func(model.WebPorts) int
	def   int
	mcx   bool
}{
	{"PrimaryHttpPort", func(w model.WebPorts) int { return w.InternalHTTP }, 80, false},
	{"PrimaryHttpsPort", func(w model.WebPorts) int { return w.InternalHTTPS }, 443, false},
	{"ExternalHttpPort", func(w model.WebPorts) int { return w.ExternalHTTP }, 8080, false},
	{"ExternalHttpsPort", func(w model.WebPorts) int { return w.ExternalHTTPS }, 4443, false},
	{"UcwaSipExternalListeningPort", func(w model.WebPorts) int { return w.UCWASIPExternal }, 5088, false},
	{"UcwaSipPrimaryListeningPort", func(w model.WebPorts) int { return w.UCWASIPPrimary }, 5089, false},
	{"McxSipExternalListeningPort", func(w model.WebPorts) int { return w.MCXSIPExternal }, 5086, true},
	{"McxSipPrimaryListeningPort", func(w model.WebPorts) int { return w.MCXSIPPrimary }, 5087, true},
}

// shWebPorts: show the web server ports; set them only on pools whose
// planned ports differ from the defaults. Set-CsWebServer is idempotent.
func shWebPorts(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	cols := []string{"Identity", "ExternalHttpsPort", "ExternalHttpPort", "UcwaSipExternalListeningPort", "UcwaSipPrimaryListeningPort"}
	if shAnyMCX(t) {
		cols = append(cols, "McxSipExternalListeningPort", "McxSipPrimaryListeningPort")
	}
	s := &plan.ShellSection{
		Title: "Verify web ports (defaults: internal 80/443, external 8080/4443, UCWA SIP 5088/5089)",
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
	return one(s)
}

// shCertUsages are the certificate usages the Front End and Director
// servers get through Request-CsCertificate and Set-CsCertificate.
var shCertUsages = []string{"Default", "WebServicesInternal", "WebServicesExternal"}

// shCertificates: one section per Front End and Director server. Each
// planned certificate of the server (planner/certs.go: its subject and
// SANs) is looked for in the server's machine store, requested from the
// CA only when none matches, and assigned only when not assigned yet —
// all done by the script's Set-PlannedCertificate (generators/sfb), so
// running the step again changes nothing. A declared certificate that
// names an issued file is never requested: it is imported by hand.
func shCertificates(t *model.Topology, p *plan.Plan) []plan.ShellSection {
	var out []plan.ShellSection
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		for _, sn := range model.SortedKeys(pool.Servers) {
			fqdn := pool.Servers[sn].FQDN
			s := plan.ShellSection{Title: "Certificates (CERT-001 .. CERT-004) on " + fqdn, Server: fqdn}
			for _, c := range p.Certificates {
				types := shCertTypes(c.Usage)
				if len(types) == 0 || !slices.ContainsFunc(c.AssignTo, func(a string) bool { return strings.EqualFold(a, fqdn) }) {
					continue
				}
				cmd := "Set-PlannedCertificate -Type " + psList(types) + " -Subject " + psQuote(c.Subject) +
					" -Names " + psList(c.SANs) + " -FriendlyName " + psQuote("SfB "+strings.Join(types, ", ")+" ("+c.Name+")")
				if c.Template != "" {
					cmd += " -Template " + psQuote(c.Template)
				}
				if c.File != "" {
					cmd += " -Imported"
				}
				s.Commands = append(s.Commands, cmd)
			}
			out = append(out, s)
		}
	}
	return out
}

// shCertTypes are the certificate's usages Set-CsCertificate assigns, in
// shCertUsages order.
func shCertTypes(usage []string) []string {
	var out []string
	for _, u := range shCertUsages {
		if slices.Contains(usage, u) {
			out = append(out, u)
		}
	}
	return out
}

const (
	pushProxyFQDN  = "sipfed.online.lync.com"
	pushDomain     = "push.lync.com"
	onlineADURL    = "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root"
	defaultPushHP  = "SkypeOnline"
	pushHPVerifies = "UseSourceVerification"
)

// shOnlineProvider reads the hosting providers that federate with
// sipfed.online.lync.com, whatever their Identity: the deployment guide
// warns against creating a second one.
const shOnlineProvider = "(Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq '" + pushProxyFQDN + "' })"

// shPush: the hosting provider, allowed domain, push settings and Access
// Edge federation (PUSH-002, -004, -005, -006).
func shPush(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	m := t.Mobility
	if !m.Enabled || !m.Push.Enabled {
		return nil
	}
	s := &plan.ShellSection{Title: "Push notifications (Edge + Office 365 clearing house)"}
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
		"# A hosting provider for "+pushProxyFQDN+" under any Identity is kept: a second one would conflict.",
		"if (-not "+shOnlineProvider+") { New-CsHostingProvider "+args+" }",
		"if (-not (Get-CsAllowedDomain -Identity "+psQuote(pushDomain)+" -ErrorAction SilentlyContinue)) { New-CsAllowedDomain -Identity "+psQuote(pushDomain)+" }",
		"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService "+psBool(m.Push.APNS)+
			" -EnableMicrosoftPushNotificationService "+psBool(m.Push.MPNS))
	edge := "Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True"
	if t.Federation.AccessEdge.Routing != "default-route" {
		// The reference requires EnablePartnerDiscovery with DNS SRV routing.
		edge += " -UseDnsSrvRouting -EnablePartnerDiscovery $True"
	}
	s.Commands = append(s.Commands, edge)
	return one(s)
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

// shHybrid: let on-premises Autodiscover redirect online users
// (TOPO-005), on the Skype for Business Online provider. That provider
// is found by its proxy FQDN, not by a declared Identity, since the one
// the deployment has may be named otherwise; when there is none the
// step stops with what to do.
func shHybrid(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	if !t.Hybrid.Enabled {
		return nil
	}
	s := &plan.ShellSection{Title: "Hybrid: let on-premises Autodiscover redirect online users"}
	online := false
	for _, id := range model.SortedKeys(t.Federation.HostingProviders) {
		hp := t.Federation.HostingProviders[id]
		if !hp.SharedAddressSpace {
			continue
		}
		url := hp.AutodiscoverURL
		if url == "" {
			url = onlineADURL
		}
		if strings.EqualFold(hp.ProxyFQDN, pushProxyFQDN) {
			if !online {
				s.Commands = append(s.Commands, shRequireOnlineProvider())
				online = true
			}
			s.Commands = append(s.Commands, "Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq '"+pushProxyFQDN+"' } | Set-CsHostingProvider -AutodiscoverUrl "+psQuote(url))
			continue
		}
		s.Commands = append(s.Commands, "Set-CsHostingProvider -Identity "+psQuote(hp.Identity)+" -AutodiscoverUrl "+psQuote(url))
	}
	if len(s.Commands) == 0 {
		s.Commands = append(s.Commands,
			"# No hosting provider with a shared SIP address space is declared: the existing Skype for Business Online provider is used.",
			shRequireOnlineProvider(),
			"Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq '"+pushProxyFQDN+"' } | Set-CsHostingProvider -AutodiscoverUrl "+psQuote(onlineADURL))
	}
	return one(s)
}

func shRequireOnlineProvider() string {
	return "if (-not " + shOnlineProvider + ") { throw 'No hosting provider has ProxyFqdn " + pushProxyFQDN + ": configure the Skype for Business Online hybrid provider first.' }"
}

// mobilityParams are New-/Set-CsMobilityPolicy parameters in the cmdlet
// reference's order and spelling. onlineOnly: Online-only or reserved
// for Microsoft (POL-006), never set on premises; sfb2015: not on Lync
// Server 2013; lync2013: RequireWIFIForIPAudio is in the Lync Server
// 2013 reference of both cmdlets but in neither syntax of the Skype for
// Business Server reference (generators/sfb/CMDLETS.md), so it is set on
// Lync Server 2013 only.
var mobilityParams = []struct {
	param      string
	get        func(model.MobilityPolicy) *bool
	onlineOnly bool
	sfb2015    bool
	lync2013   bool
}{
	{"EnableMobility", func(m model.MobilityPolicy) *bool { return m.EnableMobility }, false, false, false},
	{"EnableOutsideVoice", func(m model.MobilityPolicy) *bool { return m.EnableOutsideVoice }, false, false, false},
	{"EnableIPAudioVideo", func(m model.MobilityPolicy) *bool { return m.EnableIPAudioVideo }, false, false, false},
	{"RequireWIFIForIPAudio", func(m model.MobilityPolicy) *bool { return m.RequireWifiForIPAudio }, false, false, true},
	{"RequireWIFIForIPVideo", func(m model.MobilityPolicy) *bool { return m.RequireWifiForIPVideo }, false, false, false},
	{"RequireWiFiForSharing", func(m model.MobilityPolicy) *bool { return m.RequireWifiForSharing }, false, true, false},
	{"AllowCustomerExperienceImprovementProgram", func(m model.MobilityPolicy) *bool { return m.AllowCustomerExperienceImprovementProgram }, false, true, false},
	{"AllowSaveCallLogs", func(m model.MobilityPolicy) *bool { return m.AllowSaveCallLogs }, false, true, false},
	{"AllowExchangeConnectivity", func(m model.MobilityPolicy) *bool { return m.AllowExchangeConnectivity }, false, true, false},
	{"AllowSaveIMHistory", func(m model.MobilityPolicy) *bool { return m.AllowSaveIMHistory }, false, true, false},
	{"AllowSaveCredentials", func(m model.MobilityPolicy) *bool { return m.AllowSaveCredentials }, false, true, false},
	{"EnablePushNotifications", func(m model.MobilityPolicy) *bool { return m.EnablePushNotifications }, true, false, false},
	{"EncryptAppData", func(m model.MobilityPolicy) *bool { return m.EncryptAppData }, true, false, false},
	{"AllowDeviceContactsSync", func(m model.MobilityPolicy) *bool { return m.AllowDeviceContactsSync }, true, false, false},
	{"RequireIntune", func(m model.MobilityPolicy) *bool { return m.RequireIntune }, true, false, false},
	{"AllowAutomaticPstnFallback", func(m model.MobilityPolicy) *bool { return m.AllowAutomaticPSTNFallback }, true, false, false},
}

// shMobilityPolicies: Set- for the global policy (which every
// deployment has from installation, whatever the topology says of it)
// and for existing ones, New- (or Set- when it already exists) for the
// others (POL-005), with only the parameters the policy sets; then
// per-user grants.
func shMobilityPolicies(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	s := &plan.ShellSection{Title: "Mobility policies"}
	for _, id := range shPolicyOrder(model.SortedKeys(t.MobilityPolicies)) {
		mp := t.MobilityPolicies[id]
		args, skipped, absent := shMobilityArgs(t, mp)
		if len(skipped) > 0 {
			s.Commands = append(s.Commands, "# "+id+": "+strings.Join(skipped, ", ")+" not set: Online-only, reserved or not in "+t.Version+" (POL-006).")
		}
		if len(absent) > 0 {
			s.Commands = append(s.Commands, "# "+id+": "+strings.Join(absent, ", ")+" not set: not a parameter of the "+t.Version+" mobility policy cmdlets.")
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
	return one(s)
}

// shMobilityArgs: " -Param value" for every parameter the policy sets;
// the names left out because they are Online-only, reserved or newer
// than the version (POL-006); and those left out because the version's
// cmdlets do not have them.
func shMobilityArgs(t *model.Topology, mp model.MobilityPolicy) (string, []string, []string) {
	var b strings.Builder
	var skipped, absent []string
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
		if mpp.lync2013 && t.Version != "lync2013" {
			absent = append(absent, mpp.param)
			continue
		}
		b.WriteString(" -" + mpp.param + " " + psBool(*v))
	}
	if mp.VoiceSettings != nil {
		skipped = append(skipped, "VoiceSettings")
	}
	return b.String(), skipped, absent
}

// shClickToJoin: PSTN usages, voice routes and voice policies
// Click to Join dials out with (POL-004), then per-user grants.
func shClickToJoin(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	s := &plan.ShellSection{Title: "Click to Join for non-Enterprise Voice users (voice policy, PSTN usage, route)"}
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
	return one(s)
}

// shMCX: MCX settings, only where a pool still has MCX (not SfB
// 2019, VER-006) and Lync 2010 Mobile clients are planned (POL-008).
func shMCX(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
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
	return one(&plan.ShellSection{
		Title:    "MCX settings (Lync 2010 Mobile clients; not on Skype for Business Server 2019)",
		Commands: []string{cmd},
	})
}

// shTests: a UCWA conference on the organizer's Front End pool (the
// deployment guide tests the users' pool, not the Director); push
// federation and MCX push through the internal Edge FQDN (the cmdlet
// references ask for the internal name); MCX P2P IM where MCX serves
// Lync 2010 Mobile. The users are the topology's first two mobile users:
// with fewer, the tests that need two are left out, said so in a
// comment, rather than run against made-up accounts. Credentials are
// prompted for, never written.
func shTests(t *model.Topology, _ *plan.Plan) []plan.ShellSection {
	s := &plan.ShellSection{Title: "Tests"}
	a, b, ok := shTestUsers(t)
	if !ok && t.Mobility.Enabled {
		s.Commands = append(s.Commands, "# The topology names fewer than two mobile users (uses_mobility): declare two to test a UCWA conference and MCX P2P IM here.")
	}
	cred := func(u string) string {
		return "(Get-Credential -UserName " + psQuote(shLogon(t, u)) + " -Message " + psQuote("Password of "+u) + ")"
	}
	if pool, found := shUserPool(t, a); ok && found && t.Mobility.Enabled {
		s.Commands = append(s.Commands, "Test-CsUcwaConference -TargetFqdn "+psQuote(pool.FQDN)+" -Authentication Negotiate"+
			" -OrganizerSipAddress "+psQuote(shSIP(a))+" -OrganizerCredential "+cred(a)+
			" -ParticipantSipAddress "+psQuote(shSIP(b))+" -ParticipantCredential "+cred(b)+" -Verbose")
	}
	if t.Mobility.Enabled && t.Mobility.Push.Enabled {
		for _, en := range model.SortedKeys(t.EdgePools) {
			e := t.EdgePools[en]
			s.Commands = append(s.Commands, "Test-CsFederatedPartner -TargetFqdn "+psQuote(e.InternalFQDN)+
				" -Domain "+psQuote(pushDomain)+" -ProxyFqdn "+psQuote(pushProxyFQDN))
			if shAnyMCX(t) && shHasMCX(t.Version) {
				s.Commands = append(s.Commands, "Test-CsMcxPushNotification -AccessEdgeFqdn "+psQuote(e.InternalFQDN))
			}
		}
	}
	// The MCX test cmdlets are not in the Skype for Business Server 2019
	// Management Shell, even when an older pool still serves MCX.
	if pool, found := shMCXPool(t, a); ok && found && t.Mobility.Enabled && t.Mobility.Clients.Lync2010Mobile && shHasMCX(t.Version) {
		s.Commands = append(s.Commands, "Test-CsMcxP2PIM -TargetFqdn "+psQuote(pool.FQDN)+" -Authentication Negotiate"+
			" -SenderSipAddress "+psQuote(shSIP(a))+" -SenderCredential "+cred(a)+
			" -ReceiverSipAddress "+psQuote(shSIP(b))+" -ReceiverCredential "+cred(b))
	}
	return one(s)
}

// shTestUsers picks the first two mobile users by SIP address; ok is
// false when the topology has fewer.
func shTestUsers(t *model.Topology) (string, string, bool) {
	var us []string
	for _, u := range model.SortedKeys(t.Users) {
		if t.Users[u].UsesMobility {
			us = append(us, u)
		}
	}
	if len(us) < 2 {
		return "", "", false
	}
	return us[0], us[1], true
}

// shUserPool is the user's home Front End pool, else the first Front
// End pool by name.
func shUserPool(t *model.Topology, u string) (model.Pool, bool) {
	if usr, ok := t.Users[u]; ok {
		if pool, ok := t.Pools[usr.Pool]; ok && pool.Kind != "director" {
			return pool, true
		}
	}
	for _, n := range model.SortedKeys(t.Pools) {
		if pool := t.Pools[n]; pool.Kind != "director" {
			return pool, true
		}
	}
	return model.Pool{}, false
}

// shLogon is the user name a credential prompt proposes: the UPN, else
// the SIP address.
func shLogon(t *model.Topology, u string) string {
	if usr, ok := t.Users[u]; ok && usr.UPN != "" {
		return usr.UPN
	}
	return strings.TrimPrefix(u, "sip:")
}

// shMCXPool is the user's home Front End pool when its version has MCX,
// else the first such pool by name.
func shMCXPool(t *model.Topology, u string) (model.Pool, bool) {
	if pool, ok := shUserPool(t, u); ok && shHasMCX(t.PoolVersion(pool)) {
		if usr, home := t.Users[u]; home && usr.Pool != "" && t.Pools[usr.Pool].FQDN == pool.FQDN {
			return pool, true
		}
	}
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
	var b strings.Builder
	n := len(xs)
	for _, x := range xs {
		n += len(x) + 2
	}
	b.Grow(n)
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		pwsh.WriteLiteral(&b, x)
	}
	return b.String()
}

func psBool(v bool) string {
	if v {
		return "$True"
	}
	return "$False"
}
