package protocol

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Grant types of the MsRtcOAuth challenge and the token endpoint.
const (
	GrantWindows     = "urn:microsoft.rtc:windows"
	GrantAnonMeeting = "urn:microsoft.rtc:anonmeeting"
	GrantPassword    = "password"
	GrantPassive     = "urn:microsoft.rtc:passive"
)

// DefaultGrantTypes are the grant types an on-premises server offers, in
// the order the documentation shows them.
var DefaultGrantTypes = []string{GrantWindows, GrantAnonMeeting, GrantPassword}

// The identities of the Bearer challenge an on-premises server sends: the
// trusted issuer is the OAuth service principal at the server's realm.
const (
	BearerIssuerPrincipal = "00000002-0000-0ff1-ce00-000000000000"
	BearerClientID        = "00000004-0000-0ff1-ce00-000000000000"
)

// Authentication schemes.
const (
	SchemeMsRtcOAuth = "MsRtcOAuth"
	SchemeBearer     = "Bearer"
)

// OAuthChallenge is the MsRtcOAuth challenge of the OAuth user resource:
// where to get a token and with which grants.
type OAuthChallenge struct {
	Href       string
	GrantTypes []string
}

// String renders the challenge exactly as clients need it:
//
//	MsRtcOAuth href="https://…/WebTicket/oauthtoken",grant_type="urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password"
//
// the href quoted (clients extract it with `MsRtcOAuth href="(.*?)"`), a
// comma right after it with no space (a Go chat integration splits on it),
// and every grant type inside one quoted grant_type.
func (c OAuthChallenge) String() string {
	g := c.GrantTypes
	if g == nil {
		g = DefaultGrantTypes
	}
	return SchemeMsRtcOAuth + ` href=` + quote(c.Href) + `,grant_type=` + quote(strings.Join(g, ","))
}

// BearerChallenge is the Bearer challenge an on-premises server sends
// beside MsRtcOAuth. It names no href and no https URL: a PHP library
// takes any href= it finds and a Node strategy the first URL.
type BearerChallenge struct {
	TrustedIssuers string
	ClientID       string
}

// NewBearerChallenge is the on-premises Bearer challenge for an OAuth realm
// (on premises, the default SIP domain).
func NewBearerChallenge(realm string) BearerChallenge {
	return BearerChallenge{TrustedIssuers: BearerIssuerPrincipal + "@" + realm, ClientID: BearerClientID}
}

// String renders the challenge as the documentation shows it:
//
//	Bearer trusted_issuers="00000002-0000-0ff1-ce00-000000000000@contoso.com", client_id="00000004-0000-0ff1-ce00-000000000000"
func (c BearerChallenge) String() string {
	return SchemeBearer + ` trusted_issuers=` + quote(c.TrustedIssuers) + `, client_id=` + quote(c.ClientID)
}

// quote is an RFC 7230 quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Challenge is one parsed challenge of a WWW-Authenticate header.
type Challenge struct {
	Scheme string
	// Token68 is the scheme's single token68 value (Negotiate, NTLM), if any.
	Token68 string
	Params  []Param
}

// Param is one auth-param, in order.
type Param struct {
	Name, Value string
}

// Param returns a parameter's value by name, in any case.
func (c Challenge) Param(name string) (string, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// Bounds of ParseChallenges.
const (
	maxChallengeHeaders = 32
	maxChallengeBytes   = 8 << 10
	maxChallenges       = 32
	maxParams           = 32
)

// ParseChallenges parses WWW-Authenticate header values (RFC 7235: a
// header may hold several comma-separated challenges, a quoted value may
// hold commas). It is tolerant of extra whitespace and empty list elements
// and bounded in the number and size of what it reads.
func ParseChallenges(values []string) ([]Challenge, error) {
	if len(values) > maxChallengeHeaders {
		return nil, fmt.Errorf("%d WWW-Authenticate headers, more than %d", len(values), maxChallengeHeaders)
	}
	var out []Challenge
	for _, v := range values {
		if len(v) > maxChallengeBytes {
			return nil, fmt.Errorf("WWW-Authenticate of %d bytes, more than %d", len(v), maxChallengeBytes)
		}
		cs, err := parseChallengeList(v)
		if err != nil {
			return nil, fmt.Errorf("WWW-Authenticate %q: %w", v, err)
		}
		out = append(out, cs...)
		if len(out) > maxChallenges {
			return nil, fmt.Errorf("more than %d challenges", maxChallenges)
		}
	}
	return out, nil
}

// scanner reads one header value.
type scanner struct {
	s string
	i int
}

func (sc *scanner) skipSpace() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

func (sc *scanner) skipSeparators() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == ',') {
		sc.i++
	}
}

func (sc *scanner) done() bool { return sc.i >= len(sc.s) }

func (sc *scanner) peek() byte {
	if sc.done() {
		return 0
	}
	return sc.s[sc.i]
}

// isTchar reports an RFC 7230 token character.
func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (sc *scanner) token() string {
	start := sc.i
	for sc.i < len(sc.s) && isTchar(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i]
}

// token68 reads [A-Za-z0-9-._~+/]+ =*.
func (sc *scanner) token68() string {
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0 {
			sc.i++
			continue
		}
		break
	}
	for sc.i < len(sc.s) && sc.s[sc.i] == '=' {
		sc.i++
	}
	return sc.s[start:sc.i]
}

