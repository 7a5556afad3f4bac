package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"pool", "site", "sip_domains", "server"}
	for in, want := range map[string]string{"poool": "pool", "sip_domain": "sip_domains", "serverr": "server", "zzzzzz": "", "pool": ""} {
		if got := Closest(in, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
