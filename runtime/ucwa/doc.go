// Package ucwa serves UCWA 2.0 (the Unified Communications Web API the
// mobile clients use after sign-in) on one Front End server instance.
//
// Resources, under /ucwa/oauth/v1/applications (OAuth) or
// /ucwa/v1/applications (web ticket), paths matched in any case, "//"
// collapsed; hrefs are relative and stay in the flavour used:
//
//	POST   applications                          201 new, 200 same endpoint (userAgent, endpointId, culture, instanceId)
//	GET    DELETE  {app}                         200, 204
//	GET    {app}/policies                        from the user's effective mobility policy
//	GET    {app}/events?ack=N[&timeout&low&medium&priority]   the P-GET event channel
//	POST   {app}/batch                           multipart/batching
//	POST   {app}/reportMyActivity, {app}/me/reportMyActivity
//	GET    {app}/me, people, onlineMeetings, communication
//	POST   {app}/me/makeMeAvailable
//	GET    POST  {app}/me/presence, me/note, me/location
//	POST   {app}/communication/messagingInvitations (or …/startMessaging)
//	GET    {app}/communication/messagingInvitations/{id}; POST …/accept, …/decline
//	GET    {app}/communication/conversations, conversations/{id}, …/messaging, …/messaging/typingParticipants
//	POST   {app}/communication/conversations/{id}/messaging/messages (text/plain), …/typing, …/terminate
//
// Not served yet (404): the people resources (contacts, groups, search,
// presence subscriptions), online meetings, phones, call forwarding and
// photos, although the application links them as UCWA does.
//
// State is per instance, as on a real Front End: an application created
// on one server is unknown to the others of its pool (404
// ApplicationNotFound there), which is what makes load-balancer affinity
// observable. Messaging crosses instances through the pool's Hub. State is
// bounded (applications per server and per user, queued events,
// conversations, body sizes) and safe for concurrent use. Requests
// authenticate with the pool's OAuth tokens (Authorization: Bearer) or web
// tickets (X-MS-WebTicket); every response carries X-MS-UcwaVersion.
//
// Audio and video are never carried: the modalities are signalled only,
// and only where the effective mobility policy has EnableIPAudioVideo.
package ucwa
