package protocol

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

const base = "https://web.contoso.com/Autodiscover/AutodiscoverService.svc/root"

func sampleRoot() *Document {
	return &Document{Kind: KindRoot, AccessLocation: LocationExternal, Links: []Link{
		{TokenSelf, base + "?originalDomain=contoso.com&sipuri=alice@contoso.com"},
		{TokenDomain, base + "/domain?originalDomain=contoso.com&sipuri=alice@contoso.com"},
		{TokenUser, base + "/user?originalDomain=contoso.com&sipuri=alice@contoso.com"},
		{TokenOAuth, base + "/oauth/user?originalDomain=contoso.com&sipuri=alice@contoso.com"},
		{TokenXFrame, "https://web.contoso.com/Autodiscover/XFrame/XFrame.html"},
	}}
}

func sampleUser() *Document {
	return &Document{
		Kind:                    KindUser,
		AccessLocation:          LocationInternal,
		SipServerInternalAccess: &SipAccess{"pool01.contoso.net", 5061},
		SipClientInternalAccess: &SipAccess{"pool01.contoso.net", 5061},
		SipServerExternalAccess: &SipAccess{"sip.contoso.com", 5061},
		SipClientExternalAccess: &SipAccess{"sip.contoso.com", 443},
		Links: []Link{
			{TokenExternalUcwa, "https://webext.contoso.com/ucwa/oauth/v1/applications"},
			{TokenInternalUcwa, "https://webint.contoso.net/ucwa/oauth/v1/applications"},
			{TokenUcwa, "https://webint.contoso.net/ucwa/oauth/v1/applications"},
			{TokenXFrame, "https://webint.contoso.net/Autodiscover/XFrame/XFrame.html"},
			{TokenSelf, "https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/oauth/user"},
		},
	}
}

// The canonical forms, byte for byte.
func TestEncodeRoot(t *testing.T) {
	q := "?originalDomain=contoso.com&amp;sipuri=alice@contoso.com"
	want := map[Representation]string{
		VndXML: `<?xml version="1.0" encoding="utf-8"?>` +
			`<AutodiscoverResponse xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" AccessLocation="External"><Root>` +
			`<Link token="Domain" href="` + base + `/domain` + q + `"/>` +
			`<Link token="User" href="` + base + `/user` + q + `"/>` +
			`<Link token="OAuth" href="` + base + `/oauth/user` + q + `"/>` +
			`</Root></AutodiscoverResponse>`,
		VndJSON: `{"AccessLocation":"External","Root":{"Links":[` +
			`{"href":"https:\/\/web.contoso.com\/Autodiscover\/AutodiscoverService.svc\/root\/domain?originalDomain=contoso.com\u0026sipuri=alice@contoso.com","token":"Domain"},` +
			`{"href":"https:\/\/web.contoso.com\/Autodiscover\/AutodiscoverService.svc\/root\/user?originalDomain=contoso.com\u0026sipuri=alice@contoso.com","token":"User"},` +
			`{"href":"https:\/\/web.contoso.com\/Autodiscover\/AutodiscoverService.svc\/root\/oauth\/user?originalDomain=contoso.com\u0026sipuri=alice@contoso.com","token":"OAuth"}]}}`,
		UCWAJSON: `{"_links":{` +
			`"self":{"href":"` + base + `?originalDomain=contoso.com\u0026sipuri=alice@contoso.com"},` +
			`"user":{"href":"` + base + `/oauth/user?originalDomain=contoso.com\u0026sipuri=alice@contoso.com"},` +
			`"xframe":{"href":"https://web.contoso.com/Autodiscover/XFrame/XFrame.html"}}}`,
		UCWAXML: `<?xml version="1.0" encoding="utf-8"?>` +
			`<resource rel="root" href="` + base + q + `" xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">` +
			`<link rel="user" href="` + base + `/oauth/user` + q + `"/>` +
			`<link rel="xframe" href="https://web.contoso.com/Autodiscover/XFrame/XFrame.html"/>` +
			`<property name="rel">root</property></resource>`,
	}
	for r, w := range want {
		got, err := sampleRoot().Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != w {
			t.Errorf("%v:\n got %s\nwant %s", r, got, w)
		}
	}
}