func (sc *scanner) quoted() (string, error) {
	sc.i++ // opening quote
	var b strings.Builder
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		sc.i++
		switch c {
		case '\\':
			if sc.i < len(sc.s) {
				b.WriteByte(sc.s[sc.i])
				sc.i++
			}
		case '"':
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated quoted string")
}

// atParam reports whether the scanner stands at `name =` (an auth-param)
// rather than at the next challenge's scheme.
func (sc *scanner) atParam() bool {
	save := sc.i
	defer func() { sc.i = save }()
	if sc.token() == "" {
		return false
	}
	sc.skipSpace()
	if sc.peek() != '=' {
		return false
	}
	// "abc==" or "abc=" at the end is a token68, not abc with a value.
	sc.i++
	sc.skipSpace()
	c := sc.peek()
	return c != '=' && c != ',' && c != 0
}

func parseChallengeList(v string) ([]Challenge, error) {
	sc := &scanner{s: v}
	var out []Challenge
	for {
		sc.skipSeparators()
		if sc.done() {
			return out, nil
		}
		scheme := sc.token()
		if scheme == "" {
			return nil, fmt.Errorf("unexpected %q at %d", sc.peek(), sc.i)
		}
		c := Challenge{Scheme: scheme}
		sc.skipSpace()
		// A token68 directly after the scheme (Negotiate abc==).
		if !sc.done() && sc.peek() != ',' && !sc.atParam() {
			save := sc.i
			t := sc.token68()
			sc.skipSpace()
			if t != "" && (sc.done() || sc.peek() == ',') {
				c.Token68 = t
			} else {
				sc.i = save
			}
		}
		for c.Token68 == "" {
			sc.skipSeparators()
			if sc.done() || !sc.atParam() {
				break
			}
			if len(c.Params) == maxParams {
				return nil, fmt.Errorf("more than %d parameters", maxParams)
			}
			name := sc.token()
			sc.skipSpace()
			sc.i++ // '='
			sc.skipSpace()
			var val string
			if sc.peek() == '"' {
				q, err := sc.quoted()
				if err != nil {
					return nil, err
				}
				val = q
			} else {
				val = sc.token()
			}
			c.Params = append(c.Params, Param{Name: name, Value: val})
			sc.skipSpace()
			if !sc.done() && sc.peek() != ',' {
				return nil, fmt.Errorf("unexpected %q after %s=", sc.peek(), name)
			}
		}
		out = append(out, c)
		if len(out) > maxChallenges {
			return nil, fmt.Errorf("more than %d challenges", maxChallenges)
		}
	}
}

// FindOAuthChallenge returns the MsRtcOAuth challenge among WWW-Authenticate
// values.
func FindOAuthChallenge(values []string) (OAuthChallenge, bool) {
	cs, err := ParseChallenges(values)
	if err != nil {
		return OAuthChallenge{}, false
	}
	for _, c := range cs {
		if !strings.EqualFold(c.Scheme, SchemeMsRtcOAuth) {
			continue
		}
		href, ok := c.Param("href")
		if !ok {
			continue
		}
		oc := OAuthChallenge{Href: href}
		if g, ok := c.Param("grant_type"); ok {
			for t := range strings.SplitSeq(g, ",") {
				if t = strings.TrimSpace(t); t != "" {
					oc.GrantTypes = append(oc.GrantTypes, t)
				}
			}
		}
		return oc, true
	}
	return OAuthChallenge{}, false
}

// The expressions real clients use on the raw header.
var (
	// python-ucwa-bot, a password-spray script, Node clients, UCWA.NET.
	reMsRtcOAuthHref = regexp.MustCompile(`MsRtcOAuth href="(.*?)"`)
	// A Go chat integration splits on the comma right after the href.
	reHrefThenComma = regexp.MustCompile(`MsRtcOAuth href="[^"]*",`)
)

// CheckChallenges lists what in a user resource's WWW-Authenticate values
// would break a known client, empty when nothing would:
//
//   - an MsRtcOAuth challenge with a quoted https href, matched by the
//     regular expression clients use;
//   - a comma right after the closing quote of the href;
//   - "password" among the grant types;
//   - no href= and no https:// URL in the Bearer challenge (on premises).
func CheckChallenges(values []string) []string {
	var problems []string
	var oauth, bearer []string
	for _, v := range values {
		switch {
		case strings.Contains(strings.ToLower(v), strings.ToLower(SchemeMsRtcOAuth)):
			oauth = append(oauth, v)
		case strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "bearer"):
			bearer = append(bearer, v)
		}
	}
	if len(oauth) == 0 {
		problems = append(problems, "no MsRtcOAuth challenge")
	}
	for _, v := range oauth {
		m := reMsRtcOAuthHref.FindStringSubmatch(v)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%q: no quoted href matching %s", v, reMsRtcOAuthHref))
			continue
		}
		if !strings.HasPrefix(strings.ToLower(m[1]), "https://") {
			problems = append(problems, fmt.Sprintf("%q: href %q is not an https URL", v, m[1]))
		}
		if !reHrefThenComma.MatchString(v) {
			problems = append(problems, fmt.Sprintf("%q: no comma right after the href", v))
		}
		oc, ok := FindOAuthChallenge([]string{v})
		if !ok || !containsFold(oc.GrantTypes, GrantPassword) {
			problems = append(problems, fmt.Sprintf("%q: grant_type lacks %q", v, GrantPassword))
		}
	}
	for _, v := range bearer {
		if strings.Contains(strings.ToLower(v), "href=") {
			problems = append(problems, fmt.Sprintf("%q: the Bearer challenge has an href", v))
		}
		if strings.Contains(strings.ToLower(v), "https://") {
			problems = append(problems, fmt.Sprintf("%q: the Bearer challenge has an https URL", v))
		}
	}
	return problems
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
