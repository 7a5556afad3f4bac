package protocol

import "testing"

// Every Accept / Content-Type combination of the protocol notes (§3.1),
// plus the edges of the recommended negotiation.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, accept, contentType string
		def, want                 Representation
	}{
		// §3.1, one row per client family
		{"libpurple plug-in, Exchange monitoring, Monkey365", "application/vnd.microsoft.rtc.autodiscover+xml;v=1", "", UCWAJSON, VndXML},
		{"Exchange OWA", "application/vnd.microsoft.rtc.autodiscover+json;v=1", "", UCWAJSON, VndJSON},
		{"UCWA docs, Mattermost plug-in", "application/json", "", VndJSON, UCWAJSON},
		{"pentest tools: Content-Type on a GET", "*/*", "application/json", VndJSON, UCWAJSON},
		{"Content-Type with charset", "*/*", "application/json; charset=utf-8", VndJSON, UCWAJSON},
		{"UCWA reference pages", "application/xml", "", UCWAJSON, UCWAXML},
		{"nothing: SfB default", "", "", UCWAJSON, UCWAJSON},
		{"nothing: Lync 2013 default", "", "", VndJSON, VndJSON},
		{"*/* only", "*/*", "", VndJSON, VndJSON},
		// UCWA's own media types
		{"UCWA JSON type", "application/vnd.microsoft.com.ucwa+json", "", VndXML, UCWAJSON},
		{"UCWA XML type", "application/vnd.microsoft.com.ucwa+xml", "", VndJSON, UCWAXML},
		// the steps go in order, whatever the order or q of the header
		{"vnd xml beats json", "application/json, application/vnd.microsoft.rtc.autodiscover+xml;v=1", "", UCWAJSON, VndXML},
		{"vnd xml beats vnd json", "application/vnd.microsoft.rtc.autodiscover+json;v=1,application/vnd.microsoft.rtc.autodiscover+xml;v=1;q=0.1", "", UCWAJSON, VndXML},
		{"vnd json beats json", "application/json;q=1, application/vnd.microsoft.rtc.autodiscover+json", "", UCWAJSON, VndJSON},
		{"json beats xml", "application/xml, application/json", "", VndJSON, UCWAJSON},
		{"Accept beats Content-Type", "application/vnd.microsoft.rtc.autodiscover+xml", "application/json", UCWAJSON, VndXML},
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", VndJSON, UCWAXML},
		// q=0 means not acceptable
		{"q=0 excluded", "application/vnd.microsoft.rtc.autodiscover+xml;q=0, application/json", "", VndJSON, UCWAJSON},
		{"q=0.0 excluded", "application/json;q=0.0", "", VndJSON, VndJSON},
		// tolerance
		{"case and spaces", "  Application/VND.Microsoft.RTC.Autodiscover+XML ; v=1 ", "", UCWAJSON, VndXML},
		{"quoted comma in a parameter", `text/plain;x="a,application/json", application/xml`, "", VndJSON, UCWAXML},
		{"a wildcard names nothing", "application/*", "", VndJSON, VndJSON},
		{"xml Content-Type is not a rule", "*/*", "application/xml", UCWAJSON, UCWAJSON},
		{"vnd Content-Type is not a rule", "", "application/vnd.microsoft.rtc.autodiscover+xml", VndJSON, VndJSON},
		{"garbage", ";;;,,,=\"", "\x00", VndJSON, VndJSON},
		{"invalid default", "", "", 0, UCWAJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.accept, tt.contentType, tt.def); got != tt.want {
				t.Errorf("Negotiate(%q, %q, %v) = %v, want %v", tt.accept, tt.contentType, tt.def, got, tt.want)
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	want := map[Representation]string{
		VndXML:   "application/vnd.microsoft.rtc.autodiscover+xml; v=1",
		VndJSON:  "application/vnd.microsoft.rtc.autodiscover+json; v=1",
		UCWAJSON: "application/json",
		UCWAXML:  "application/xml",
	}
	for r, ct := range want {
		if got := r.ContentType(); got != ct {
			t.Errorf("%v.ContentType() = %q, want %q", r, got, ct)
		}
		// A client classifies what a server sends back.
		if got, ok := RepresentationOf(ct); !ok || got != r {
			t.Errorf("RepresentationOf(%q) = %v, %v", ct, got, ok)
		}
	}
	for ct, r := range map[string]Representation{
		"application/vnd.microsoft.rtc.autodiscover+xml;v=1": VndXML,
		"application/json; charset=utf-8":                    UCWAJSON,
		"application/vnd.microsoft.com.ucwa+json":            UCWAJSON,
		"text/xml": UCWAXML,
	} {
		if got, ok := RepresentationOf(ct); !ok || got != r {
			t.Errorf("RepresentationOf(%q) = %v, %v, want %v", ct, got, ok, r)
		}
	}
	if _, ok := RepresentationOf("text/html"); ok {
		t.Error("text/html classified as an Autodiscover representation")
	}
	if Representation(0).ContentType() != "" || Representation(9).Valid() {
		t.Error("an invalid representation has a content type")
	}
}

func TestDefaultRepresentation(t *testing.T) {
	for product, want := range map[string]Representation{"lync2013": VndJSON, "sfb2015": UCWAJSON, "sfb2019": UCWAJSON, "": UCWAJSON} {
		if got := DefaultRepresentation(product); got != want {
			t.Errorf("DefaultRepresentation(%q) = %v, want %v", product, got, want)
		}
	}
}
