package protocol

import "strings"

// The token vocabulary of MS-OCDISCWS Link elements (§3.5 of the notes), in
// canonical case. Servers emit these spellings exactly: one client
// (Exchange's monitoring probe) compares tokens case-sensitively.
const (
	TokenRedirect = "Redirect"
	TokenUser     = "User"
	TokenDomain   = "Domain"
	TokenOAuth    = "OAuth"
	TokenSelf     = "Self"
	TokenUcwa     = "Ucwa"
	TokenXFrame   = "XFrame"

	TokenInternalAutodiscover = "Internal/Autodiscover"
	TokenExternalAutodiscover = "External/Autodiscover"
	TokenInternalAuthBroker   = "Internal/AuthBroker"
	TokenExternalAuthBroker   = "External/AuthBroker"
	TokenInternalUcwa         = "Internal/Ucwa"
	TokenExternalUcwa         = "External/Ucwa"
	TokenInternalMcx          = "Internal/Mcx"
	TokenExternalMcx          = "External/Mcx"
	TokenInternalWebScheduler = "Internal/WebScheduler"
	TokenExternalWebScheduler = "External/WebScheduler"
	TokenInternalXFrame       = "Internal/XFrame"
	TokenExternalXFrame       = "External/XFrame"

	// SfB Online's Domain document.
	TokenExternalRemotePowerShell = "External/RemotePowerShell"
	TokenHybrid                   = "Hybrid"
)

var canonicalTokens = func() map[string]string {
	m := map[string]string{}
	for _, t := range []string{
		TokenRedirect, TokenUser, TokenDomain, TokenOAuth, TokenSelf, TokenUcwa, TokenXFrame,
		TokenInternalAutodiscover, TokenExternalAutodiscover,
		TokenInternalAuthBroker, TokenExternalAuthBroker,
		TokenInternalUcwa, TokenExternalUcwa,
		TokenInternalMcx, TokenExternalMcx,
		TokenInternalWebScheduler, TokenExternalWebScheduler,
		TokenInternalXFrame, TokenExternalXFrame,
		TokenExternalRemotePowerShell, TokenHybrid,
	} {
		m[strings.ToLower(t)] = t
	}
	return m
}()

// CanonicalToken returns the canonical spelling of a token read in any
// case, and whether it is one of the vocabulary.
func CanonicalToken(s string) (string, bool) {
	t, ok := canonicalTokens[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return s, false
	}
	return t, true
}
