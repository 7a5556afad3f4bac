package sfb

import (
	"fmt"
	"strings"
)

// The commands the script may call and the parameters it may name on
// them, each checked against the page of the reference named in Source
// (paths in the MicrosoftDocs office-docs-powershell repository for the
// Skype for Business Server cmdlets, and in PowerShell-Docs for Windows
// PowerShell 5.1, which the Management Shell runs on). The tests parse
// every example's script and fail on a command or parameter outside this
// table, or one the table limits to other products; CMDLETS.md renders
// it (MOBPLAN_UPDATE_GOLDEN=1 rewrites it).
//
// Checked at office-docs-powershell 93336da2bca96c31c0fc8acc52658a30ef8a6c94
// and PowerShell-Docs 27138b21b41de3e2b43cfcac4a56861ca419d5eb.

// Cmdlet is one command in the table.
type Cmdlet struct {
	Name   string
	Source string
	// Products limits the whole command to these products (plan.Product
	// values); empty: all of lync2013, sfb2015, sfb2019.
	Products []string
	Params   []Param
}

// Param is a parameter the script may name on its command.
type Param struct {
	Name string
	// Products limits the parameter to these products; empty: those of
	// the command.
	Products []string
	// Note tells why it is limited, or where else it was checked.
	Note string
}

const (
	sfbRef = "office-docs-powershell: skype/skype-ps/SkypeForBusiness/"
	psRef  = "PowerShell-Docs: reference/5.1/"
	// lync2013Ref is the Lync Server 2013 cmdlet reference, which the
	// Skype for Business one replaced.
	lync2013Ref = "Lync Server 2013 cmdlet reference, New-CsMobilityPolicy and Set-CsMobilityPolicy (topic 1fba8c3e-087d-4ba4-918b-371f8757df7c, 2014-02-26)"
)

var sfb15up = []string{"sfb2015", "sfb2019"}

// CommonParameters every cmdlet and advanced function takes.
var CommonParameters = Cmdlet{
	Name:   "(common parameters)",
	Source: psRef + "Microsoft.PowerShell.Core/About/about_CommonParameters.md",
	Params: ps("ErrorAction", "Verbose"),
}

func ps(names ...string) []Param {
	out := make([]Param, len(names))
	for i, n := range names {
		out[i] = Param{Name: n}
	}
	return out
}

func only(products []string, note string, names ...string) []Param {
	out := ps(names...)
	for i := range out {
		out[i].Products, out[i].Note = products, note
	}
	return out
}

