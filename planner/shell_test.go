package planner

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/sfb"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// shPlan is the plan's shell steps (certificates planned first, as New
// does: the certificate step requests what they hold).
func shPlan(m *model.Topology) []plan.ShellSection {
	p := &plan.Plan{}
	planCertificates(m, p)
	planShell(m, p)
	return p.Shell
}

func shTitles(ss []plan.ShellSection) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title[:strings.Index(s.Title, ".")])
	}
	return out
}

// shAll is every command of the script, one per line.
func shAll(ss []plan.ShellSection) string {
	var b strings.Builder
	for _, s := range ss {
		for _, c := range s.Commands {
			b.WriteString(c + "\n")
		}
	}
	return b.String()
}

// shSection is the commands of the first section whose title (after its
// number) starts with name.
func shSection(t *testing.T, ss []plan.ShellSection, name string) []string {
	t.Helper()
	for _, s := range ss {
		if _, title, _ := strings.Cut(s.Title, ". "); strings.HasPrefix(title, name) {
			return s.Commands
		}
	}
	t.Fatalf("no section %s in %v", name, shTitles(ss))
	return nil
}

func shHas(t *testing.T, cmds []string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, c := range cmds {
			if c == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing command\n  %s\nin\n  %s", w, strings.Join(cmds, "\n  "))
		}
	}
}

