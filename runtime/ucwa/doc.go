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
//	DELETE {app}/communication/conversations/{id}                 leave
//	GET    {app}/people/contacts[?groupId=], people/groups, people/groups/{id}
//	GET    {app}/people/search?query=&limit=                      over the directory's users
//	GET    {app}/people/{sip}, …/presence, …/note, …/location, …/supportedMedia, …/privacyRelationship
//	GET    POST  {app}/people/presenceSubscriptions[?groupId=&duration=]
//	GET    POST  DELETE  {app}/people/presenceSubscriptions/{id}[?duration=]   extend with POST
//	GET    POST  {app}/people/presenceSubscriptionMemberships?presenceSubscriptionId=; GET DELETE …/{id}
//	GET    {app}/people/subscribedContacts
//	GET    POST  {app}/onlineMeetings/myOnlineMeetings; GET DELETE …/{id}
//	POST   {app}/communication/onlineMeetingInvitations[?onlineMeetingUri=adhoc] (or …/startOnlineMeeting, …/joinOnlineMeeting)
//	GET    {app}/communication/onlineMeetingInvitations/{id}, conversations/{id}/onlineMeeting
//	GET    {app}/communication/missedItems                       missed conversations (reading marks them read)
//	POST   {app}/communication/phoneAudioInvitations (or …/startPhoneAudio)   Call via Work
//	GET    {app}/communication/phoneAudioInvitations/{id}, conversations/{id}/phoneAudio; POST …/phoneAudio/terminate
//	POST   {app}/communication/startAudioVideo, …/startAudio, …/startVideo (or …/audioVideoInvitations)   IP audio/video calls
//	GET    {app}/communication/audioVideoInvitations/{id}; POST …/accept, …/acceptWithAnswer, …/decline, …/cancel
//	GET    {app}/communication/conversations/{id}/audioVideo; POST …/audioVideo/terminate
//
// Contact lists come from Config.Contacts, else from the directory (the
// topology's contact_group blocks); a user with none declared has a
// default group holding the other directory users (at most MaxContacts).
// Presence, note and location changes reach the subscribed applications
// on any instance through the Hub (contactPresence, contactNote and
// contactLocation updated, merged while queued); so do online meetings,
// which the Hub keeps as the conferencing back end does, so that a
// joinUrl or meeting URI resolves on any instance. Joining with phone
// audio (audioPreference PhoneAudio) is the conference calling back: it
// needs a PSTN usage with a voice route (POL-004). Call via Work needs
// EnableOutsideVoice in the effective mobility policy (else 403
// NotAllowed), Enterprise Voice and simultaneous ring (POL-003) and a
// route; the lab has no PSTN, so a call it can place is answered at once.
//
// Not served yet (404): the contacts-and-groups subscription, group
// memberships and privacy relationships collections, photos, phones, call
// forwarding, the meeting defaults, policies and extensions, the assigned
// meeting, PUT on meetings, and messaging inside a meeting, although the
// application links them as UCWA does.
//
// State is per instance, as on a real Front End: an application created
// on one server is unknown to the others of its pool (404
// ApplicationNotFound there), which is what makes load-balancer affinity
// observable. Messaging, presence and meetings cross instances through the Hub. State is
// bounded (applications per server and per user, queued events,
// conversations, body sizes) and safe for concurrent use. Requests
// authenticate with the pool's OAuth tokens (Authorization: Bearer) or web
// tickets (X-MS-WebTicket); every response carries X-MS-UcwaVersion.
//
// Push (push.go): an application with no P-GET parked for BackgroundAfter
// is in the background. An invitation to it is recorded as the push
// notification the Mobility service sends through the Access Edge to the
// clearing house (Hub.PushRecords) when the plan has a push path
// (PushFromPlan: push enabled, APNS or MPNS, an Edge pool with
// federation, no PUSH error) and the user's policy has
// EnablePushNotifications; otherwise it is missed: it times out for the
// sender and the recipient gets missedItems updated when it returns.
// So are incoming audio/video calls (audiovideo.go): pushed to an
// application in the background where the plan has a push path, else
// missed (the caller's call fails with Timeout/Missed naming the missing
// part, the callee finds a missed call in missedItems); a call the caller
// gives up on while it rings is a missed call too.
//
// Audio and video are never carried: the calls are signalled only (no
// SDP is negotiated, no media flows; an accepted call is Connected at
// once), and only where the effective mobility policy has
// EnableIPAudioVideo: otherwise Audio and Video are absent from
// supportedModalities, there are no startAudio/startVideo/startAudioVideo
// links, a start is refused with 403 NotAllowed and a call to such a user
// fails with NotAllowed. RequireWiFiForIPAudio/Video are reflected in the
// policies resource (audioOnlyOnWifi, videoOnlyOnWifi); the client
// enforces them, as it alone knows its network. A call nobody answers
// within RingTimeout is missed the same way.
package ucwa
