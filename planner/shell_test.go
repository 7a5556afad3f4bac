package planner

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

func shPlan(m *model.Topology) []plan.ShellSection {
	p := &plan.Plan{}
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

func shSection(t *testing.T, ss []plan.ShellSection, num string) []string {
	t.Helper()
	for _, s := range ss {
		if strings.HasPrefix(s.Title, num+".") {
			return s.Commands
		}
	}
	t.Fatalf("no section %s in %v", num, shTitles(ss))
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

// Contoso (SfB 2019, push, no hybrid, no Lync 2010 Mobile): steps 0, 1,
// 2, 4, 5 and 7 of mobility-rules.md 2.6, with the example's values.
func TestShellContoso(t *testing.T) {
	ss := shPlan(fwModel(t, "contoso"))
	if got, want := shTitles(ss), []string{"0", "1", "2", "4", "5", "7"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sections %v, want %v", got, want)
	}
	shHas(t, shSection(t, ss, "0"),
		"Get-CsService -WebServer | Select-Object Identity,ExternalHttpsPort,ExternalHttpPort,UcwaSipExternalListeningPort,UcwaSipPrimaryListeningPort")
	if len(shSection(t, ss, "0")) != 1 {
		t.Errorf("default ports need no Set-CsWebServer: %v", shSection(t, ss, "0"))
	}
	shHas(t, shSection(t, ss, "1"),
		"Request-CsCertificate -New -Type WebServicesInternal -CA $CertificateAuthority -FriendlyName 'SfB Web Services Internal' -DomainName 'lyncdiscoverinternal.contoso.com,lyncdiscoverinternal.fabrikam.com'",
		"Request-CsCertificate -New -Type WebServicesExternal -CA $CertificateAuthority -FriendlyName 'SfB Web Services External' -DomainName 'lyncdiscover.contoso.com,lyncdiscover.fabrikam.com'",
		"Set-CsCertificate -Type Default -Thumbprint $DefaultThumbprint",
		"Set-CsCertificate -Type WebServicesInternal -Thumbprint $WebServicesInternalThumbprint",
		"Set-CsCertificate -Type WebServicesExternal -Thumbprint $WebServicesExternalThumbprint",
	)
	shHas(t, shSection(t, ss, "2"),
		"if (-not (Get-CsHostingProvider -Identity 'SkypeOnline' -ErrorAction SilentlyContinue)) { New-CsHostingProvider -Identity 'SkypeOnline' -Enabled $True -ProxyFqdn 'sipfed.online.lync.com' -VerificationLevel UseSourceVerification }",
		"if (-not (Get-CsAllowedDomain -Identity 'push.lync.com' -ErrorAction SilentlyContinue)) { New-CsAllowedDomain -Identity 'push.lync.com' }",
		"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService $True -EnableMicrosoftPushNotificationService $True",
		"Set-CsAccessEdgeConfiguration -AllowFederatedUsers $True -UseDnsSrvRouting",
	)
	shHas(t, shSection(t, ss, "4"),
		"Set-CsMobilityPolicy -Identity 'global' -EnableMobility $True -EnableOutsideVoice $True",
		"if (Get-CsMobilityPolicy -Identity 'site:Redmond' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'site:Redmond' -EnableIPAudioVideo $True -RequireWiFiForIPVideo $True } else { New-CsMobilityPolicy -Identity 'site:Redmond' -EnableIPAudioVideo $True -RequireWiFiForIPVideo $True }",
		"Grant-CsMobilityPolicy -Identity 'sip:bob@fabrikam.com' -PolicyName 'NoCallViaWork'",
		"Grant-CsMobilityPolicy -Identity 'sip:carol@contoso.com' -PolicyName 'NoMobility'",
	)
	if c := shSection(t, ss, "4")[0]; !strings.HasPrefix(c, "Set-CsMobilityPolicy -Identity 'global'") {
		t.Errorf("global policy first, got %s", c)
	}
	shHas(t, shSection(t, ss, "5"),
		"if ((Get-CsPstnUsage -Identity global).Usage -notcontains 'ConfDialOut') { Set-CsPstnUsage -Identity global -Usage @{add='ConfDialOut'} }",
		`if (-not (Get-CsVoiceRoute -Identity 'ConfDialOut-Route' -ErrorAction SilentlyContinue)) { New-CsVoiceRoute -Identity 'ConfDialOut-Route' -NumberPattern '^\+1\d{10}$' -PstnUsages @{add='ConfDialOut'} -PstnGatewayList @{add='PstnGateway:gw01.contoso.net'} }`,
		"if (Get-CsVoicePolicy -Identity 'MobileClickToJoin' -ErrorAction SilentlyContinue) { Set-CsVoicePolicy -Identity 'MobileClickToJoin' -PstnUsages @{replace='ConfDialOut'} -AllowSimulRing $True } else { New-CsVoicePolicy -Identity 'MobileClickToJoin' -PstnUsages @{add='ConfDialOut'} -AllowSimulRing $True }",
		"Grant-CsVoicePolicy -Identity 'sip:alice@contoso.com' -PolicyName 'MobileClickToJoin'",
		"Grant-CsVoicePolicy -Identity 'sip:bob@fabrikam.com' -PolicyName 'MobileClickToJoin'",
	)
	shHas(t, shSection(t, ss, "7"),
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
// hybrid and MCX steps, MCX columns and tests; no push step.
func TestShellMultisite(t *testing.T) {
	ss := shPlan(fwModel(t, "multisite"))
	if got, want := shTitles(ss), []string{"0", "1", "3", "6", "7"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sections %v, want %v", got, want)
	}
	shHas(t, shSection(t, ss, "0"),
		"Get-CsService -WebServer | Select-Object Identity,ExternalHttpsPort,ExternalHttpPort,UcwaSipExternalListeningPort,UcwaSipPrimaryListeningPort,McxSipExternalListeningPort,McxSipPrimaryListeningPort")
	shHas(t, shSection(t, ss, "3"),
		"Set-CsHostingProvider -Identity 'SkypeforBusinessOnline' -AutodiscoverUrl 'https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root'")
	shHas(t, shSection(t, ss, "6"),
		"Set-CsMcxConfiguration -Identity global -ExposedWebURL External -SessionExpirationInterval 259200 -SessionShortExpirationInterval 3600")
	tests := strings.Join(shSection(t, ss, "7"), "\n")
	for _, want := range []string{"Test-CsUcwaConference -TargetFqdn 'dir01.fabrikam.local'", "Test-CsMcxP2PIM -TargetFqdn 'lyon.fabrikam.local'"} {
		if !strings.Contains(tests, want) {
			t.Errorf("tests lack %q:\n%s", want, tests)
		}
	}
	if strings.Contains(tests, "Test-CsFederatedPartner") {
		t.Error("no push: no push test")
	}
}

// Standard Edition: one mobile user, so the second test user is a
// placeholder, said so in a comment.
func TestShellStandardEdition(t *testing.T) {
	ss := shPlan(fwModel(t, "standard-edition"))
	if got, want := shTitles(ss), []string{"0", "1", "7"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sections %v, want %v", got, want)
	}
	tests := shSection(t, ss, "7")
	if !strings.HasPrefix(tests[0], "# ") || !strings.Contains(tests[0], "user2@litware.com") {
		t.Errorf("placeholder comment missing: %v", tests)
	}
}

// Push on a version with MCX adds Test-CsMcxPushNotification against the
// internal Edge FQDN; non-default ports give Set-CsWebServer with only
// those; strict DNS auto-logon puts sip.<domain> on the Default request.
func TestShellVariants(t *testing.T) {
	m := fwModel(t, "contoso")
	m.Version = "sfb2015"
	p := m.Pools["pool01"]
	p.Ports.UCWASIPExternal = 5098
	p.Ports.MCXSIPPrimary = 5097
	m.Pools["pool01"] = p
	m.Mobility.StrictDNSAutologon = true
	ss := shPlan(m)
	shHas(t, shSection(t, ss, "0"), "Set-CsWebServer -Identity 'WebServer:pool01.contoso.net' -UcwaSipExternalListeningPort 5098 -McxSipPrimaryListeningPort 5097")
	shHas(t, shSection(t, ss, "1"), "Request-CsCertificate -New -Type Default -CA $CertificateAuthority -FriendlyName 'SfB Default' -DomainName 'sip.contoso.com,sip.fabrikam.com'")
	shHas(t, shSection(t, ss, "7"), "Test-CsMcxPushNotification -AccessEdgeFqdn 'edgepool.contoso.net'")
	if strings.Contains(shAll(ss), "Set-CsMcxConfiguration") {
		t.Error("no Lync 2010 Mobile clients: no MCX step")
	}
	// On SfB 2019 the MCX port is not written even when non-default.
	m.Version = "sfb2019"
	shHas(t, shSection(t, shPlan(m), "0"), "Set-CsWebServer -Identity 'WebServer:pool01.contoso.net' -UcwaSipExternalListeningPort 5098")
}

// New- for new policies only with what they set; Online-only and reserved
// parameters are left out with a comment (POL-006); existing policies use
// Set-; quotes in descriptions are doubled.
func TestShellPolicyParameters(t *testing.T) {
	m := fwModel(t, "contoso")
	yes, no := true, false
	vs := "VoIPAlways"
	m.MobilityPolicies = map[string]model.MobilityPolicy{
		"Tag":      {Identity: "Tag", Description: "O'Brien’s policy", AllowSaveCredentials: &no, EncryptAppData: &yes, VoiceSettings: &vs},
		"Empty":    {Identity: "Empty"},
		"Existing": {Identity: "Existing", Exists: true, EnableMobility: &yes},
	}
	cmds := shSection(t, shPlan(m), "4")
	shHas(t, cmds,
		"Set-CsMobilityPolicy -Identity 'Existing' -EnableMobility $True",
		"if (-not (Get-CsMobilityPolicy -Identity 'Empty' -ErrorAction SilentlyContinue)) { New-CsMobilityPolicy -Identity 'Empty' }",
		"# Tag: EncryptAppData, VoiceSettings not set: Online-only, reserved or not in sfb2019 (POL-006).",
		"if (Get-CsMobilityPolicy -Identity 'Tag' -ErrorAction SilentlyContinue) { Set-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s policy' -AllowSaveCredentials $False } else { New-CsMobilityPolicy -Identity 'Tag' -Description 'O''Brien’’s policy' -AllowSaveCredentials $False }",
	)
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