// Contoso (SfB 2019, push, no hybrid, no Lync 2010 Mobile): ports,
// certificates on each of the three Front Ends, push, policies, Click to
// Join and tests, numbered 1..6 without gaps.
func TestShellContoso(t *testing.T) {
	ss := shPlan(fwModel(t, "contoso"))
	if got, want := shTitles(ss), []string{"1", "2", "2", "2", "3", "4", "5", "6"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sections %v, want %v", got, want)
	}
	var servers []string
	for _, s := range ss {
		if s.Server != "" {
			servers = append(servers, s.Server)
		}
	}
	if want := []string{"fe01.contoso.net", "fe02.contoso.net", "fe03.contoso.net"}; !reflect.DeepEqual(servers, want) {
		t.Errorf("per-server sections for %v, want %v", servers, want)
	}
	shHas(t, shSection(t, ss, "Verify web ports"),
		"Get-CsService -WebServer | Select-Object Identity,ExternalHttpsPort,ExternalHttpPort,UcwaSipExternalListeningPort,UcwaSipPrimaryListeningPort")
	if len(shSection(t, ss, "Verify web ports")) != 1 {
		t.Errorf("default ports need no Set-CsWebServer: %v", shSection(t, ss, "Verify web ports"))
	}
	shHas(t, shSection(t, ss, "Certificates"),
		"Set-PlannedCertificate -Type 'Default' -Subject 'pool01.contoso.net' -Names 'pool01.contoso.net','fe01.contoso.net' -FriendlyName 'SfB Default (fe01-default)' -Template 'WebServerClientAuth'",
		"Set-PlannedCertificate -Type 'WebServicesExternal' -Subject 'pool01.contoso.net' -Names 'pool01.contoso.net','dialin.contoso.com','lyncdiscover.contoso.com','lyncdiscover.fabrikam.com','meet.contoso.com','meet.fabrikam.com','webext.contoso.com' -FriendlyName 'SfB WebServicesExternal (fe01-webservicesexternal)' -Template 'WebServer'",
	)
	shHas(t, shSection(t, ss, "Push"),
		"if (-not (Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'sipfed.online.lync.com' })) { New-CsHostingProvider -Identity 'SkypeOnline' -Enabled $True -ProxyFqdn 'sipfed.online.lync.com' -VerificationLevel UseSourceVerification }",
		"if (-not (Get-CsAllowedDomain -Identity 'push.lync.com' -ErrorAction SilentlyContinue)) { New-CsAllowedDomain -Identity 'push.lync.com' }",
		"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService $True -EnableMicrosoftPushNotificationService $True",
		"Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True -UseDnsSrvRouting -EnablePartnerDiscovery $True",
	)
	shHas(t, shSection(t, ss, "Mobility policies"),
		"Set-CsMobilityPolicy -Identity 'global' -EnableMobility $True -EnableOutsideVoice $True",
		"if (Get-CsMobilityPolicy -Identity 'site:Redmond' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'site:Redmond' -EnableIPAudioVideo $True -RequireWIFIForIPVideo $True } else { New-CsMobilityPolicy -Identity 'site:Redmond' -EnableIPAudioVideo $True -RequireWIFIForIPVideo $True }",
		"Grant-CsMobilityPolicy -Identity 'sip:bob@fabrikam.com' -PolicyName 'NoCallViaWork'",
		"Grant-CsMobilityPolicy -Identity 'sip:carol@contoso.com' -PolicyName 'NoMobility'",
	)
	if c := shSection(t, ss, "Mobility policies")[0]; !strings.HasPrefix(c, "Set-CsMobilityPolicy -Identity 'global'") {
		t.Errorf("global policy first, got %s", c)
	}
	shHas(t, shSection(t, ss, "Click to Join"),
		"if ((Get-CsPstnUsage -Identity global).Usage -notcontains 'ConfDialOut') { Set-CsPstnUsage -Identity global -Usage @{add='ConfDialOut'} }",
		`if (-not (Get-CsVoiceRoute -Identity 'ConfDialOut-Route' -ErrorAction SilentlyContinue)) { New-CsVoiceRoute -Identity 'ConfDialOut-Route' -NumberPattern '^\+1\d{10}$' -PstnUsages @{add='ConfDialOut'} -PstnGatewayList @{add='PstnGateway:gw01.contoso.net'} }`,
		"if (Get-CsVoicePolicy -Identity 'MobileClickToJoin' -ErrorAction SilentlyContinue) { Set-CsVoicePolicy -Identity 'MobileClickToJoin' -PstnUsages @{replace='ConfDialOut'} -AllowSimulRing $True } else { New-CsVoicePolicy -Identity 'MobileClickToJoin' -PstnUsages @{add='ConfDialOut'} -AllowSimulRing $True }",
		"Grant-CsVoicePolicy -Identity 'sip:alice@contoso.com' -PolicyName 'MobileClickToJoin'",
		"Grant-CsVoicePolicy -Identity 'sip:bob@fabrikam.com' -PolicyName 'MobileClickToJoin'",
	)
	shHas(t, shSection(t, ss, "Tests"),
		"Test-CsUcwaConference -TargetFqdn 'pool01.contoso.net' -Authentication Negotiate -OrganizerSipAddress 'sip:alice@contoso.com' -OrganizerCredential (Get-Credential -UserName 'alice@contoso.com' -Message 'Password of alice@contoso.com') -ParticipantSipAddress 'sip:bob@fabrikam.com' -ParticipantCredential (Get-Credential -UserName 'bob@fabrikam.com' -Message 'Password of bob@fabrikam.com') -Verbose",
		"Test-CsFederatedPartner -TargetFqdn 'edgepool.contoso.net' -Domain 'push.lync.com' -ProxyFqdn 'sipfed.online.lync.com'",
	)
	// SfB 2019 has no MCX (VER-006).
	all := shAll(ss)
	for _, no := range []string{"Mcx", "5086", "5087", "Test-CsMcxP2PIM", "Test-CsMcxPushNotification"} {
		if strings.Contains(all, no) {
			t.Errorf("SfB 2019 script mentions %s", no)
		}
	}
}

