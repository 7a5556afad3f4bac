package dns

import (
	"fmt"
	"strings"

	"github.com/mobplan/mobplan/internal/pwsh"
	"github.com/mobplan/mobplan/planner/plan"
)

// scriptHead opens windows-dns.ps1: parameters and the guarded helpers.
// Every helper looks before it changes anything (Get-DnsServerZone,
// Get-DnsServerResourceRecord), so a second run changes nothing, and asks
// ShouldProcess first, so -WhatIf shows every change and makes none.
const scriptHead = `<#
.SYNOPSIS
Applies the planned DNS zones and records to Windows DNS Server.

.DESCRIPTION
Applies exactly what the plan changes, and is idempotent: each zone and
record is added only when it is missing (a record whose TTL differs is
updated), and each record that an earlier applied plan had and this one
no longer has is removed when it is present. A second run changes
nothing. Run it with -WhatIf first: every change is shown, none is made.

Only records mobplan planned are removed, matched by name, type and data;
records added by hand are left alone. A zone that is no longer planned
is not deleted (it may hold other records): its planned records are.
SOA and NS records are left to the DNS server.

The two views are served by different DNS servers; no zone scopes are used.
Run the script once per server with the view that server answers:
  -View internal   on the internal DNS servers (internal clients and servers)
  -View external   on the public DNS servers (Internet clients)
New internal zones are Active Directory-integrated (domain replication);
pass -FileBacked on an internal DNS server that is not a domain controller.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('internal', 'external')]
    [string]$View,
    [switch]$FileBacked
)

$ErrorActionPreference = 'Stop'
Import-Module DnsServer

function Add-PlannedZone {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Zone)
    if (Get-DnsServerZone -Name $Zone -ErrorAction SilentlyContinue) { return }
    if (-not $PSCmdlet.ShouldProcess($Zone, 'Add DNS zone')) { return }
    if ($View -eq 'internal' -and -not $FileBacked) {
        Add-DnsServerPrimaryZone -Name $Zone -ReplicationScope 'Domain'
    } else {
        Add-DnsServerPrimaryZone -Name $Zone -ZoneFile "$Zone.dns"
    }
    Write-Host "added zone $Zone"
}

# Find-PlannedRecord returns the records of a zone with this name, type
# and data (SRV: target, priority, weight and port).
function Find-PlannedRecord([string]$Zone, [string]$Name, [string]$Type, [string]$Value, [int]$Priority, [int]$Weight, [int]$Port) {
    Get-DnsServerResourceRecord -ZoneName $Zone -Name $Name -RRType $Type -ErrorAction SilentlyContinue | Where-Object {
        $d = $_.RecordData
        switch ($Type) {
            'A' { $d.IPv4Address.Equals([System.Net.IPAddress]::Parse($Value)) }
            'AAAA' { $d.IPv6Address.Equals([System.Net.IPAddress]::Parse($Value)) }
            'CNAME' { $d.HostNameAlias.TrimEnd('.') -eq $Value }
            'SRV' {
                $d.DomainName.TrimEnd('.') -eq $Value -and $d.Port -eq $Port -and
                $d.Priority -eq $Priority -and $d.Weight -eq $Weight
            }
        }
    }
}

# Add-PlannedRecord adds a record unless it is there; one that is there
# with another TTL gets the planned TTL.
function Add-PlannedRecord {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Zone, [string]$Name, [string]$Type, [string]$Value, [int]$Ttl, [int]$Priority = 0, [int]$Weight = 0, [int]$Port = 0)
    $what = "$Name.$Zone $Type $Value"
    if ($Type -eq 'SRV') { $what = "$Name.$Zone SRV $Priority $Weight $Port $Value" }
    $have = @(Find-PlannedRecord $Zone $Name $Type $Value $Priority $Weight $Port)
    $ttlSpan = New-TimeSpan -Seconds $Ttl
    if ($have.Count -gt 0) {
        if ($have[0].TimeToLive -eq $ttlSpan) { return }
        if (-not $PSCmdlet.ShouldProcess($what, "Set TTL to $Ttl")) { return }
        $new = $have[0].Clone()
        $new.TimeToLive = $ttlSpan
        Set-DnsServerResourceRecord -ZoneName $Zone -OldInputObject $have[0] -NewInputObject $new
        Write-Host "set TTL $Ttl on $what"
        return
    }
    if (-not $PSCmdlet.ShouldProcess($what, 'Add DNS record')) { return }
    switch ($Type) {
        'A' { Add-DnsServerResourceRecordA -ZoneName $Zone -Name $Name -IPv4Address $Value -TimeToLive $ttlSpan }
        'AAAA' { Add-DnsServerResourceRecordAAAA -ZoneName $Zone -Name $Name -IPv6Address $Value -TimeToLive $ttlSpan }
        'CNAME' { Add-DnsServerResourceRecordCName -ZoneName $Zone -Name $Name -HostNameAlias "$Value." -TimeToLive $ttlSpan }
        'SRV' { Add-DnsServerResourceRecord -Srv -ZoneName $Zone -Name $Name -DomainName "$Value." -Priority $Priority -Weight $Weight -Port $Port -TimeToLive $ttlSpan }
    }
    Write-Host "added $what"
}

# Remove-PlannedRecord removes a record an earlier applied plan had, if
# it is there.
function Remove-PlannedRecord {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string]$Zone, [string]$Name, [string]$Type, [string]$Value, [int]$Priority = 0, [int]$Weight = 0, [int]$Port = 0)
    $what = "$Name.$Zone $Type $Value"
    if ($Type -eq 'SRV') { $what = "$Name.$Zone SRV $Priority $Weight $Port $Value" }
    foreach ($r in @(Find-PlannedRecord $Zone $Name $Type $Value $Priority $Weight $Port)) {
        if (-not $PSCmdlet.ShouldProcess($what, 'Remove DNS record')) { continue }
        Remove-DnsServerResourceRecord -ZoneName $Zone -InputObject $r -Force
        Write-Host "removed $what"
    }
}
`