func cat(lists ...[]Param) []Param {
	var out []Param
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// mobilityPolicyParams are New- and Set-CsMobilityPolicy's, on premises.
// RequireWIFIForIPAudio is in the Lync Server 2013 syntax of both; the
// Skype for Business Server reference has it in neither syntax (its
// parameter entry was removed from New-CsMobilityPolicy in 2019 and is
// left, without a syntax, under Set-), so it is for Lync Server 2013
// only (SCRIPT.md).
var mobilityPolicyParams = cat(
	ps("Identity", "Description", "EnableMobility", "EnableOutsideVoice", "EnableIPAudioVideo", "RequireWIFIForIPVideo"),
	only(sfb15up, "Applicable: Skype for Business Server 2015, 2019", "RequireWiFiForSharing", "AllowCustomerExperienceImprovementProgram",
		"AllowSaveCallLogs", "AllowExchangeConnectivity", "AllowSaveIMHistory", "AllowSaveCredentials"),
	only([]string{"lync2013"}, lync2013Ref, "RequireWIFIForIPAudio"),
)

// Cmdlets is the table, in the order the script uses them.
var Cmdlets = []Cmdlet{
	{Name: "Set-StrictMode", Source: psRef + "Microsoft.PowerShell.Core/Set-StrictMode.md", Params: ps("Version")},
	{Name: "Write-Warning", Source: psRef + "Microsoft.PowerShell.Utility/Write-Warning.md"},
	{Name: "Get-Date", Source: psRef + "Microsoft.PowerShell.Utility/Get-Date.md"},
	{Name: "Get-ChildItem", Source: psRef + "Microsoft.PowerShell.Management/Get-ChildItem.md", Params: ps("Path")},
	{Name: "Where-Object", Source: psRef + "Microsoft.PowerShell.Core/Where-Object.md"},
	{Name: "ForEach-Object", Source: psRef + "Microsoft.PowerShell.Core/ForEach-Object.md"},
	{Name: "Sort-Object", Source: psRef + "Microsoft.PowerShell.Utility/Sort-Object.md", Params: ps("Property", "Descending")},
	{Name: "Select-Object", Source: psRef + "Microsoft.PowerShell.Utility/Select-Object.md", Params: ps("First")},
	{Name: "Out-Null", Source: psRef + "Microsoft.PowerShell.Core/Out-Null.md"},
	{Name: "Get-Credential", Source: psRef + "Microsoft.PowerShell.Security/Get-Credential.md", Params: ps("UserName", "Message")},
	{Name: "Find-PlannedCertificate", Source: "defined in the script", Params: ps("Subject", "Names")},
	{Name: "Set-PlannedCertificate", Source: "defined in the script", Params: ps("Type", "Subject", "Names", "FriendlyName", "Template", "Imported")},

	{Name: "Get-CsService", Source: sfbRef + "Get-CsService.md", Params: ps("WebServer")},
	{Name: "Set-CsWebServer", Source: sfbRef + "Set-CsWebServer.md", Params: ps("Identity", "PrimaryHttpPort", "PrimaryHttpsPort",
		"ExternalHttpPort", "ExternalHttpsPort", "UcwaSipExternalListeningPort", "UcwaSipPrimaryListeningPort",
		"McxSipExternalListeningPort", "McxSipPrimaryListeningPort")},
	{Name: "Request-CsCertificate", Source: sfbRef + "Request-CsCertificate.md", Params: ps("New", "Type", "CA", "ComputerFqdn", "FriendlyName", "DomainName", "Template")},
	{Name: "Get-CsCertificate", Source: sfbRef + "Get-CsCertificate.md", Params: ps("Type")},
	{Name: "Set-CsCertificate", Source: sfbRef + "Set-CsCertificate.md", Params: ps("Type", "Thumbprint")},
	{Name: "Get-CsHostingProvider", Source: sfbRef + "Get-CsHostingProvider.md", Params: ps("Identity")},
	{Name: "New-CsHostingProvider", Source: sfbRef + "New-CsHostingProvider.md", Params: ps("Identity", "Enabled", "ProxyFqdn",
		"VerificationLevel", "EnabledSharedAddressSpace", "HostsOCSUsers")},
	{Name: "Set-CsHostingProvider", Source: sfbRef + "Set-CsHostingProvider.md", Params: ps("Identity", "AutodiscoverUrl")},
	{Name: "Get-CsAllowedDomain", Source: sfbRef + "Get-CsAllowedDomain.md", Params: ps("Identity")},
	{Name: "New-CsAllowedDomain", Source: sfbRef + "New-CsAllowedDomain.md", Params: ps("Identity")},
	{Name: "Set-CsPushNotificationConfiguration", Source: sfbRef + "Set-CsPushNotificationConfiguration.md",
		Params: ps("EnableApplePushNotificationService", "EnableMicrosoftPushNotificationService")},
	{Name: "Set-CsAccessEdgeConfiguration", Source: sfbRef + "Set-CsAccessEdgeConfiguration.md", Params: cat(ps("AllowFederatedUsers", "UseDnsSrvRouting"),
		[]Param{{Name: "EnablePartnerDiscovery", Note: "required with UseDnsSrvRouting (DnsSrvRouting parameter set)"}})},
	{Name: "Get-CsMobilityPolicy", Source: sfbRef + "Get-CsMobilityPolicy.md", Params: ps("Identity")},
	{Name: "New-CsMobilityPolicy", Source: sfbRef + "New-CsMobilityPolicy.md", Params: mobilityPolicyParams},
	{Name: "Set-CsMobilityPolicy", Source: sfbRef + "Set-CsMobilityPolicy.md", Params: mobilityPolicyParams},
	{Name: "Grant-CsMobilityPolicy", Source: sfbRef + "Grant-CsMobilityPolicy.md", Params: ps("Identity", "PolicyName")},
	{Name: "Get-CsPstnUsage", Source: sfbRef + "Get-CsPstnUsage.md", Params: ps("Identity")},
	{Name: "Set-CsPstnUsage", Source: sfbRef + "Set-CsPstnUsage.md", Params: ps("Identity", "Usage")},
	{Name: "Get-CsVoiceRoute", Source: sfbRef + "Get-CsVoiceRoute.md", Params: ps("Identity")},
	{Name: "New-CsVoiceRoute", Source: sfbRef + "New-CsVoiceRoute.md", Params: ps("Identity", "NumberPattern", "PstnUsages", "PstnGatewayList")},
	{Name: "Get-CsVoicePolicy", Source: sfbRef + "Get-CsVoicePolicy.md", Params: ps("Identity")},
	{Name: "New-CsVoicePolicy", Source: sfbRef + "New-CsVoicePolicy.md", Params: ps("Identity", "PstnUsages", "AllowSimulRing")},
	{Name: "Set-CsVoicePolicy", Source: sfbRef + "Set-CsVoicePolicy.md", Params: ps("Identity", "PstnUsages", "AllowSimulRing")},
	{Name: "Grant-CsVoicePolicy", Source: sfbRef + "Grant-CsVoicePolicy.md", Params: ps("Identity", "PolicyName")},
	{Name: "Set-CsMcxConfiguration", Source: sfbRef + "Set-CsMcxConfiguration.md",
		Params: ps("Identity", "ExposedWebURL", "SessionExpirationInterval", "SessionShortExpirationInterval", "PushNotificationProxyUri")},
	{Name: "Test-CsUcwaConference", Source: sfbRef + "Test-CsUcwaConference.md", Params: ps("TargetFqdn", "Authentication",
		"OrganizerSipAddress", "OrganizerCredential", "ParticipantSipAddress", "ParticipantCredential")},
	{Name: "Test-CsFederatedPartner", Source: sfbRef + "Test-CsFederatedPartner.md", Params: ps("TargetFqdn", "Domain", "ProxyFqdn")},
	{Name: "Test-CsMcxPushNotification", Source: sfbRef + "Test-CsMcxPushNotification.md", Products: []string{"lync2013", "sfb2015"}, Params: ps("AccessEdgeFqdn")},
	{Name: "Test-CsMcxP2PIM", Source: sfbRef + "Test-CsMcxP2PIM.md", Products: []string{"lync2013", "sfb2015"}, Params: ps("TargetFqdn", "Authentication",
		"SenderSipAddress", "SenderCredential", "ReceiverSipAddress", "ReceiverCredential")},
}

// TypeOf is the reference's type of the command's parameter ("" for the
// script's own functions).
func TypeOf(cmdlet, param string) string { return paramTypes[cmdlet+" -"+param] }

// valueFits tells whether what follows a parameter fits its type: a
// switch takes no value (unless written -Name:$value), a Boolean takes
// $True, $False or a variable, an integer a number or a variable; the
// others take any value. value is "" when nothing follows.
func valueFits(typ, value string, colon bool) bool {
	isVar := strings.HasPrefix(value, "$") || strings.HasPrefix(value, "(")
	switch typ {
	case "SwitchParameter", "System.Management.Automation.SwitchParameter":
		return value == "" || colon
	case "Boolean":
		return isVar
	case "UInt16", "UInt32", "System.Int32":
		if isVar {
			return true
		}
		for _, r := range value {
			if r < '0' || r > '9' {
				return false
			}
		}
		return value != ""
	case "":
		return true
	}
	return value != ""
}

// Lookup finds a command of the table by name, as PowerShell does
// (without regard to case).
func Lookup(name string) (Cmdlet, bool) {
	for _, c := range Cmdlets {
		if equalFold(c.Name, name) {
			return c, true
		}
	}
	return Cmdlet{}, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// TableMarkdown renders the table as CMDLETS.md.
func TableMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Commands and parameters of sfb/configure-mobility.ps1

Generated from generators/sfb/cmdlets.go (` + "`MOBPLAN_UPDATE_GOLDEN=1 go test ./generators/sfb`" + ` rewrites
it). The script calls nothing else: a test parses the script of every valid example and fails
on any command or parameter not listed here, or listed for other products, or a value that
does not fit the parameter's type as its page gives it in brackets (a switch takes none, a
Boolean $True, $False or a variable, a port a number). Each was checked,
with that spelling, against the page in the Source column: for the Skype for Business Server
cmdlets, a path in the MicrosoftDocs office-docs-powershell repository (checked at
` + "`93336da2bca96c31c0fc8acc52658a30ef8a6c94`" + `); for the Windows PowerShell 5.1 cmdlets the
Management Shell runs on, a path in MicrosoftDocs PowerShell-Docs (checked at
` + "`27138b21b41de3e2b43cfcac4a56861ca419d5eb`" + `). Products: lync2013, sfb2015, sfb2019; "all"
when the page applies to the three. Why RequireWIFIForIPAudio is for Lync Server 2013 only:
SCRIPT.md.

| Command | Parameters | Products | Source |
| --- | --- | --- | --- |
`)
	for _, c := range append([]Cmdlet{CommonParameters}, Cmdlets...) {
		var ps []string
		for _, p := range c.Params {
			s := "-" + p.Name
			if ty := TypeOf(c.Name, p.Name); ty != "" {
				s += " [" + ty + "]"
			}
			if len(p.Products) > 0 || p.Note != "" {
				var extra []string
				if len(p.Products) > 0 {
					extra = append(extra, strings.Join(p.Products, ", ")+" only")
				}
				if p.Note != "" {
					extra = append(extra, p.Note)
				}
				s += " (" + strings.Join(extra, "; ") + ")"
			}
			ps = append(ps, s)
		}
		products := "all"
		if len(c.Products) > 0 {
			products = strings.Join(c.Products, ", ")
		}
		params := strings.Join(ps, ", ")
		if params == "" {
			params = "(none)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, params, products, strings.ReplaceAll(c.Source, "|", "\\|"))
	}
	return b.String()
}

// paramTypes are the parameters' types as their reference pages give them
// ("Type:"), keyed "Command -Parameter"; RequireWIFIForIPAudio's on
// New-CsMobilityPolicy is the Lync Server 2013 reference's.
var paramTypes = map[string]string{
	"(common parameters) -ErrorAction":                                            "ActionPreference",
	"(common parameters) -Verbose":                                                "SwitchParameter",
	"Set-StrictMode -Version":                                                     "System.Version",
	"Get-ChildItem -Path":                                                         "System.String[]",
	"Sort-Object -Property":                                                       "System.Object[]",
	"Sort-Object -Descending":                                                     "System.Management.Automation.SwitchParameter",
	"Select-Object -First":                                                        "System.Int32",
	"Get-Credential -UserName":                                                    "System.String",
	"Get-Credential -Message":                                                     "System.String",
	"Get-CsService -WebServer":                                                    "SwitchParameter",
	"Set-CsWebServer -Identity":                                                   "XdsGlobalRelativeIdentity",
	"Set-CsWebServer -PrimaryHttpPort":                                            "UInt16",
	"Set-CsWebServer -PrimaryHttpsPort":                                           "UInt16",
	"Set-CsWebServer -ExternalHttpPort":                                           "UInt16",
	"Set-CsWebServer -ExternalHttpsPort":                                          "UInt16",
	"Set-CsWebServer -UcwaSipExternalListeningPort":                               "UInt16",
	"Set-CsWebServer -UcwaSipPrimaryListeningPort":                                "UInt16",
	"Set-CsWebServer -McxSipExternalListeningPort":                                "UInt16",
	"Set-CsWebServer -McxSipPrimaryListeningPort":                                 "UInt16",
	"Request-CsCertificate -New":                                                  "SwitchParameter",
	"Request-CsCertificate -Type":                                                 "CertType[]",
	"Request-CsCertificate -CA":                                                   "String",
	"Request-CsCertificate -ComputerFqdn":                                         "Fqdn",
	"Request-CsCertificate -FriendlyName":                                         "String",
	"Request-CsCertificate -DomainName":                                           "String",
	"Request-CsCertificate -Template":                                             "String",
	"Get-CsCertificate -Type":                                                     "CertType[]",
	"Set-CsCertificate -Type":                                                     "CertType[]",
	"Set-CsCertificate -Thumbprint":                                               "String",
	"Get-CsHostingProvider -Identity":                                             "XdsGlobalRelativeIdentity",
	"New-CsHostingProvider -Identity":                                             "XdsGlobalRelativeIdentity",
	"New-CsHostingProvider -Enabled":                                              "Boolean",
	"New-CsHostingProvider -ProxyFqdn":                                            "String",
	"New-CsHostingProvider -VerificationLevel":                                    "VerificationLevelType",
	"New-CsHostingProvider -EnabledSharedAddressSpace":                            "Boolean",
	"New-CsHostingProvider -HostsOCSUsers":                                        "Boolean",
	"Set-CsHostingProvider -Identity":                                             "XdsGlobalRelativeIdentity",
	"Set-CsHostingProvider -AutodiscoverUrl":                                      "String",
	"Get-CsAllowedDomain -Identity":                                               "XdsGlobalRelativeIdentity",
	"New-CsAllowedDomain -Identity":                                               "XdsGlobalRelativeIdentity",
	"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService":     "Boolean",
	"Set-CsPushNotificationConfiguration -EnableMicrosoftPushNotificationService": "Boolean",
	"Set-CsAccessEdgeConfiguration -AllowFederatedUsers":                          "Boolean",
	"Set-CsAccessEdgeConfiguration -UseDnsSrvRouting":                             "SwitchParameter",
	"Set-CsAccessEdgeConfiguration -EnablePartnerDiscovery":                       "Boolean",
	"Get-CsMobilityPolicy -Identity":                                              "XdsIdentity",
	"New-CsMobilityPolicy -Identity":                                              "XdsIdentity",
	"New-CsMobilityPolicy -Description":                                           "String",
	"New-CsMobilityPolicy -EnableMobility":                                        "Boolean",
	"New-CsMobilityPolicy -EnableOutsideVoice":                                    "Boolean",
	"New-CsMobilityPolicy -EnableIPAudioVideo":                                    "Boolean",
	"New-CsMobilityPolicy -RequireWIFIForIPVideo":                                 "Boolean",
	"New-CsMobilityPolicy -RequireWiFiForSharing":                                 "Boolean",
	"New-CsMobilityPolicy -AllowCustomerExperienceImprovementProgram":             "Boolean",
	"New-CsMobilityPolicy -AllowSaveCallLogs":                                     "Boolean",
	"New-CsMobilityPolicy -AllowExchangeConnectivity":                             "Boolean",
	"New-CsMobilityPolicy -AllowSaveIMHistory":                                    "Boolean",
	"New-CsMobilityPolicy -AllowSaveCredentials":                                  "Boolean",
	"New-CsMobilityPolicy -RequireWIFIForIPAudio":                                 "Boolean",
	"Set-CsMobilityPolicy -Identity":                                              "XdsIdentity",
	"Set-CsMobilityPolicy -Description":                                           "String",
	"Set-CsMobilityPolicy -EnableMobility":                                        "Boolean",
	"Set-CsMobilityPolicy -EnableOutsideVoice":                                    "Boolean",
	"Set-CsMobilityPolicy -EnableIPAudioVideo":                                    "Boolean",
	"Set-CsMobilityPolicy -RequireWIFIForIPVideo":                                 "Boolean",
	"Set-CsMobilityPolicy -RequireWiFiForSharing":                                 "Boolean",
	"Set-CsMobilityPolicy -AllowCustomerExperienceImprovementProgram":             "Boolean",
	"Set-CsMobilityPolicy -AllowSaveCallLogs":                                     "Boolean",
	"Set-CsMobilityPolicy -AllowExchangeConnectivity":                             "Boolean",
	"Set-CsMobilityPolicy -AllowSaveIMHistory":                                    "Boolean",
	"Set-CsMobilityPolicy -AllowSaveCredentials":                                  "Boolean",
	"Set-CsMobilityPolicy -RequireWIFIForIPAudio":                                 "Boolean",
	"Grant-CsMobilityPolicy -Identity":                                            "UserIdParameter",
	"Grant-CsMobilityPolicy -PolicyName":                                          "String",
	"Get-CsPstnUsage -Identity":                                                   "XdsIdentity",
	"Set-CsPstnUsage -Identity":                                                   "XdsIdentity",
	"Set-CsPstnUsage -Usage":                                                      "PSListModifier",
	"Get-CsVoiceRoute -Identity":                                                  "XdsGlobalRelativeIdentity",
	"New-CsVoiceRoute -Identity":                                                  "XdsGlobalRelativeIdentity",
	"New-CsVoiceRoute -NumberPattern":                                             "String",
	"New-CsVoiceRoute -PstnUsages":                                                "PSListModifier",
	"New-CsVoiceRoute -PstnGatewayList":                                           "PSListModifier",
	"Get-CsVoicePolicy -Identity":                                                 "XdsIdentity",
	"New-CsVoicePolicy -Identity":                                                 "XdsIdentity",
	"New-CsVoicePolicy -PstnUsages":                                               "PSListModifier",
	"New-CsVoicePolicy -AllowSimulRing":                                           "Boolean",
	"Set-CsVoicePolicy -Identity":                                                 "XdsIdentity",
	"Set-CsVoicePolicy -PstnUsages":                                               "PSListModifier",
	"Set-CsVoicePolicy -AllowSimulRing":                                           "Boolean",
	"Grant-CsVoicePolicy -Identity":                                               "UserIdParameter",
	"Grant-CsVoicePolicy -PolicyName":                                             "String",
	"Set-CsMcxConfiguration -Identity":                                            "XdsIdentity",
	"Set-CsMcxConfiguration -ExposedWebURL":                                       "ExposedWebURL",
	"Set-CsMcxConfiguration -SessionExpirationInterval":                           "UInt32",
	"Set-CsMcxConfiguration -SessionShortExpirationInterval":                      "UInt32",
	"Set-CsMcxConfiguration -PushNotificationProxyUri":                            "String",
	"Test-CsUcwaConference -TargetFqdn":                                           "String",
	"Test-CsUcwaConference -Authentication":                                       "AuthenticationMechanism",
	"Test-CsUcwaConference -OrganizerSipAddress":                                  "String",
	"Test-CsUcwaConference -OrganizerCredential":                                  "PSCredential",
	"Test-CsUcwaConference -ParticipantSipAddress":                                "String",
	"Test-CsUcwaConference -ParticipantCredential":                                "PSCredential",
	"Test-CsFederatedPartner -TargetFqdn":                                         "String",
	"Test-CsFederatedPartner -Domain":                                             "String",
	"Test-CsFederatedPartner -ProxyFqdn":                                          "String",
	"Test-CsMcxPushNotification -AccessEdgeFqdn":                                  "String",
	"Test-CsMcxP2PIM -TargetFqdn":                                                 "String",
	"Test-CsMcxP2PIM -Authentication":                                             "AuthenticationMechanism",
	"Test-CsMcxP2PIM -SenderSipAddress":                                           "String",
	"Test-CsMcxP2PIM -SenderCredential":                                           "PSCredential",
	"Test-CsMcxP2PIM -ReceiverSipAddress":                                         "String",
	"Test-CsMcxP2PIM -ReceiverCredential":                                         "PSCredential",
}