// Multisite (SfB 2015 + Lync 2013, Lync 2010 Mobile, hybrid, no push):
// hybrid and MCX steps, MCX columns and tests; no push step. The UCWA
// test targets the organizer's Front End pool, not the Director.
func TestShellMultisite(t *testing.T) {
	ss := shPlan(fwModel(t, "multisite"))
	var nums []string
	for _, n := range shTitles(ss) {
		if len(nums) == 0 || nums[len(nums)-1] != n {
			nums = append(nums, n)
		}
	}
	if want := []string{"1", "2", "3", "4", "5"}; !reflect.DeepEqual(nums, want) {
		t.Fatalf("steps %v, want %v", nums, want)
	}
	shHas(t, shSection(t, ss, "Verify web ports"),
		"Get-CsService -WebServer | Select-Object Identity,ExternalHttpsPort,ExternalHttpPort,UcwaSipExternalListeningPort,UcwaSipPrimaryListeningPort,McxSipExternalListeningPort,McxSipPrimaryListeningPort")
	shHas(t, shSection(t, ss, "Hybrid"),
		"if (-not (Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'sipfed.online.lync.com' })) { throw 'No hosting provider has ProxyFqdn sipfed.online.lync.com: configure the Skype for Business Online hybrid provider first.' }",
		"Get-CsHostingProvider | Where-Object { $_.ProxyFqdn -eq 'sipfed.online.lync.com' } | Set-CsHostingProvider -AutodiscoverUrl 'https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root'")
	shHas(t, shSection(t, ss, "MCX"),
		"Set-CsMcxConfiguration -Identity global -ExposedWebURL External -SessionExpirationInterval 259200 -SessionShortExpirationInterval 3600")
	tests := strings.Join(shSection(t, ss, "Tests"), "\n")
	for _, want := range []string{"Test-CsMcxP2PIM -TargetFqdn 'lyon.fabrikam.local' -Authentication Negotiate "} {
		if !strings.Contains(tests, want) {
			t.Errorf("tests lack %q:\n%s", want, tests)
		}
	}
	if strings.Contains(tests, "Test-CsUcwaConference -TargetFqdn 'dir01.fabrikam.local'") {
		t.Errorf("the UCWA test targets the Director:\n%s", tests)
	}
	if strings.Contains(tests, "Test-CsFederatedPartner") {
		t.Error("no push: no push test")
	}
}

// Standard Edition: one mobile user, so the tests that need two are left
// out, said so in a comment, rather than run against a made-up user.
func TestShellStandardEdition(t *testing.T) {
	ss := shPlan(fwModel(t, "standard-edition"))
	if got, want := shTitles(ss), []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sections %v, want %v", got, want)
	}
	tests := shSection(t, ss, "Tests")
	if len(tests) != 1 || !strings.HasPrefix(tests[0], "# ") || !strings.Contains(tests[0], "fewer than two mobile users") {
		t.Errorf("tests: %v", tests)
	}
	if strings.Contains(shAll(ss), "user2@") {
		t.Error("a made-up user is in the script")
	}
}

// Push on a version with MCX adds Test-CsMcxPushNotification against the
// internal Edge FQDN; non-default ports give Set-CsWebServer with only
// those, the internal ones as -PrimaryHttp(s)Port; default routing has no
// DNS SRV parameters.
func TestShellVariants(t *testing.T) {
	m := fwModel(t, "contoso")
	m.Version = "sfb2015"
	p := m.Pools["pool01"]
	p.Ports.UCWASIPExternal = 5098
	p.Ports.MCXSIPPrimary = 5097
	p.Ports.InternalHTTP = 81
	p.Ports.InternalHTTPS = 444
	m.Pools["pool01"] = p
	m.Federation.AccessEdge.Routing = "default-route"
	ss := shPlan(m)
	shHas(t, shSection(t, ss, "Verify web ports"), "Set-CsWebServer -Identity 'WebServer:pool01.contoso.net' -PrimaryHttpPort 81 -PrimaryHttpsPort 444 -UcwaSipExternalListeningPort 5098 -McxSipPrimaryListeningPort 5097")
	shHas(t, shSection(t, ss, "Tests"), "Test-CsMcxPushNotification -AccessEdgeFqdn 'edgepool.contoso.net'")
	shHas(t, shSection(t, ss, "Push"), "Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True")
	if strings.Contains(shAll(ss), "Set-CsMcxConfiguration") {
		t.Error("no Lync 2010 Mobile clients: no MCX step")
	}
	// On SfB 2019 the MCX port is not written even when non-default.
	m.Version = "sfb2019"
	shHas(t, shSection(t, shPlan(m), "Verify web ports"), "Set-CsWebServer -Identity 'WebServer:pool01.contoso.net' -PrimaryHttpPort 81 -PrimaryHttpsPort 444 -UcwaSipExternalListeningPort 5098")
}

