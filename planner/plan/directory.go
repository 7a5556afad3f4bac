package plan

// Directory is what the lab runtime serves about people and pools and
// cannot re-derive without the topology: who the users are, where they are
// homed, and what their effective policies allow. It never holds a
// password (lab passwords live in the state directory, like keys).
type Directory struct {
	Users []User `json:"users"` // sorted by SIP address
	Pools []Pool `json:"pools"` // sorted by name
	SBAs  []SBA  `json:"sbas"`  // sorted by name
	// OnlineAutodiscoverURL is, in a hybrid deployment, the online
	// service's Autodiscover root that on-premises Autodiscover sends a
	// user it does not host to (the hosting provider's AutodiscoverUrl);
	// "" without hybrid.
	OnlineAutodiscoverURL string `json:"online_autodiscover_url,omitempty"`
}

// User is one user of the topology.
type User struct {
	// SIP is the SIP address without the "sip:" scheme.
	SIP string `json:"sip"`
	UPN string `json:"upn,omitempty"`
	// HomePool and HomeSBA name the pool or SBA the user is homed on
	// (Pool.Name, SBA.Name); HomeFQDN is that pool's or SBA's FQDN.
	HomePool        string `json:"home_pool,omitempty"`
	HomeSBA         string `json:"home_sba,omitempty"`
	HomeFQDN        string `json:"home_fqdn,omitempty"`
	EnterpriseVoice bool   `json:"enterprise_voice"`
	UsesMobility    bool   `json:"uses_mobility"`
	ClickToJoin     bool   `json:"click_to_join"`
	// MobilityPolicy is the identity of the effective mobility policy
	// (granted to the user > "site:<home site>" > "global"), "" when none
	// is declared and the documented defaults apply; Mobility holds its
	// effective values.
	MobilityPolicy string         `json:"mobility_policy"`
	Mobility       MobilityPolicy `json:"mobility"`
	// VoicePolicy is the identity of the effective voice policy, "" when
	// none applies (no simultaneous ring, no PSTN usage).
	VoicePolicy string      `json:"voice_policy"`
	Voice       VoicePolicy `json:"voice"`
	// ContactGroups is the user's declared contact list, sorted by group
	// name, members as bare lower-case SIP addresses in the order
	// declared; none declared leaves it empty (the lab then lists the
	// other users).
	ContactGroups []ContactGroup `json:"contact_groups,omitempty"`
}

// ContactGroup is one group of a user's contact list.
type ContactGroup struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// MobilityPolicy holds a mobility policy's effective values (the
// documented defaults where the policy sets nothing).
type MobilityPolicy struct {
	EnableMobility        bool `json:"enable_mobility"`
	EnableOutsideVoice    bool `json:"enable_outside_voice"`
	EnableIPAudioVideo    bool `json:"enable_ip_audio_video"`
	RequireWifiForIPAudio bool `json:"require_wifi_for_ip_audio"`
	RequireWifiForIPVideo bool `json:"require_wifi_for_ip_video"`
	RequireWifiForSharing bool `json:"require_wifi_for_sharing"`
	AllowSaveCallLogs     bool `json:"allow_save_call_logs"`
	AllowSaveIMHistory    bool `json:"allow_save_im_history"`
	AllowSaveCredentials  bool `json:"allow_save_credentials"`
	AllowExchange         bool `json:"allow_exchange_connectivity"`
	// EnablePushNotifications is an Online-only setting; true unless the
	// policy turns it off.
	EnablePushNotifications bool `json:"enable_push_notifications"`
}

// VoicePolicy holds a voice policy's effective values. RoutedUsages are
// the PSTN usages that exist in the global list and that a voice route
// with a gateway references: what Click to Join needs to place its call.
type VoicePolicy struct {
	AllowSimulRing bool     `json:"allow_simul_ring"`
	PSTNUsages     []string `json:"pstn_usages"`
	RoutedUsages   []string `json:"routed_usages"`
}

// Pool is one Front End pool or Director with its web services.
type Pool struct {
	Name            string   `json:"name"`
	Kind            string   `json:"kind"` // fe-se | fe-ee | director
	FQDN            string   `json:"fqdn"`
	Site            string   `json:"site"`
	Product         string   `json:"product"` // the pool's effective version
	WebInternalFQDN string   `json:"web_internal_fqdn"`
	WebExternalFQDN string   `json:"web_external_fqdn,omitempty"`
	Autodiscover    bool     `json:"autodiscover"`
	MCX             bool     `json:"mcx"`     // the version publishes MCX (not SfB 2019)
	Servers         []Server `json:"servers"` // sorted by name
}

// Server is one server of a pool.
type Server struct {
	Name string   `json:"name"`
	FQDN string   `json:"fqdn"`
	IPs  []string `json:"ips"`
}

// SBA is one Survivable Branch Appliance and the pool it registers with.
type SBA struct {
	Name string `json:"name"`
	FQDN string `json:"fqdn"`
	Site string `json:"site"`
	Pool string `json:"pool"`
}
