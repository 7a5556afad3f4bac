package canon

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/diag"
)

// SensitiveMarker stands for a secret wherever mobplan would otherwise
// digest or show it. A digest over the secret itself would be a guessing
// oracle: anyone who can read a manifest or a saved plan could try
// passwords against it offline.
const SensitiveMarker = "(sensitive)"

// SecretField reports whether p is a field the schema holds secret,
// whatever the syntax: a user's lab_password. Nothing mobplan writes
// holds its value, and its value never enters a digest or a message.
func SecretField(p Path) bool {
	return len(p) == 3 && p[0] == "users" && p[2] == "lab_password"
}

// MarkSensitive records that the value at p is sensitive: an HCL
// variable declared sensitive flowed there.
func (d *Document) MarkSensitive(p Path) {
	if d.Sensitive == nil {
		d.Sensitive = map[string]bool{}
	}
	d.Sensitive[p.Key()] = true
}

// IsSensitive reports whether the value at p is secret: a secret field,
// or marked sensitive (p itself or an ancestor).
func (d *Document) IsSensitive(p Path) bool {
	if SecretField(p) {
		return true
	}
	for n := len(p); n > 0; n-- {
		if d.Sensitive[p[:n].Key()] {
			return true
		}
	}
	return false
}

// Redacted returns a copy of v, the value of d or one derived from it
// with the same paths (the schema-unified value), with every secret
// replaced by SensitiveMarker. v itself is not changed.
func (d *Document) Redacted(v any) any {
	var walk func(v any, p Path) any
	walk = func(v any, p Path) any {
		if len(p) > 0 && d.IsSensitive(p) {
			return SensitiveMarker
		}
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e, append(p, k))
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e, append(p, i))
			}
			return out
		}
		return v
	}
	return walk(v, Path{})
}

// Secrets lists the text of every secret the document's value holds
// (strings at secret fields and sensitive paths), longest first.
func (d *Document) Secrets() []string {
	var out []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for _, e := range x {
				collect(e)
			}
		case []any:
			for _, e := range x {
				collect(e)
			}
		}
	}
	users, _ := d.Value["users"].(map[string]any)
	for _, u := range users {
		if m, ok := u.(map[string]any); ok {
			collect(m["lab_password"])
		}
	}
	for key := range d.Sensitive {
		collect(lookupKey(d.Value, key))
	}
	return SortSecrets(out)
}

// lookupKey is Lookup by a Path.Key.
func lookupKey(v any, key string) any {
	if key == "" {
		return v
	}
	for _, e := range strings.Split(key, "\x1f") {
		switch x := v.(type) {
		case map[string]any:
			v = x[e]
		case []any:
			i, err := strconv.Atoi(strings.TrimPrefix(e, "#"))
			if !strings.HasPrefix(e, "#") || err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// SortSecrets drops empty and repeated secrets and orders the rest
// longest first, so that a secret containing another is replaced whole.
func SortSecrets(secrets []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range secrets {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) || len(out[i]) == len(out[j]) && out[i] < out[j] })
	return out
}

// RedactDiagnostics replaces every secret in the diagnostics' words (as
// written and as Go quotes it) by SensitiveMarker.
func RedactDiagnostics(ds diag.Diagnostics, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	var pairs []string
	for _, s := range SortSecrets(secrets) {
		pairs = append(pairs, s, SensitiveMarker)
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			pairs = append(pairs, q[1:len(q)-1], SensitiveMarker)
		}
	}
	r := strings.NewReplacer(pairs...)
	for i := range ds {
		ds[i].Summary = r.Replace(ds[i].Summary)
		ds[i].Detail = r.Replace(ds[i].Detail)
		ds[i].Hint = r.Replace(ds[i].Hint)
	}
}

// RedactSources returns sources with every secret masked byte for byte
// ('*'), so that a snippet never shows one and positions stay right.
func RedactSources(sources map[string][]byte, secrets []string) map[string][]byte {
	secrets = SortSecrets(secrets)
	if len(secrets) == 0 {
		return sources
	}
	out := make(map[string][]byte, len(sources))
	for name, src := range sources {
		masked, cloned := src, false
		for _, s := range secrets {
			if !bytes.Contains(masked, []byte(s)) {
				continue
			}
			if !cloned {
				masked, cloned = bytes.Clone(src), true
			}
			for i := 0; ; {
				j := bytes.Index(masked[i:], []byte(s))
				if j < 0 {
					break
				}
				for k := i + j; k < i+j+len(s); k++ {
					masked[k] = '*'
				}
				i += j + len(s)
			}
		}
		out[name] = masked
	}
	return out
}
