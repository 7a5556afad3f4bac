package planner

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// The directory carries every user with the home and effective policies
// the POL rules compute, and no password.
func TestDirectory(t *testing.T) {
	m := fwModel(t, "contoso")
	p := New(m)
	if len(p.Directory.Users) != len(m.Users) {
		t.Fatalf("%d users in the directory, %d in the topology", len(p.Directory.Users), len(m.Users))
	}
	for _, u := range p.Directory.Users {
		if strings.HasPrefix(u.SIP, "sip:") || u.SIP != strings.ToLower(u.SIP) {
			t.Errorf("SIP address %q is not bare and lower case", u.SIP)
		}
		if u.HomeFQDN == "" {
			t.Errorf("%s has no home FQDN", u.SIP)
		}
	}
	for _, pool := range p.Directory.Pools {
		if pool.WebInternalFQDN == "" || len(pool.Servers) == 0 {
			t.Errorf("pool %+v lacks web FQDN or servers", pool)
		}
		if pool.Product == "sfb2019" && pool.MCX {
			t.Errorf("pool %s: SfB 2019 has no MCX", pool.Name)
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range m.Users {
		if u.LabPassword != "" && strings.Contains(string(b), u.LabPassword) {
			t.Errorf("the plan holds %s's lab password", u.SIP)
		}
	}
}

func TestDirectoryEffectivePolicy(t *testing.T) {
	pols := map[string]int{"global": 1, "site:Redmond": 2, "tag1": 3}
	for _, c := range []struct{ granted, site, want string }{
		{"tag1", "Redmond", "tag1"},
		{"", "Redmond", "site:Redmond"},
		{"", "Paris", "global"},
		{"", "", "global"},
		{"missing", "Redmond", ""},
	} {
		if got := dirEffective(pols, c.granted, c.site); got != c.want {
			t.Errorf("dirEffective(%q, %q) = %q, want %q", c.granted, c.site, got, c.want)
		}
	}
	if got := dirEffective(map[string]int{}, "", "Redmond"); got != "" {
		t.Errorf("no policies: got %q", got)
	}
	if d := dirMobility(dirMobilityOff()); d.EnableMobility || !d.EnableIPAudioVideo {
		t.Errorf("defaults not applied around a set value: %+v", d)
	}
}

func dirMobilityOff() model.MobilityPolicy {
	off := false
	return model.MobilityPolicy{EnableMobility: &off}
}

// Hybrid: the directory carries the online Autodiscover URL the
// hosting provider sets, for the lab to send online users there.
func TestDirectoryOnlineAutodiscover(t *testing.T) {
	if got := New(fwModel(t, "multisite")).Directory.OnlineAutodiscoverURL; got != "https://webdir.online.lync.com/autodiscover/autodiscoverservice.svc/root" {
		t.Errorf("multisite (hybrid): %q", got)
	}
	if got := New(fwModel(t, "contoso")).Directory.OnlineAutodiscoverURL; got != "" {
		t.Errorf("contoso (not hybrid): %q", got)
	}
}

// Declared contact lists reach the directory, groups sorted by name,
// members bare and lower case in the order written.
func TestDirectoryContactGroups(t *testing.T) {
	m := fwModel(t, "multisite")
	u := m.Users["marc@fabrikam.com"]
	u.ContactGroups["Lyon"] = model.ContactGroup{Members: []string{"sip:Lea@Fabrikam.com", "hugo@fabrikam.com"}}
	m.Users["marc@fabrikam.com"] = u
	p := New(m)
	var got []plan.ContactGroup
	for _, du := range p.Directory.Users {
		switch du.SIP {
		case "marc@fabrikam.com":
			got = du.ContactGroups
		default:
			if len(du.ContactGroups) != 0 {
				t.Errorf("%s declares no list but has %v", du.SIP, du.ContactGroups)
			}
		}
	}
	want := []plan.ContactGroup{
		{Name: "Lyon", Members: []string{"lea@fabrikam.com", "hugo@fabrikam.com"}},
		{Name: "Pinned Contacts", Members: []string{"lea@fabrikam.com"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("marc's groups %+v, want %+v", got, want)
	}
}
