package protocol

import (
	"reflect"
	"testing"
)

func TestErrorBody(t *testing.T) {
	e := Error{Code: CodeForbidden, Subcode: SubcodeMobileApplicationNoLongerAllowed, Message: `Mobility is disabled by "NoMobility" <policy> & more`}
	j := e.Encode(UCWAJSON)
	if string(j) != `{"code":"Forbidden","subcode":"MobileApplicationNoLongerAllowed","message":"Mobility is disabled by \"NoMobility\" \u003cpolicy\u003e \u0026 more"}` {
		t.Errorf("JSON: %s", j)
	}
	x := e.Encode(UCWAXML)
	want := `<?xml version="1.0" encoding="utf-8"?><reason xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/rtc/2012/03/ucwa">` +
		`<code>Forbidden</code><subcode>MobileApplicationNoLongerAllowed</subcode><message>Mobility is disabled by &#34;NoMobility&#34; &lt;policy&gt; &amp; more</message></reason>`
	if string(x) != want {
		t.Errorf("XML:\n got %s\nwant %s", x, want)
	}
	for _, b := range [][]byte{j, x} {
		back, err := DecodeError(b)
		if err != nil || back != e {
			t.Errorf("round trip of %s: %+v, %v", b, back, err)
		}
	}
	if ErrorContentType(VndXML) != MediaXML || ErrorContentType(VndJSON) != MediaJSON {
		t.Error("error content types")
	}
	if back, err := DecodeError([]byte(`{"Code":"NotFound"}`)); err != nil || back.Code != CodeNotFound || back.Error() != "NotFound" {
		t.Errorf("%+v %v", back, err)
	}
	for _, bad := range []string{``, `{}`, `<reason/>`, `{"code":5}`} {
		if _, err := DecodeError([]byte(bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestDiagnostics(t *testing.T) {
	d := Diagnostics{ID: DiagNoValidSecurityToken, Source: "fe01.contoso.net", Reason: "No valid security token."}
	if got := d.String(); got != `28020;source="fe01.contoso.net";reason="No valid security token."` {
		t.Errorf("got %s", got)
	}
	d.Extra = []Param{{"faultcode", "wsse:FailedAuthentication"}}
	back, err := ParseDiagnostics(d.String())
	if err != nil || !reflect.DeepEqual(back, d) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	back, err = ParseDiagnostics(` 28055 ; Source = fe01 ; REASON="The OAuth token is invalid." `)
	if err != nil || back.ID != DiagOAuthTokenInvalid || back.Source != "fe01" || back.Reason != "The OAuth token is invalid." {
		t.Errorf("tolerant parse: %+v, %v", back, err)
	}
	for _, bad := range []string{``, `x;source="a"`, `1;source`, `1;=a`, `1 x`, `1;reason="open`} {
		if _, err := ParseDiagnostics(bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}
