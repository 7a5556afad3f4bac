package webservices

import (
	"net/http"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// pathMcx is the MCX (Mobility Service for Lync 2010 Mobile) endpoint the
// User document links as Internal/Mcx and External/Mcx.
const pathMcx = "/mcx/mcxservice.svc"

// diagLabNotImplemented: a service the lab publishes, as the plan does,
// without implementing its protocol.
const diagLabNotImplemented = 90100

// serveMcx answers the MCX service where the pool's product version has
// it (Lync 2013, SfB 2015); SfB 2019 has no MCX, so there the path is
// unknown (404, empty body, and the User document has no */Mcx links).
//
// MCX clients authenticate with web tickets, so a request without a valid
// credential gets the web-ticket sign-in challenge of the user resource:
// 401 with X-MS-WebTicketURL (and X-Ms-diagnostics for a ticket or token
// presented and refused); over plain HTTP, where credentials never go,
// 403. A signed-in user whose mobility policy has EnableMobility = False
// is refused as at the user resource (403). Past sign-in the lab does not
// speak MCX's SOAP protocol (Lync 2010 Mobile; current mobile clients use
// UCWA): a SOAP fault with 501 Not Implemented says so.
func (h *Handler) serveMcx(w http.ResponseWriter, r *http.Request) {
	if !h.pool.MCX {
		h.write(w, r, http.StatusNotFound, "", nil)
		return
	}
	if !h.allow(w, r, protocol.UCWAXML, http.MethodGet, http.MethodHead, http.MethodPost) {
		return
	}
	if h.cfg.Scheme == "http" {
		reason := "Credentials are accepted over HTTPS only."
		h.diagnose(w, protocol.DiagLabHTTPSRequired, reason)
		h.soap(w, r, http.StatusForbidden, protocol.EncodeFault(protocol.Fault{Code: "s:Client", Reason: reason}))
		return
	}
	sip, diag, reason := h.credential(r)
	if sip == "" {
		h.challenge(w, r, false, diag, reason)
		return
	}
	if u, ok := h.users[sip]; ok && !u.Mobility.EnableMobility {
		policy := u.MobilityPolicy
		if policy == "" {
			policy = "the default"
		}
		reason := "Mobility is disabled for sip:" + u.SIP + " by mobility policy " + policy + " (EnableMobility = False)."
		h.diagnose(w, protocol.DiagLabMobilityDisabled, reason)
		h.soap(w, r, http.StatusForbidden, protocol.EncodeFault(protocol.Fault{Code: "s:Client", Reason: reason}))
		return
	}
	reason = "The lab publishes MCX as the plan does but does not implement its protocol (Lync 2010 Mobile); current mobile clients use UCWA, the User document's Ucwa link."
	h.diagnose(w, diagLabNotImplemented, reason)
	h.soap(w, r, http.StatusNotImplemented, protocol.EncodeFault(protocol.Fault{Code: "s:Server", Reason: reason}))
}
