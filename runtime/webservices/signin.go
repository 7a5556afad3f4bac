package webservices

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Bounds of a multipart token request.
const (
	maxFormParts = 32
	maxPartBytes = 8 << 10
)

// tokenFail answers the token endpoint's error body, 400 unless said
// otherwise, with X-Ms-diagnostics.
func (h *Handler) tokenFail(w http.ResponseWriter, r *http.Request, status int, code string, diag int, reason string) {
	h.diagnose(w, diag, reason)
	w.Header().Set("Cache-Control", "no-store")
	h.write(w, r, status, protocol.MediaJSON, protocol.TokenError{Code: code, Description: reason}.Encode())
}

// serveToken answers POST /WebTicket/oauthtoken: the password grant, the
// form url-encoded or multipart. The other grants are refused with
// unsupported_grant_type: the lab has no Windows or passive authentication
// and no meetings.
func (h *Handler) serveToken(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Scheme == "http" {
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrInvalidRequest, protocol.DiagLabHTTPSRequired, "Credentials are accepted over HTTPS only.")
		return
	}
	form, status, reason := readForm(w, r)
	if reason != "" {
		diag := protocol.DiagLabMalformedRequest
		switch status {
		case http.StatusRequestEntityTooLarge:
			diag = protocol.DiagLabRequestTooLarge
		case http.StatusUnsupportedMediaType:
			diag = protocol.DiagLabUnsupportedContentType
		}
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrInvalidRequest, diag, reason)
		return
	}
	req, err := protocol.ParseTokenForm(form)
	if err != nil {
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrInvalidRequest, protocol.DiagLabMalformedRequest, "Malformed token request: "+err.Error()+".")
		return
	}
	if req.GrantType != protocol.GrantPassword {
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrUnsupportedGrantType, protocol.DiagAuthenticationNotAllowed, "Authentication type not allowed.")
		return
	}
	if req.Username == "" || req.Password == "" {
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrInvalidRequest, protocol.DiagLabMalformedRequest, "The password grant needs a username and a password.")
		return
	}
	sip, ok := h.checkPassword(req.Username, req.Password)
	if !ok {
		h.tokenFail(w, r, http.StatusBadRequest, protocol.TokenErrInvalidGrant, protocol.DiagNoValidSecurityToken, "No valid security token.")
		return
	}
	tok, _, err := h.cfg.Tokens.issue(kindOAuth, sip, h.now(), TokenLifetime)
	if err != nil {
		h.tokenFail(w, r, http.StatusServiceUnavailable, protocol.TokenErrServerError, protocol.DiagLabTokenStoreFull, "The token store is full.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.write(w, r, http.StatusOK, protocol.MediaJSON, protocol.TokenResponse{
		AccessToken: tok, ExpiresIn: int(TokenLifetime.Seconds()),
		IdentityScope: protocol.IdentityScopeLocal, TokenType: protocol.TokenTypeBearer,
	}.Encode())
}

// readForm reads a bounded form body, url-encoded (also when no
// Content-Type is given) or multipart. It returns the status a failure
// maps to and why.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, int, string) {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "application/x-www-form-urlencoded", nil
	}
	if err != nil {
		return nil, http.StatusUnsupportedMediaType, "The Content-Type is malformed."
	}
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(body)
		if err != nil {
			if tooLarge(err) {
				return nil, http.StatusRequestEntityTooLarge, "The request body is too large."
			}
			return nil, http.StatusBadRequest, "The request body could not be read."
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, http.StatusBadRequest, "The form is malformed."
		}
		return v, 0, ""
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, http.StatusBadRequest, "The multipart form has no boundary."
		}
		mr := multipart.NewReader(body, boundary)
		v := url.Values{}
		for i := 0; ; i++ {
			p, err := mr.NextPart()
			if err == io.EOF {
				return v, 0, ""
			}
			if err != nil {
				if tooLarge(err) {
					return nil, http.StatusRequestEntityTooLarge, "The request body is too large."
				}
				return nil, http.StatusBadRequest, "The multipart form is malformed."
			}
			if i == maxFormParts {
				return nil, http.StatusBadRequest, "The multipart form has too many parts."
			}
			b, err := io.ReadAll(io.LimitReader(p, maxPartBytes+1))
			if err != nil {
				if tooLarge(err) {
					return nil, http.StatusRequestEntityTooLarge, "The request body is too large."
				}
				return nil, http.StatusBadRequest, "The multipart form is malformed."
			}
			if len(b) > maxPartBytes {
				return nil, http.StatusBadRequest, "A multipart form field is too large."
			}
			if name := p.FormName(); name != "" {
				v.Add(name, string(b))
			}
		}
	}
	return nil, http.StatusUnsupportedMediaType, "The Content-Type " + mt + " is not a form."
}

// dummyHash is compared against when the user is unknown, so a wrong user
// name costs the same time as a wrong password.
var dummyHash = sha256.Sum256([]byte("mobplan: no such user"))

// checkPassword resolves a user name (SIP address, with or without "sip:";
// UPN; or DOMAIN\user with the AD domain's NetBIOS name or DNS name) and
// compares the password in constant time. It returns the user's SIP
// address in lower case.
func (h *Handler) checkPassword(username, password string) (string, bool) {
	sip := h.resolveUser(username)
	want, ok := h.hashes[sip]
	if !ok {
		want = dummyHash
	}
	got := sha256.Sum256([]byte(password))
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	return sip, ok && match && sip != ""
}

