// Package ucwa serves UCWA 2.0 (the Unified Communications Web API the
// mobile clients use after sign-in) on one Front End server instance: the
// application resource and its lifetime, me (makeMeAvailable,
// reportMyActivity, presence, note, location), the policies resource from
// the user's effective mobility policy, and the P-GET event channel.
//
// State is per instance, as on a real Front End: an application created
// on one server is unknown to the others of its pool (404
// ApplicationNotFound there), which is what makes load-balancer affinity
// observable. It is bounded (applications, queued events, body sizes) and
// safe for concurrent use. Requests authenticate with the pool's OAuth
// tokens (Authorization: Bearer) or web tickets (X-MS-WebTicket).
//
// Audio and video are never carried: the modalities are signalled only.
package ucwa
