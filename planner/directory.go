package planner

import (
	"slices"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// planDirectory records users, pools and SBAs with what the runtime needs
// to serve them: homes, effective policies, web FQDNs, MCX. The policy
// precedence is the POL rules' (schema/rules_policy.cue): granted to the
// user, else "site:<home site>", else "global", else the defaults.
func planDirectory(t *model.Topology, p *plan.Plan) {
	d := plan.Directory{Users: []plan.User{}, Pools: []plan.Pool{}, SBAs: []plan.SBA{}}
	for _, name := range model.SortedKeys(t.Pools) {
		mp := t.Pools[name]
		pool := plan.Pool{
			Name: name, Kind: mp.Kind, FQDN: mp.FQDN, Site: mp.Site, Product: t.PoolVersion(mp),
			WebInternalFQDN: mp.WebInternalFQDN(), WebExternalFQDN: mp.WebExternal.FQDN,
			Autodiscover: mp.Autodiscover, MCX: shHasMCX(t.PoolVersion(mp)), Servers: []plan.Server{},
		}
		for _, sn := range model.SortedKeys(mp.Servers) {
			s := mp.Servers[sn]
			pool.Servers = append(pool.Servers, plan.Server{Name: sn, FQDN: s.FQDN, IPs: append([]string{}, s.IPs...)})
		}
		d.Pools = append(d.Pools, pool)
	}
	for _, name := range model.SortedKeys(t.SBAs) {
		s := t.SBAs[name]
		d.SBAs = append(d.SBAs, plan.SBA{Name: name, FQDN: s.FQDN, Site: s.Site, Pool: s.Pool})
	}
	routed := dirRoutedUsages(t)
	for _, key := range model.SortedKeys(t.Users) {
		u := t.Users[key]
		du := plan.User{SIP: dirSIP(u.SIP), UPN: u.UPN, HomePool: u.Pool, HomeSBA: u.SBA,
			EnterpriseVoice: u.EnterpriseVoice, UsesMobility: u.UsesMobility, ClickToJoin: u.ClickToJoin}
		site := ""
		if mp, ok := t.Pools[u.Pool]; ok && u.Pool != "" {
			du.HomeFQDN, site = mp.FQDN, mp.Site
		} else if s, ok := t.SBAs[u.SBA]; ok && u.SBA != "" {
			du.HomeFQDN, site = s.FQDN, s.Site
		}
		du.MobilityPolicy = dirEffective(t.MobilityPolicies, u.MobilityPolicy, site)
		du.Mobility = dirMobility(t.MobilityPolicies[du.MobilityPolicy])
		du.VoicePolicy = dirEffective(t.VoicePolicies, u.VoicePolicy, site)
		du.Voice = plan.VoicePolicy{PSTNUsages: []string{}, RoutedUsages: []string{}}
		if vp, ok := t.VoicePolicies[du.VoicePolicy]; ok {
			du.Voice.AllowSimulRing = vp.AllowSimulRing
			du.Voice.PSTNUsages = append(du.Voice.PSTNUsages, vp.PSTNUsages...)
			for _, pu := range vp.PSTNUsages {
				if routed[pu] {
					du.Voice.RoutedUsages = append(du.Voice.RoutedUsages, pu)
				}
			}
		}
		for _, gn := range model.SortedKeys(u.ContactGroups) {
			g := plan.ContactGroup{Name: gn, Members: []string{}}
			for _, m := range u.ContactGroups[gn].Members {
				g.Members = append(g.Members, dirSIP(m))
			}
			du.ContactGroups = append(du.ContactGroups, g)
		}
		d.Users = append(d.Users, du)
	}
	slices.SortFunc(d.Users, func(a, b plan.User) int { return strings.Compare(a.SIP, b.SIP) })
	d.OnlineAutodiscoverURL = onlineAutodiscover(t)
	p.Directory = d
}

// dirEffective is the identity of the policy in effect: the granted one,
// else the home site's, else the global one, else "" (none declared).
func dirEffective[P any](policies map[string]P, granted, site string) string {
	if granted != "" {
		if _, ok := policies[granted]; ok {
			return granted
		}
		return "" // an undeclared grant is SCHEMA-002's to report
	}
	if site != "" {
		if _, ok := policies["site:"+site]; ok {
			return "site:" + site
		}
	}
	if _, ok := policies["global"]; ok {
		return "global"
	}
	return ""
}

// dirMobility applies #MobilityPolicyDefaults to what a policy sets.
func dirMobility(mp model.MobilityPolicy) plan.MobilityPolicy {
	v := func(b *bool, def bool) bool {
		if b == nil {
			return def
		}
		return *b
	}
	return plan.MobilityPolicy{
		EnableMobility:          v(mp.EnableMobility, true),
		EnableOutsideVoice:      v(mp.EnableOutsideVoice, true),
		EnableIPAudioVideo:      v(mp.EnableIPAudioVideo, true),
		RequireWifiForIPAudio:   v(mp.RequireWifiForIPAudio, false),
		RequireWifiForIPVideo:   v(mp.RequireWifiForIPVideo, false),
		RequireWifiForSharing:   v(mp.RequireWifiForSharing, false),
		AllowSaveCallLogs:       v(mp.AllowSaveCallLogs, true),
		AllowSaveIMHistory:      v(mp.AllowSaveIMHistory, true),
		AllowSaveCredentials:    v(mp.AllowSaveCredentials, true),
		AllowExchange:           v(mp.AllowExchangeConnectivity, true),
		EnablePushNotifications: v(mp.EnablePushNotifications, true),
	}
}

// dirRoutedUsages are the PSTN usages in the global list that a voice
// route with at least one gateway references (POL-004).
func dirRoutedUsages(t *model.Topology) map[string]bool {
	global := map[string]bool{}
	for _, u := range t.PSTNUsages {
		global[u] = true
	}
	out := map[string]bool{}
	for _, r := range t.VoiceRoutes {
		if len(r.Gateways) == 0 {
			continue
		}
		for _, u := range r.PSTNUsages {
			if global[u] {
				out[u] = true
			}
		}
	}
	return out
}

// dirSIP is a SIP address without its scheme, in lower case: SIP
// addresses compare case-insensitively, as the server does.
func dirSIP(s string) string {
	if len(s) >= 4 && strings.EqualFold(s[:4], "sip:") {
		s = s[4:]
	}
	return strings.ToLower(s)
}

// onlineAutodiscover is where on-premises Autodiscover sends the users it
// does not host in a hybrid deployment: the AutodiscoverUrl the shell
// script sets on the shared-address-space hosting provider (shHybrid).
// TOPO-005 requires Office 365's; a plan made despite errors still gets
// an https URL.
func onlineAutodiscover(t *model.Topology) string {
	if !t.Hybrid.Enabled {
		return ""
	}
	for _, id := range model.SortedKeys(t.Federation.HostingProviders) {
		if hp := t.Federation.HostingProviders[id]; hp.SharedAddressSpace && strings.HasPrefix(strings.ToLower(hp.AutodiscoverURL), "https://") {
			return hp.AutodiscoverURL
		}
	}
	return onlineADURL
}