// resolveUser maps a user name to a directory user's lower-case SIP
// address, or "".
func (h *Handler) resolveUser(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "sip:")
	if dom, user, ok := strings.Cut(n, `\`); ok {
		if dom != h.netbios && dom != strings.ToLower(h.cfg.ADDomain) {
			return ""
		}
		// DOMAIN\alice names the user whose UPN or SIP local part is
		// alice, when exactly one user has it.
		if us := h.locals[user]; len(us) == 1 {
			return strings.ToLower(us[0].SIP)
		}
		return ""
	}
	if u, ok := h.users[n]; ok {
		return strings.ToLower(u.SIP)
	}
	if u, ok := h.upns[n]; ok {
		return strings.ToLower(u.SIP)
	}
	return ""
}

// soap sends a SOAP response.
func (h *Handler) soap(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h.write(w, r, status, "text/xml; charset=utf-8", body)
}

// serveWebTicket answers the web-ticket service's issue request. The
// service's own URL is the WebTicketServiceWinNegotiate port the metadata
// names: there HTTP Basic carries the credentials (401 with a Basic
// challenge without them). At …/Auth a wsse:UsernameToken carries them,
// as sent or base64-encoded as an enumeration tool sends them, and bad
// credentials get a SOAP fault "No valid security token." (500, as SOAP
// 1.1 faults travel), not a 401. Either endpoint takes either form.
func (h *Handler) serveWebTicket(w http.ResponseWriter, r *http.Request, auth bool) {
	fault := func(status int, code, reason string, diag int) {
		h.diagnose(w, diag, reason)
		h.soap(w, r, status, protocol.EncodeFault(protocol.Fault{Code: code, Reason: reason}))
	}
	if h.cfg.Scheme == "http" {
		fault(http.StatusForbidden, "s:Client", "Credentials are accepted over HTTPS only.", protocol.DiagLabHTTPSRequired)
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fault(http.StatusRequestEntityTooLarge, "s:Client", "The request body is too large.", protocol.DiagLabRequestTooLarge)
			return
		}
		fault(http.StatusBadRequest, "s:Client", "The request body could not be read.", protocol.DiagLabMalformedRequest)
		return
	}
	req, err := protocol.ParseIssueRequest(b)
	if err != nil {
		fault(http.StatusBadRequest, "s:Client", "The request is not a WS-Trust RequestSecurityToken.", protocol.DiagLabMalformedRequest)
		return
	}
	var sip string
	var ok bool
	switch user, pass, basic := r.BasicAuth(); {
	case req.HasUsernameToken:
		sip, ok = h.checkUsernameToken(req.Username, req.Password)
	case basic:
		sip, ok = h.checkPassword(user, pass)
	case !auth:
		w.Header().Set("WWW-Authenticate", `Basic realm="`+h.webFQDN(h.pool)+`"`)
		h.diagnose(w, protocol.DiagNoValidSecurityToken, protocol.FaultNoValidToken)
		h.write(w, r, http.StatusUnauthorized, "text/html", []byte(unauthorizedPage))
		return
	}
	if !ok {
		if !auth && !req.HasUsernameToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+h.webFQDN(h.pool)+`"`)
			h.diagnose(w, protocol.DiagNoValidSecurityToken, protocol.FaultNoValidToken)
			h.write(w, r, http.StatusUnauthorized, "text/html", []byte(unauthorizedPage))
			return
		}
		fault(http.StatusInternalServerError, protocol.FaultCodeFailedAuthn, protocol.FaultNoValidToken, protocol.DiagNoValidSecurityToken)
		return
	}
	now := h.now()
	id, exp, err := h.cfg.Tokens.issue(kindWebTicket, sip, now, WebTicketLifetime)
	if err != nil {
		fault(http.StatusServiceUnavailable, "s:Server", "The token store is full.", protocol.DiagLabTokenStoreFull)
		return
	}
	u := h.users[sip]
	h.soap(w, r, http.StatusOK, protocol.EncodeRSTR(protocol.Ticket{
		AssertionID: id, Issuer: h.webTicketURL(), Subject: "sip:" + u.SIP, Created: now, Expires: exp,
	}, req.Context))
}

// checkUsernameToken checks a UsernameToken's credentials as sent, then
// base64-decoded (an enumeration tool encodes both).
func (h *Handler) checkUsernameToken(user, pass string) (string, bool) {
	if sip, ok := h.checkPassword(user, pass); ok {
		return sip, true
	}
	du, okU := decodeBase64Text(user)
	dp, okP := decodeBase64Text(pass)
	if !okU && !okP {
		return "", false
	}
	if !okU {
		du = user
	}
	if !okP {
		dp = pass
	}
	return h.checkPassword(du, dp)
}

// decodeBase64Text decodes standard base64 holding UTF-8 text.
func decodeBase64Text(s string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) == 0 || !utf8.Valid(b) || bytes.ContainsAny(b, "\x00\r\n") {
		return "", false
	}
	return string(b), true
}
