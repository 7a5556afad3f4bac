package dns

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/planner/plan"
)

// scriptHead opens windows-dns.ps1: parameters and the guarded helpers.
// Each helper adds its zone or record only when Get-DnsServerZone or
// Get-DnsServerResourceRecord does not find it, so a second run adds
// nothing; nothing is ever removed or changed.
const scriptHead = `<#
.SYNOPSIS
Creates the planned DNS zones and records on Windows DNS Server.

.DESCRIPTION
Idempotent: each zone and record is added only when it is missing, so a
second run adds nothing. Nothing is removed or changed, and SOA/NS records
are left to the DNS server.

The two views are served by different DNS servers; no zone scopes are used.
Run the script once per server with the view that server answers:
  -View internal   on the internal DNS servers (internal clients and servers)
  -View external   on the public DNS servers (Internet clients)
New internal zones are Active Directory-integrated (domain replication);
pass -FileBacked on an internal DNS server that is not a domain controller.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('internal', 'external')]
    [string]$View,
    [switch]$FileBacked
)

$ErrorActionPreference = 'Stop'
Import-Module DnsServer

function Add-PlannedZone([string]$Zone) {
    if (Get-DnsServerZone -Name $Zone -ErrorAction SilentlyContinue) { return }
    if ($View -eq 'internal' -and -not $FileBacked) {
        Add-DnsServerPrimaryZone -Name $Zone -ReplicationScope 'Domain'
    } else {
        Add-DnsServerPrimaryZone -Name $Zone -ZoneFile "$Zone.dns"
    }
    Write-Host "added zone $Zone"
}

function Get-PlannedRecord([string]$Zone, [string]$Name, [string]$Type) {
    Get-DnsServerResourceRecord -ZoneName $Zone -Name $Name -RRType $Type -ErrorAction SilentlyContinue
}

function Add-PlannedA([string]$Zone, [string]$Name, [string]$Address, [int]$Ttl) {
    $have = Get-PlannedRecord $Zone $Name 'A' | Where-Object { $_.RecordData.IPv4Address.IPAddressToString -eq $Address }
    if ($have) { return }
    Add-DnsServerResourceRecordA -ZoneName $Zone -Name $Name -IPv4Address $Address -TimeToLive (New-TimeSpan -Seconds $Ttl)
    Write-Host "added $Name.$Zone A $Address"
}

function Add-PlannedAAAA([string]$Zone, [string]$Name, [string]$Address, [int]$Ttl) {
    $want = [System.Net.IPAddress]::Parse($Address)
    $have = Get-PlannedRecord $Zone $Name 'AAAA' | Where-Object { $_.RecordData.IPv6Address.Equals($want) }
    if ($have) { return }
    Add-DnsServerResourceRecordAAAA -ZoneName $Zone -Name $Name -IPv6Address $Address -TimeToLive (New-TimeSpan -Seconds $Ttl)
    Write-Host "added $Name.$Zone AAAA $Address"
}

function Add-PlannedCName([string]$Zone, [string]$Name, [string]$Target, [int]$Ttl) {
    $have = Get-PlannedRecord $Zone $Name 'CNAME' | Where-Object { $_.RecordData.HostNameAlias.TrimEnd('.') -eq $Target }
    if ($have) { return }
    Add-DnsServerResourceRecordCName -ZoneName $Zone -Name $Name -HostNameAlias "$Target." -TimeToLive (New-TimeSpan -Seconds $Ttl)
    Write-Host "added $Name.$Zone CNAME $Target"
}

function Add-PlannedSrv([string]$Zone, [string]$Name, [string]$Target, [int]$Priority, [int]$Weight, [int]$Port, [int]$Ttl) {
    $have = Get-PlannedRecord $Zone $Name 'SRV' | Where-Object {
        $_.RecordData.DomainName.TrimEnd('.') -eq $Target -and $_.RecordData.Port -eq $Port -and
        $_.RecordData.Priority -eq $Priority -and $_.RecordData.Weight -eq $Weight
    }
    if ($have) { return }
    Add-DnsServerResourceRecord -Srv -ZoneName $Zone -Name $Name -DomainName "$Target." -Priority $Priority -Weight $Weight -Port $Port -TimeToLive (New-TimeSpan -Seconds $Ttl)
    Write-Host "added $Name.$Zone SRV $Priority $Weight $Port $Target"
}
`

// WindowsScript renders windows-dns.ps1: the guarded helpers, then one
// section per view (internal first) calling them for every zone and record
// of the plan, in plan order. Every value is a checked single-quoted
// literal (pwsh.Quote): a zone, name or value that a script line cannot
// carry is refused, not written. The file is UTF-8 with a byte order mark
// (pwsh.Script), which Windows PowerShell 5.1 needs to read it as such.
func WindowsScript(zones []plan.Zone) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", Header)
	b.WriteString(scriptHead)
	for _, view := range []string{"internal", "external"} {
		fmt.Fprintf(&b, "\nif ($View -eq '%s') {\n", view)
		fmt.Fprintf(&b, "    # %s view: run on %s.\n", title(view), viewServer[view])
		n := 0
		for _, z := range zones {
			if z.View != view {
				continue
			}
			n++
			zone, err := pwsh.Quote(z.Name) // checked before the comment shows it too
			if err != nil {
				return nil, fmt.Errorf("dns: %s zone: %w", z.View, err)
			}
			kind := z.Kind
			if z.Declared {
				kind += ", declared in the topology"
			}
			if err := pwsh.Check(kind); err != nil {
				return nil, fmt.Errorf("dns: %s zone %q: kind: %w", z.View, z.Name, err)
			}
			fmt.Fprintf(&b, "\n    # Zone %s (%s)\n", z.Name, kind)
			fmt.Fprintf(&b, "    Add-PlannedZone %s\n", zone)
			for _, r := range z.Records {
				call, err := psRecord(zone, r)
				if err != nil {
					return nil, fmt.Errorf("dns: %s zone %q: record %q: %w", z.View, z.Name, r.Name, err)
				}
				b.WriteString("    " + call + "\n")
			}
		}
		if n == 0 {
			b.WriteString("    # No zone in this view.\n")
		}
		b.WriteString("}\n")
	}
	return pwsh.Script(b.String()), nil
}

// psRecord is the helper call that adds one record to the zone (given
// quoted).
func psRecord(z string, r plan.Record) (string, error) {
	n, err := pwsh.Quote(r.Name)
	if err != nil {
		return "", err
	}
	v, err := pwsh.Quote(r.Value)
	if err != nil {
		return "", err
	}
	switch r.Type {
	case "SRV":
		return fmt.Sprintf("Add-PlannedSrv %s %s %s %d %d %d %d", z, n, v, r.Priority, r.Weight, r.Port, r.TTL), nil
	case "CNAME":
		return fmt.Sprintf("Add-PlannedCName %s %s %s %d", z, n, v, r.TTL), nil
	case "AAAA":
		return fmt.Sprintf("Add-PlannedAAAA %s %s %s %d", z, n, v, r.TTL), nil
	}
	return fmt.Sprintf("Add-PlannedA %s %s %s %d", z, n, v, r.TTL), nil
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