func TestEncodeUser(t *testing.T) {
	xmlDoc, _ := sampleUser().Encode(VndXML)
	wantXML := `<?xml version="1.0" encoding="utf-8"?><AutodiscoverResponse xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" AccessLocation="Internal"><User>` +
		`<SipServerInternalAccess fqdn="pool01.contoso.net" port="5061"/><SipClientInternalAccess fqdn="pool01.contoso.net" port="5061"/>` +
		`<SipServerExternalAccess fqdn="sip.contoso.com" port="5061"/><SipClientExternalAccess fqdn="sip.contoso.com" port="443"/>` +
		`<Link token="External/Ucwa" href="https://webext.contoso.com/ucwa/oauth/v1/applications"/>` +
		`<Link token="Internal/Ucwa" href="https://webint.contoso.net/ucwa/oauth/v1/applications"/>` +
		`<Link token="Ucwa" href="https://webint.contoso.net/ucwa/oauth/v1/applications"/>` +
		`<Link token="XFrame" href="https://webint.contoso.net/Autodiscover/XFrame/XFrame.html"/>` +
		`<Link token="Self" href="https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/oauth/user"/>` +
		`</User></AutodiscoverResponse>`
	if string(xmlDoc) != wantXML {
		t.Errorf("vnd XML:\n got %s\nwant %s", xmlDoc, wantXML)
	}
	j, _ := sampleUser().Encode(UCWAJSON)
	wantJSON := `{"_links":{"self":{"href":"https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/oauth/user"},` +
		`"applications":{"href":"https://webint.contoso.net/ucwa/oauth/v1/applications"},` +
		`"xframe":{"href":"https://webint.contoso.net/Autodiscover/XFrame/XFrame.html"}}}`
	if string(j) != wantJSON {
		t.Errorf("UCWA JSON:\n got %s\nwant %s", j, wantJSON)
	}
	v, _ := sampleUser().Encode(VndJSON)
	if !strings.Contains(string(v), `"SipClientExternalAccess":{"fqdn":"sip.contoso.com","port":443}`) ||
		!strings.HasPrefix(string(v), `{"AccessLocation":"Internal","User":{"SipServerInternalAccess":`) {
		t.Errorf("vnd JSON: %s", v)
	}
	// Without a plain Ucwa link, applications follows the AccessLocation.
	u := sampleUser()
	u.Links = []Link{{TokenInternalUcwa, "https://in/ucwa"}, {TokenExternalUcwa, "https://out/ucwa"}}
	u.AccessLocation = LocationExternal
	j, _ = u.Encode(UCWAJSON)
	if string(j) != `{"_links":{"applications":{"href":"https://out/ucwa"}}}` {
		t.Errorf("external applications: %s", j)
	}
}

func TestEncodeRedirect(t *testing.T) {
	href := "https://pool2.contoso.com/Autodiscover/AutodiscoverService.svc/root/oauth/user"
	for _, k := range []Kind{KindRoot, KindUser} {
		d := NewRedirect(k, LocationExternal, href)
		j, _ := d.Encode(UCWAJSON)
		if string(j) != `{"_links":{"redirect":{"href":"`+href+`"}}}` {
			t.Errorf("%v UCWA JSON: %s", k, j)
		}
		x, _ := d.Encode(VndXML)
		want := `<` + k.String() + `><Link token="Redirect" href="` + href + `"/></` + k.String() + `>`
		if !strings.Contains(string(x), want) {
			t.Errorf("%v vnd XML: %s", k, x)
		}
		for r := VndXML; r <= UCWAXML; r++ {
			b, _ := d.Encode(r)
			back, err := Decode(r, b)
			if err != nil {
				t.Fatalf("%v %v: %v", k, r, err)
			}
			if got, ok := back.Redirect(); !ok || got != href {
				t.Errorf("%v %v: redirect %q, %v", k, r, got, ok)
			}
		}
	}
}

