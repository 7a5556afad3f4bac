package haproxy

import "testing"

func TestName(t *testing.T) {
	for _, s := range []string{"listener-https", "SfB-Web-HTTPS-https", "a.b:c_d"} {
		if got, err := Name(s); err != nil || got != s {
			t.Errorf("Name(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "a b", "a#b", "a\nlisten x", "a\"b", "a'b", "a\\b", "${X}", "a/b"} {
		if _, err := Name(s); err == nil {
			t.Errorf("Name(%q) accepted", s)
		}
	}
}

func TestComment(t *testing.T) {
	if c, err := Comment("Rule x (y; z #) on listener https."); err != nil || c != "# Rule x (y; z #) on listener https." {
		t.Errorf("Comment: %q, %v", c, err)
	}
	for _, s := range []string{"a\nlisten evil", "a\rb", "a\u2028b"} {
		if _, err := Comment(s); err == nil {
			t.Errorf("Comment(%q) accepted", s)
		}
	}
}

func TestWord(t *testing.T) {
	for _, s := range []string{"tls/rp-listener.pem", "192.0.2.1:443", "[2001:db8::1]:443"} {
		if _, err := Word(s); err != nil {
			t.Errorf("Word(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a b", "a#b", "a\n", "\"x\"", "$HOME"} {
		if _, err := Word(s); err == nil {
			t.Errorf("Word(%q) accepted", s)
		}
	}
}

func TestNames(t *testing.T) {
	n := Names{}
	if n.Declare("section", "a") != nil || n.Declare("acl", "a") != nil {
		t.Fatal("first declarations refused")
	}
	if n.Declare("section", "a") == nil {
		t.Error("a second section a accepted")
	}
}
