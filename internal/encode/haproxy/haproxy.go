// Package haproxy writes values into HAProxy configurations
// (proxy/haproxy.cfg, hlb/haproxy.cfg) so that none can change the
// file's structure.
//
// HAProxy reads a configuration line by line and splits each line into
// words at spaces and tabs; '#' starts a comment, '\' escapes, quotes
// group words and double quotes expand environment variables
// ("quoting and escaping" in its configuration manual). The encoders do
// not quote: a name, an address, a host name or a path is written as
// one word, and a value that is not such a word is refused. A comment
// is free text on one line.
package haproxy

import (
	"fmt"

	"github.com/mobplan/mobplan/internal/encode"
)

// Name returns s as a proxy, ACL, server, stick table or cookie name:
// the characters HAProxy allows in a proxy name (letters, digits, '_',
// '.', ':' and '-'), or an error.
func Name(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("an empty name cannot be an HAProxy name")
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			return "", fmt.Errorf("%q cannot be an HAProxy name: use letters, digits, '_', '.', ':' and '-'", s)
		}
	}
	return s, nil
}

// Comment returns "# " and text, which must fit on one line.
func Comment(text string) (string, error) {
	if err := encode.Line(text); err != nil {
		return "", fmt.Errorf("cannot be written in an HAProxy comment: %w", err)
	}
	return "# " + text, nil
}

// Word returns s as one word of a directive: a host name, an address,
// host:port or a relative path of names, or an error.
func Word(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("an empty value cannot be an HAProxy word")
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-' || c == '/' || c == '[' || c == ']' || c == '*') {
			return "", fmt.Errorf("%q cannot be written as one HAProxy word", s)
		}
	}
	return s, nil
}

// Names keeps the names a configuration declares, by kind ("backend",
// "acl of frontend x", ...), so that no two declarations share one:
// HAProxy merges ACLs of one name and refuses two proxies of one name.
type Names map[string]map[string]bool

// Declare records name as one of kind, or returns an error if it is
// declared already.
func (n Names) Declare(kind, name string) error {
	if n[kind] == nil {
		n[kind] = map[string]bool{}
	}
	if n[kind][name] {
		return fmt.Errorf("the %s name %q is used twice", kind, name)
	}
	n[kind][name] = true
	return nil
}
