package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The token endpoint's error codes (RFC 6749 §5.2, as the server uses them).
const (
	TokenErrInvalidRequest       = "invalid_request"
	TokenErrInvalidGrant         = "invalid_grant"
	TokenErrUnsupportedGrantType = "unsupported_grant_type"
	TokenErrInvalidScope         = "invalid_scope"
	TokenErrServerError          = "server_error"
)

// TokenTypeBearer is the token_type of every token the server issues.
const TokenTypeBearer = "Bearer"

// IdentityScopeLocal is ms_rtc_identityscope for an on-premises user.
const IdentityScopeLocal = "local"

// TokenPrefix starts every access token ("cwt=…"); clients send the token
// whole, prefix included, after "Bearer ".
const TokenPrefix = "cwt="

// TokenRequest is a POST to /WebTicket/oauthtoken.
type TokenRequest struct {
	GrantType string
	Username  string
	Password  string
	// Resource is sent by some clients (the domain or pool); ignored.
	Resource string
	// ConferenceURI is ms_rtc_conferenceuri of the anonymous meeting grant.
	ConferenceURI string
	// Renew is ms_rtc_renew: a token to renew.
	Renew string
}

// Form is the request as form values.
func (r TokenRequest) Form() url.Values {
	v := url.Values{"grant_type": {r.GrantType}}
	for k, s := range map[string]string{
		"username": r.Username, "password": r.Password, "resource": r.Resource,
		"ms_rtc_conferenceuri": r.ConferenceURI, "ms_rtc_renew": r.Renew,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// ParseTokenForm reads a token request from form values, parameter names
// in any case. A parameter given twice with different values is an
// invalid_request, as is a request without grant_type.
func ParseTokenForm(v url.Values) (TokenRequest, error) {
	var r TokenRequest
	fields := map[string]*string{
		"grant_type": &r.GrantType, "username": &r.Username, "password": &r.Password,
		"resource": &r.Resource, "ms_rtc_conferenceuri": &r.ConferenceURI, "ms_rtc_renew": &r.Renew,
	}
	seen := map[string]bool{}
	for name, vals := range v {
		p, ok := fields[strings.ToLower(name)]
		if !ok {
			continue
		}
		for _, s := range vals {
			if seen[strings.ToLower(name)] && s != *p {
				return TokenRequest{}, fmt.Errorf("parameter %s given twice", strings.ToLower(name))
			}
			*p = s
			seen[strings.ToLower(name)] = true
		}
	}
	if r.GrantType == "" {
		return TokenRequest{}, errors.New("no grant_type")
	}
	return r, nil
}

// TokenResponse is the token endpoint's success body.
type TokenResponse struct {
	AccessToken   string `json:"access_token"`
	ExpiresIn     int    `json:"expires_in"`
	IdentityScope string `json:"ms_rtc_identityscope"`
	TokenType     string `json:"token_type"`
}

// Encode renders {"access_token":"cwt=…","expires_in":28800,"ms_rtc_identityscope":"local","token_type":"Bearer"}.
func (t TokenResponse) Encode() []byte {
	b, _ := json.Marshal(t)
	return b
}

// DecodeTokenResponse reads a success body: member names in any case,
// expires_in a number or a numeric string (Azure AD sends a string).
func DecodeTokenResponse(body []byte) (TokenResponse, error) {
	if len(body) > MaxBody {
		return TokenResponse{}, fmt.Errorf("token response of %d bytes, more than %d", len(body), MaxBody)
	}
	o, err := decodeObject(body)
	if err != nil {
		return TokenResponse{}, fmt.Errorf("decode token response: %w", err)
	}
	var t TokenResponse
	for name, p := range map[string]*string{
		"access_token": &t.AccessToken, "ms_rtc_identityscope": &t.IdentityScope, "token_type": &t.TokenType,
	} {
		s, _, err := o.str(name)
		if err != nil {
			return TokenResponse{}, fmt.Errorf("decode token response: %w", err)
		}
		*p = s
	}
	if raw, ok := o.get("expires_in"); ok {
		n, err := decodeInt(raw)
		if err != nil {
			return TokenResponse{}, fmt.Errorf("decode token response: expires_in: %w", err)
		}
		t.ExpiresIn = n
	}
	if t.AccessToken == "" {
		return TokenResponse{}, errors.New("decode token response: no access_token")
	}
	return t, nil
}

// TokenError is the token endpoint's error body.
type TokenError struct {
	Code string `json:"error"`
	// Description is error_description (RFC 6749); on-premises servers
	// send none, the lab does, to say why.
	Description string `json:"error_description,omitempty"`
	// PassiveAuthURI is ms_rtc_passiveauthuri, sent with the passive grant.
	PassiveAuthURI string `json:"ms_rtc_passiveauthuri,omitempty"`
}

// Encode renders {"error":"invalid_grant",…}.
func (e TokenError) Encode() []byte {
	b, _ := json.Marshal(e)
	return b
}

func (e TokenError) Error() string {
	if e.Description != "" {
		return e.Code + ": " + e.Description
	}
	return e.Code
}

// DecodeTokenError reads an error body, member names in any case.
func DecodeTokenError(body []byte) (TokenError, error) {
	if len(body) > MaxBody {
		return TokenError{}, fmt.Errorf("token error of %d bytes, more than %d", len(body), MaxBody)
	}
	o, err := decodeObject(bytes.TrimSpace(body))
	if err != nil {
		return TokenError{}, fmt.Errorf("decode token error: %w", err)
	}
	var e TokenError
	for name, p := range map[string]*string{
		"error": &e.Code, "error_description": &e.Description, "ms_rtc_passiveauthuri": &e.PassiveAuthURI,
	} {
		s, _, err := o.str(name)
		if err != nil {
			return TokenError{}, fmt.Errorf("decode token error: %w", err)
		}
		*p = s
	}
	if e.Code == "" {
		return TokenError{}, errors.New("decode token error: no error member")
	}
	return e, nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>"
// value (scheme in any case), or "" when the value is not a Bearer one.
func BearerToken(authorization string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, SchemeBearer) {
		return ""
	}
	return strings.TrimSpace(tok)
}
