package dnsserver_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/runtime/dnsserver"
)

const apex = `$TTL 3600
@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300
@ IN NS ns1.example.com.
`

func TestParseZone(t *testing.T) {
	z, err := dnsserver.ParseZone("Example.COM", []byte(apex+"WWW IN A 192.0.2.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != "example.com." || len(z.Records) != 3 || z.Records[2].Header().Name != "www.example.com." {
		t.Errorf("got %s %v", z.Name, z.Records)
	}

	for _, c := range []struct{ name, data, want string }{
		{"include", apex + "$INCLUDE /etc/passwd\n", "$INCLUDE"},
		{"outside", apex + "www.example.org. IN A 192.0.2.1\n", "outside the zone"},
		{"parent", apex + "com. IN A 192.0.2.1\n", "outside the zone"},
		{"class", apex + "www CH A 192.0.2.1\n", "class"},
		{"syntax", apex + "www IN A not-an-address\n", "example.com."},
		{"generate", apex + "$GENERATE 1-60000 h$ A 192.0.2.1\n", "more than 50000 records"},
		{"size", apex + strings.Repeat("; padding\n", dnsserver.MaxZoneBytes/10+1), "bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dnsserver.ParseZone("example.com", []byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one about %q", err, c.want)
			}
		})
	}
	if _, err := dnsserver.ParseZone("bad..name", []byte(apex)); err == nil {
		t.Error("a zone named bad..name parsed")
	}
}

func TestNewRefuses(t *testing.T) {
	zone := func(kind, name, body string) dnsserver.Zone {
		z, err := dnsserver.ParseZone(name, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		z.Kind = kind
		return z
	}
	auth := dnsserver.KindAuthoritative
	for _, c := range []struct {
		name  string
		view  string
		zones []dnsserver.Zone
		want  string
	}{
		{"view", "dmz", nil, "view"},
		{"kind", "external", []dnsserver.Zone{zone("", "example.com", apex)}, "kind"},
		{"no SOA", "external", []dnsserver.Zone{zone(auth, "example.com", "@ 3600 IN NS ns1.example.com.\n")}, "no SOA"},
		{"two SOA", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"@ IN SOA a. b. 2 1 1 1 1\n")}, "more than one SOA"},
		{"SOA below", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"x IN SOA a. b. 2 1 1 1 1\n")}, "below the apex"},
		{"no NS", "external", []dnsserver.Zone{zone(auth, "example.com", "@ 3600 IN SOA a. b. 1 1 1 1 1\n")}, "no NS"},
		{"delegation", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"sub IN NS ns.other.\n")}, "delegations"},
		{"wildcard", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"* IN A 192.0.2.1\n")}, "wildcard"},
		{"DNAME", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"d IN DNAME example.org.\n")}, "DNAME"},
		{"CNAME and A", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"w IN A 192.0.2.1\nw IN CNAME x.example.org.\n")}, "beside other data"},
		{"A after CNAME", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"w IN CNAME x.example.org.\nw IN A 192.0.2.1\n")}, "beside other data"},
		{"two CNAMEs", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"w IN CNAME x.example.org.\nw IN CNAME y.example.org.\n")}, "beside other data"},
		{"CNAME at apex", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"@ IN CNAME x.example.org.\n")}, "apex"},
		{"duplicate record", "external", []dnsserver.Zone{zone(auth, "example.com", apex+"w IN A 192.0.2.1\nW 60 IN A 192.0.2.1\n")}, "twice"},
		{"duplicate zone", "external", []dnsserver.Zone{zone(auth, "example.com", apex), zone(auth, "EXAMPLE.com.", apex)}, "given twice"},
		{"pin-point below", "internal", []dnsserver.Zone{zone(dnsserver.KindPinPoint, "example.com", apex+"x IN A 192.0.2.1\n")}, "pin-point"},
		{"outside", "external", []dnsserver.Zone{{Name: "example.com", Kind: auth, Records: []dns.RR{mustRR(t, "www.example.org. 60 IN A 192.0.2.1")}}}, "outside"},
		{"nil record", "external", []dnsserver.Zone{{Name: "example.com", Kind: auth, Records: []dns.RR{nil}}}, "empty record"},
		{"root", "external", []dnsserver.Zone{{Name: ".", Kind: auth}}, "root"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dnsserver.New(c.view, c.zones, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one about %q", err, c.want)
			}
		})
	}
}

// TestNewKeepsCallersRecords: New serves lower-cased copies and leaves
// the records it was given as they were.
func TestNewKeepsCallersRecords(t *testing.T) {
	z, err := dnsserver.ParseZone("example.com", []byte(apex))
	if err != nil {
		t.Fatal(err)
	}
	a := mustRR(t, "WWW.Example.com. 60 IN A 192.0.2.1")
	z.Kind, z.Records = dnsserver.KindAuthoritative, append(z.Records, a)
	s, err := dnsserver.New("external", []dnsserver.Zone{z}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Header().Name != "WWW.Example.com." {
		t.Errorf("New changed the caller's record to %s", a.Header().Name)
	}
	m := new(dns.Msg)
	m.SetQuestion("www.example.com.", dns.TypeA)
	w := &recorder{network: "udp"}
	s.ServeDNS(w, m)
	r := new(dns.Msg)
	if len(w.writes) != 1 || r.Unpack(w.writes[0]) != nil || len(r.Answer) != 1 || r.Answer[0].Header().Name != "www.example.com." {
		t.Errorf("answer %v", r)
	}
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEveryRecordServed: for every valid example and view, each record of
// each generated zone file is answered, exactly as the file has it, by
// asking for its owner and type.
func TestEveryRecordServed(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		for _, view := range []string{"internal", "external"} {
			t.Run(ex+"/"+view, func(t *testing.T) {
				zones := viewZones(t, examplePlan(t, ex), view)
				s, err := dnsserver.New(view, zones, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, z := range zones {
					want := map[dns.Question][]string{}
					for _, r := range z.Records {
						q := dns.Question{Name: r.Header().Name, Qtype: r.Header().Rrtype, Qclass: dns.ClassINET}
						want[q] = append(want[q], canon(r))
					}
					for q, records := range want {
						m := new(dns.Msg)
						m.Question = []dns.Question{q}
						m.SetEdns0(1232, false)
						w := &recorder{network: "tcp"}
						s.ServeDNS(w, m)
						r := new(dns.Msg)
						if len(w.writes) != 1 || r.Unpack(w.writes[0]) != nil {
							t.Fatalf("%s %s: no answer", q.Name, dns.Type(q.Qtype))
						}
						if got := canonAll(r.Answer); r.Rcode != dns.RcodeSuccess || !r.Authoritative || !slices.Equal(got, records) {
							t.Errorf("%s %s: %s AA %v %v, want %v", q.Name, dns.Type(q.Qtype), dns.RcodeToString[r.Rcode], r.Authoritative, got, records)
						}
					}
				}
			})
		}
	}
}