// New- for new policies only with what they set; Online-only and reserved
// parameters are left out with a comment (POL-006); existing policies and
// the global one (whether or not it says exists) use Set-; quotes in
// descriptions are doubled; RequireWIFIForIPAudio is set on Lync Server
// 2013 only.
func TestShellPolicyParameters(t *testing.T) {
	m := fwModel(t, "contoso")
	yes, no := true, false
	vs := "VoIPAlways"
	m.MobilityPolicies = map[string]model.MobilityPolicy{
		"global":   {Identity: "global", EnableOutsideVoice: &no},
		"Tag":      {Identity: "Tag", Description: "O'Brien’s policy", AllowSaveCredentials: &no, EncryptAppData: &yes, VoiceSettings: &vs},
		"Empty":    {Identity: "Empty"},
		"Existing": {Identity: "Existing", Exists: true, EnableMobility: &yes},
		"Audio":    {Identity: "Audio", RequireWifiForIPAudio: &yes, RequireWifiForIPVideo: &yes},
	}
	cmds := shSection(t, shPlan(m), "Mobility policies")
	shHas(t, cmds,
		"Set-CsMobilityPolicy -Identity 'global' -EnableOutsideVoice $False",
		"Set-CsMobilityPolicy -Identity 'Existing' -EnableMobility $True",
		"if (-not (Get-CsMobilityPolicy -Identity 'Empty' -ErrorAction SilentlyContinue)) { New-CsMobilityPolicy -Identity 'Empty' }",
		"# Tag: EncryptAppData, VoiceSettings not set: Online-only, reserved or not in sfb2019 (POL-006).",
		"if (Get-CsMobilityPolicy -Identity 'Tag' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s policy' -AllowSaveCredentials $False } else { New-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s policy' -AllowSaveCredentials $False }",
		"# Audio: RequireWIFIForIPAudio not set: not a parameter of the sfb2019 mobility policy cmdlets.",
		"if (Get-CsMobilityPolicy -Identity 'Audio' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'Audio' -RequireWIFIForIPVideo $True } else { New-CsMobilityPolicy -Identity 'Audio' -RequireWIFIForIPVideo $True }",
	)
	m.Version = "lync2013"
	shHas(t, shSection(t, shPlan(m), "Mobility policies"),
		"if (Get-CsMobilityPolicy -Identity 'Audio' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'Audio' -RequireWIFIForIPAudio $True -RequireWIFIForIPVideo $True } else { New-CsMobilityPolicy -Identity 'Audio' -RequireWIFIForIPAudio $True -RequireWIFIForIPVideo $True }")
}

// Every New- is guarded by the read of what it creates, and steps are
// numbered 1..N without gaps, on every example.
func TestShellIdempotentNumbered(t *testing.T) {
	for _, ex := range fwExamples {
		ss := shPlan(fwModel(t, ex))
		prev := 0
		for _, s := range ss {
			n, err := strconv.Atoi(s.Title[:strings.Index(s.Title, ".")])
			if err != nil || n != prev && n != prev+1 {
				t.Errorf("%s: %q follows step %d", ex, s.Title, prev)
			}
			prev = n
			for _, c := range s.Commands {
				if i := strings.Index(c, "New-Cs"); i >= 0 && !(strings.HasPrefix(c, "if (") && strings.Contains(c[:i], "Get-Cs")) {
					t.Errorf("%s: %s is not guarded by a read", ex, c)
				}
			}
		}
	}
}

func TestPSQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "'plain'",
		"it's":          "'it''s'",
		"$x `n \"q\"":   "'$x `n \"q\"'",
		"‘curly’ ‚low‛": "'‘‘curly’’ ‚‚low‛‛'",
	} {
		if got := psQuote(in); got != want {
			t.Errorf("psQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// No lab password reaches the plan's commands; same model => same steps.
func TestShellNoSecretsDeterministic(t *testing.T) {
	for _, ex := range fwExamples {
		m := fwModel(t, ex)
		ss := shPlan(m)
		b, _ := json.Marshal(ss)
		for _, u := range m.Users {
			if u.LabPassword != "" && strings.Contains(string(b), u.LabPassword) {
				t.Errorf("%s: a lab password is in the script", ex)
			}
		}
		if !reflect.DeepEqual(ss, shPlan(m)) {
			t.Errorf("%s: not deterministic", ex)
		}
	}
}

// Everything the shell steps can write, on each version: every web port
// moved, every policy parameter set, push, hybrid without a declared
// shared provider, MCX with Lync 2010 Mobile. The script holds to the
// cmdlet table of generators/sfb (each command and parameter checked
// against the reference for that version), and every change is under
// ShouldProcess. An SfB 2019 deployment with a 2015 pool keeps MCX but
// not the MCX test cmdlets.
func TestShellAllParametersInTable(t *testing.T) {
	yes := true
	for _, versions := range [][2]string{{"lync2013", "lync2013"}, {"sfb2015", "sfb2015"}, {"sfb2019", "sfb2019"}, {"sfb2019", "sfb2015"}} {
		version := versions[0]
		m := fwModel(t, "multisite")
		m.Version = version
		for n, pool := range m.Pools {
			pool.Version = versions[1] // a newer deployment can keep an older pool
			pool.Ports.InternalHTTP, pool.Ports.InternalHTTPS = 81, 444
			pool.Ports.ExternalHTTP, pool.Ports.ExternalHTTPS = 8081, 4444
			pool.Ports.UCWASIPExternal, pool.Ports.UCWASIPPrimary = 5098, 5099
			pool.Ports.MCXSIPExternal, pool.Ports.MCXSIPPrimary = 5096, 5097
			m.Pools[n] = pool
		}
		m.Mobility.Enabled, m.Mobility.Push.Enabled, m.Mobility.Clients.Lync2010Mobile = true, true, true
		m.Hybrid.Enabled = true
		m.MCX.PushNotificationProxyURI = "sip:push@push.lync.com"
		all := model.MobilityPolicy{Identity: "All", Description: "every parameter"}
		for _, f := range []**bool{&all.EnableMobility, &all.EnableOutsideVoice, &all.EnableIPAudioVideo, &all.RequireWifiForIPAudio,
			&all.RequireWifiForIPVideo, &all.RequireWifiForSharing, &all.AllowCustomerExperienceImprovementProgram, &all.AllowSaveCallLogs,
			&all.AllowExchangeConnectivity, &all.AllowSaveIMHistory, &all.AllowSaveCredentials, &all.EnablePushNotifications,
			&all.EncryptAppData, &all.AllowDeviceContactsSync, &all.RequireIntune, &all.AllowAutomaticPSTNFallback} {
			*f = &yes
		}
		m.MobilityPolicies = map[string]model.MobilityPolicy{"global": {Identity: "global", EnableMobility: &yes}, "All": all}
		for id, hp := range m.Federation.HostingProviders {
			hp.SharedAddressSpace, hp.HostsOCSUsers = true, true
			m.Federation.HostingProviders[id] = hp
		}
		p := &plan.Plan{Product: version, SIPDomains: m.SIPDomains}
		planCertificates(m, p)
		planShell(m, p)
		b, err := sfb.Script(p)
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		s := string(b)
		for _, e := range append(sfb.CheckCalls(version, version, s), sfb.CheckGuarded(version, s)...) {
			t.Error(e)
		}
		for _, want := range []string{"-PrimaryHttpPort 81", "-PrimaryHttpsPort 444", "Set-CsMobilityPolicy -Identity 'All'"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: the script lacks %s", version, want)
			}
		}
	}
}