// Removal is a record that an earlier applied plan had in a zone and the
// current plan no longer has: the script removes it where it is present.
type Removal struct {
	View, Zone string
	Record     plan.Record
}

// WindowsScript renders windows-dns.ps1 for a plan with nothing to remove.
func WindowsScript(zones []plan.Zone) ([]byte, error) { return WindowsScriptRemoving(zones, nil) }

// WindowsScriptRemoving renders windows-dns.ps1: the guarded helpers,
// then one section per view (internal first) that first removes the
// given records (before any is added: a CNAME may replace an A record of
// the same name) and then adds every zone and record of the plan, in
// plan order. Every value is a checked single-quoted literal
// (pwsh.Quote): a zone, name or value that a script line cannot carry is
// refused, not written. The file is UTF-8 with a byte order mark
// (pwsh.Script), which Windows PowerShell 5.1 needs to read it as such.
func WindowsScriptRemoving(zones []plan.Zone, removed []Removal) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", Header)
	b.WriteString(scriptHead)
	for _, view := range []string{"internal", "external"} {
		fmt.Fprintf(&b, "\n%s%s') {\n", sectionStart, view)
		fmt.Fprintf(&b, "    # %s view: run on %s.\n", title(view), viewServer[view])
		var gone []Removal
		for _, r := range removed {
			if r.View == view {
				gone = append(gone, r)
			}
		}
		if len(gone) > 0 {
			b.WriteString("\n    " + removedComment + "\n")
			for _, r := range gone {
				zone, err := pwsh.Quote(r.Zone)
				if err != nil {
					return nil, fmt.Errorf("dns: %s zone of a removed record: %w", view, err)
				}
				call, err := psRecord("Remove-PlannedRecord", zone, r.Record, false)
				if err != nil {
					return nil, fmt.Errorf("dns: %s zone %q: removed record %q: %w", view, r.Zone, r.Record.Name, err)
				}
				b.WriteString("    " + call + "\n")
			}
		}
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
			if len(z.Hides) > 0 {
				hides := strings.Join(z.Hides, " ")
				if err := pwsh.Check(hides); err != nil {
					return nil, fmt.Errorf("dns: %s zone %q: hidden names: %w", z.View, z.Name, err)
				}
				fmt.Fprintf(&b, "    # Internal clients will no longer resolve these public names of %s: %s\n", z.Name, hides)
			}
			fmt.Fprintf(&b, "    Add-PlannedZone %s\n", zone)
			for _, r := range z.Records {
				call, err := psRecord("Add-PlannedRecord", zone, r, true)
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

// The lines parseRemovals finds its way by.
const (
	sectionStart   = "if ($View -eq '"
	removedComment = "# No longer planned (an earlier applied plan had them): removed where present."
)

// psRecord is the helper call for one record of the zone (given quoted):
// zone, name, type, value, then the TTL when adding, then an SRV
// record's priority, weight and port.
func psRecord(helper, z string, r plan.Record, ttl bool) (string, error) {
	n, err := pwsh.Quote(r.Name)
	if err != nil {
		return "", err
	}
	v, err := pwsh.Quote(r.Value)
	if err != nil {
		return "", err
	}
	switch r.Type {
	case "A", "AAAA", "CNAME", "SRV":
	default:
		return "", fmt.Errorf("record type %q is not A, AAAA, CNAME or SRV", r.Type)
	}
	call := fmt.Sprintf("%s %s %s '%s' %s", helper, z, n, r.Type, v)
	if ttl {
		call += fmt.Sprintf(" %d", r.TTL)
	}
	if r.Type == "SRV" {
		call += fmt.Sprintf(" -Priority %d -Weight %d -Port %d", r.Priority, r.Weight, r.Port)
	}
	return call, nil
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
