// Package webservices is the lab runtime's Front End web services of one
// server listener, as an http.Handler: Autodiscover, the OAuth token
// endpoint, the web-ticket service and the user resource. It serves what
// the applied plan says (plan.Directory and the plan's SRV records, through
// Config and FromPlan), never a re-derivation of the topology.
//
// # Routes
//
// Paths match case-insensitively, as on IIS, with repeated slashes
// collapsed and a trailing slash ignored:
//
//	GET|HEAD /                                          Root (lyncdiscover hosts), 200 directly
//	GET|HEAD /Autodiscover/AutodiscoverService.svc/root  Root
//	GET|HEAD …/root/user                                 user resource, web-ticket flavour
//	GET|HEAD …/root/oauth/user                           user resource, OAuth flavour
//	GET|HEAD …/root/domain                               Domain, anonymous, always 200
//	GET|HEAD /Autodiscover/XFrame/XFrame.html            the cross-domain frame (also /xframe)
//	POST     /WebTicket/oauthtoken                       OAuth token, password grant
//	GET|HEAD /WebTicket/WebTicketService.svc/mex         web-ticket metadata (WSDL)
//	POST     /WebTicket/WebTicketService.svc             web ticket, HTTP Basic
//	POST     /WebTicket/WebTicketService.svc/Auth        web ticket, wsse:UsernameToken
//	GET|HEAD|POST /Mcx/McxService.svc                   MCX where the version has it (mcx.go): the sign-in challenge, no protocol
//
// Paths under /ucwa/ go to Config.UCWA (package runtime/ucwa, one per
// Front End server) when set. Anything else answers 404 with an empty body.
//
// # Representations and redirects
//
// The Autodiscover resources answer in the representation protocol.Negotiate
// picks from Accept and Content-Type, the default following the pool's
// product version unless Config.DefaultRepresentation says otherwise.
// AccessLocation is the listener's Config.Location. Redirects are in-band
// only, never an HTTP 3xx: 200 with a single Redirect link (vnd) or
// _links.redirect (UCWA):
//
//   - a plain-HTTP Root → the HTTPS root of the pool's web FQDN for the
//     location (Config.HTTPServesRoot serves the full Root instead);
//   - a plain-HTTP user resource → the same resource over HTTPS;
//   - a Root whose sipuri is no user of the directory, when
//     Config.OnlineAutodiscoverURL is set → that URL (hybrid);
//   - an authenticated user homed on another pool, or on an SBA that
//     registers with another pool → that pool's user resource of the same
//     flavour (the client signs in again there).
//
// The Autodiscover links carry the request's originalDomain (from the
// query, from Domain=, or from a lyncdiscover[internal].<domain> Host) and
// sipuri; the links to other services (UCWA, XFrame, MCX…) carry none, as
// the documented samples show.
//
// # Sign-in
//
// The OAuth user resource answers 401 with two WWW-Authenticate headers,
// Bearer then MsRtcOAuth, exactly as protocol renders them; the web-ticket
// one answers 401 with X-MS-WebTicketURL and no WWW-Authenticate. Tokens
// ("cwt=" and a nanoid) and web tickets (a SAML assertion whose ID is a
// nanoid) live TokenLifetime in the pool's TokenStore; passwords are
// compared in constant time. A user whose effective mobility policy has
// EnableMobility = False gets a token (the token service does not know
// which client asks) and is refused at the user resource: 403 with the UCWA
// error {"code":"Forbidden","subcode":"MobileApplicationNoLongerAllowed",
// "message":"Mobility is disabled for sip:… by mobility policy … (EnableMobility = False)."}
// and X-Ms-diagnostics naming the same reason.
//
// # Statuses
//
// 200, 400 (malformed query, form or SOAP request; every token endpoint
// error), 401, 403 (mobility refused; credentials over plain HTTP at the
// web-ticket service), 404, 405 (with Allow), 413 (web-ticket body over
// MaxBodyBytes), 414, 431, 500 (the SOAP fault of refused web-ticket
// credentials, as SOAP 1.1 sends faults), 501 (MCX past sign-in) and 503
// (a full token store).
// Every response carries X-MS-Server-Fqdn, Cache-Control: no-cache,
// Pragma: no-cache, Expires: -1 and X-Content-Type-Options: nosniff (token
// responses Cache-Control: no-store); errors carry X-Ms-diagnostics.
package webservices