// vnd XML must have no default namespace: a client selects
// AutodiscoverResponse/Root/Link with a namespace-less XPath.
func TestVndXMLNamespaces(t *testing.T) {
	for _, d := range []*Document{sampleRoot(), sampleUser(), {Kind: KindDomain}} {
		b, _ := d.Encode(VndXML)
		if strings.Contains(string(b), ` xmlns="`) {
			t.Errorf("default namespace in %s", b)
		}
		var doc struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.XMLName.Space != "" || doc.XMLName.Local != "AutodiscoverResponse" {
			t.Errorf("root element %+v", doc.XMLName)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	docs := []*Document{sampleRoot(), sampleUser(), {Kind: KindDomain, AccessLocation: LocationInternal,
		SipClientInternalAccess: &SipAccess{"pool", 5061},
		Links:                   []Link{{TokenInternalAutodiscover, "https://a/root"}, {TokenUcwa, "https://a/ucwa"}}}}
	for _, d := range docs {
		for _, r := range []Representation{VndXML, VndJSON} {
			b, err := d.Encode(r)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(r, b)
			if err != nil {
				t.Fatalf("%v %v: %v\n%s", d.Kind, r, err, b)
			}
			want := *d
			want.Links = d.vndLinks()
			if !reflect.DeepEqual(back, &want) {
				t.Errorf("%v %v round trip:\n got %+v\nwant %+v", d.Kind, r, back, &want)
			}
		}
		// The UCWA forms keep the links they carry.
		for _, r := range []Representation{UCWAJSON, UCWAXML} {
			b, _ := d.Encode(r)
			back, err := Decode(r, b)
			if err != nil {
				t.Fatalf("%v %v: %v\n%s", d.Kind, r, err, b)
			}
			// The UCWA JSON carries no rel: a Domain reads back as a User.
			if back.Kind != d.Kind && (r != UCWAJSON || d.Kind != KindDomain) {
				t.Errorf("%v %v: kind %v", d.Kind, r, back.Kind)
			}
			again, _ := back.Encode(r)
			if string(again) != string(b) {
				t.Errorf("%v %v: re-encoding differs:\n%s\n%s", d.Kind, r, b, again)
			}
		}
	}
}

// Decoders accept what other servers and hand-written documents send.
func TestDecodeTolerant(t *testing.T) {
	t.Run("vnd JSON, any case, single Links object, string port", func(t *testing.T) {
		body := `{"accesslocation":"external","user":{"links":{"HREF":"https:\/\/x\/ucwa","Token":"ucwa"},` +
			`"sipclientexternalaccess":{"FQDN":"sip.contoso.com","Port":"443"}}}`
		d, err := Decode(VndJSON, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindUser || d.AccessLocation != LocationExternal {
			t.Errorf("kind %v location %q", d.Kind, d.AccessLocation)
		}
		if h, ok := d.Link(TokenUcwa); !ok || h != "https://x/ucwa" || d.Links[0].Token != "Ucwa" {
			t.Errorf("links %+v", d.Links)
		}
		if a := d.ClientAccess(); a == nil || a.FQDN != "sip.contoso.com" || a.Port != 443 {
			t.Errorf("client access %+v", a)
		}
	})
	t.Run("vnd JSON as the Lync 2013 documentation shows it", func(t *testing.T) {
		body := `{"AccessLocation":"External","Root":{"Links":[{"href":"https:\/\/webext\/root\/domain","token":"Domain"},{"href":"https:\/\/webext\/root\/user","token":"User"},{"href":"https:\/\/webext\/root\/oauth\/user","token":"OAuth"}]}}`
		d, err := Decode(VndJSON, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := d.Link(TokenOAuth); h != "https://webext/root/oauth/user" || len(d.Links) != 3 {
			t.Errorf("%+v", d.Links)
		}
	})
	t.Run("vnd XML with a namespace, lower case, whitespace", func(t *testing.T) {
		body := "<?xml version=\"1.0\"?>\n<autodiscoverresponse xmlns=\"urn:x\" accesslocation=\"internal\">\n <user>\n" +
			"  <sipclientinternalaccess FQDN=\"pool01\" PORT=\" 5061 \"/>\n  <link TOKEN=\"internal/ucwa\" HREF=\" https://a/ucwa \"></link>\n <!-- c -->\n </user>\n</autodiscoverresponse>"
		d, err := Decode(VndXML, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindUser || d.AccessLocation != LocationInternal || d.ClientAccess().Port != 5061 {
			t.Errorf("%+v", d)
		}
		if h, ok := d.Link(TokenInternalUcwa); !ok || h != "https://a/ucwa" || d.Links[0].Token != TokenInternalUcwa {
			t.Errorf("%+v", d.Links)
		}
	})
	t.Run("UCWA JSON with rel and odd case", func(t *testing.T) {
		d, err := Decode(UCWAJSON, []byte(`{"rel":"user","_LINKS":{"Self":{"Href":"https://a/self"},"Redirect":{"href":"https://b/root/oauth/user"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindUser {
			t.Errorf("kind %v", d.Kind)
		}
		if h, _ := d.Redirect(); h != "https://b/root/oauth/user" {
			t.Errorf("%+v", d.Links)
		}
	})
	t.Run("UCWA root: user link by path", func(t *testing.T) {
		d, _ := Decode(UCWAJSON, []byte(`{"_links":{"user":{"href":"https://a/root/user"}}}`))
		if _, ok := d.Link(TokenUser); !ok || d.Kind != KindRoot {
			t.Errorf("%+v", d)
		}
		d, _ = Decode(UCWAJSON, []byte(`{"_links":{"applications":{"href":"https://a/ucwa/v1/applications"}}}`))
		if d.Kind != KindUser {
			t.Errorf("applications should make a User: %v", d.Kind)
		}
	})
}

func TestDecodeRejects(t *testing.T) {
	deep := strings.Repeat("<a>", maxDepth+2) + strings.Repeat("</a>", maxDepth+2)
	var many strings.Builder
	many.WriteString(`{"Root":{"Links":[`)
	for i := 0; i <= MaxLinks; i++ {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteString(`{"token":"User","href":"h"}`)
	}
	many.WriteString(`]}}`)
	tests := []struct {
		r    Representation
		body string
	}{
		{VndXML, ""},
		{VndXML, "<html/>"},
		{VndXML, "<AutodiscoverResponse/>"},
		{VndXML, "<AutodiscoverResponse>" + deep + "</AutodiscoverResponse>"},
		{VndXML, `<?xml version="1.0" encoding="utf-16"?><AutodiscoverResponse><Root/></AutodiscoverResponse>`},
		{VndJSON, ""},
		{VndJSON, "[]"},
		{VndJSON, "null"},
		{VndJSON, `{"AccessLocation":"External"}`},
		{VndJSON, `{"Root":{"Links":"x"}}`},
		{VndJSON, `{"Root":{"Links":[{"href":1}]}}`},
		{VndJSON, `{"User":{"SipClientExternalAccess":{"fqdn":"a","port":"x"}}}`},
		{VndJSON, many.String()},
		{UCWAJSON, `{"links":{}}`},
		{UCWAJSON, `{"_links":{"self":"x"}}`},
		{UCWAXML, `<reason/>`},
		{UCWAXML, `<resource>` + deep + `</resource>`},
		{VndXML, strings.Repeat(" ", MaxBody+1)},
		{0, "{}"},
	}
	for _, tt := range tests {
		if d, err := Decode(tt.r, []byte(tt.body)); err == nil {
			b := tt.body
			if len(b) > 80 {
				b = b[:80] + "…"
			}
			t.Errorf("Decode(%v, %q) = %+v, want an error", tt.r, b, d)
		}
	}
	if _, err := (&Document{}).Encode(VndXML); err == nil {
		t.Error("encoding a document without a kind succeeded")
	}
	if _, err := sampleRoot().Encode(0); err == nil {
		t.Error("encoding in no representation succeeded")
	}
}

func TestCanonicalToken(t *testing.T) {
	for in, want := range map[string]string{"oauth": "OAuth", "INTERNAL/UCWA": "Internal/Ucwa", " xframe ": "XFrame", "external/mcx": "External/Mcx"} {
		if got, ok := CanonicalToken(in); !ok || got != want {
			t.Errorf("CanonicalToken(%q) = %q, %v", in, got, ok)
		}
	}
	if got, ok := CanonicalToken("Something/Else"); ok || got != "Something/Else" {
		t.Errorf("unknown token: %q, %v", got, ok)
	}
}

// The vnd JSON must stay valid JSON after escaping every '/'.
func TestVndJSONValid(t *testing.T) {
	for _, d := range []*Document{sampleRoot(), sampleUser()} {
		b, _ := d.Encode(VndJSON)
		if !json.Valid(b) {
			t.Errorf("invalid JSON: %s", b)
		}
		if strings.Contains(string(b), "https://") {
			t.Errorf("unescaped slashes: %s", b)
		}
	}
}

// The fast JSON string writer matches encoding/json byte for byte.
func TestWriteJSONString(t *testing.T) {
	cases := []string{"", "https://a/b?c=d&e=f", `q"u\o`, "<tag>", "\x00\x01\x1f\x7f", "tab\tnl\ncr\r", "é ü", "\u2028", "\xff"}
	for c := 0; c < 256; c++ {
		cases = append(cases, string([]byte{byte(c)}))
	}
	for _, s := range cases {
		var b bytes.Buffer
		writeJSONString(&b, s)
		want, _ := json.Marshal(s)
		if b.String() != string(want) {
			t.Errorf("%q: got %s, want %s", s, b.String(), want)
		}
	}
}
