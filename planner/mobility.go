package planner

import (
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// planMobility copies the mobility settings and the Edge pools the
// runbook and the diagrams describe: what the clients are, whether push
// and media go through the Edge, and each Edge interface's address.
func planMobility(t *model.Topology, p *plan.Plan) {
	m := t.Mobility
	p.Mobility = plan.Mobility{
		Enabled: m.Enabled, AutodiscoverScheme: m.AutodiscoverScheme, InternalWifi: m.InternalWifi,
		AudioVideo: m.AudioVideo, Push: m.Push.Enabled, APNS: m.Push.APNS, MPNS: m.Push.MPNS,
		IOS: m.Clients.IOS, Android: m.Clients.Android, WindowsPhone: m.Clients.WindowsPhone,
		Lync2010Mobile: m.Clients.Lync2010Mobile, DevicesTrustInternalCA: m.DevicesTrustInternalCA,
	}
	if m.Push.Enabled {
		p.Mobility.PushProxyFQDN = pushProxyFQDN
		if hp, ok := shPushProvider(t); ok && hp.ProxyFQDN != "" {
			p.Mobility.PushProxyFQDN = hp.ProxyFQDN
		}
	}
	if ad, ok := t.AutodiscoverTarget(); ok {
		p.Mobility.AutodiscoverPool = ad.Name
	}
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		ep := plan.EdgePool{
			Name: en, InternalFQDN: e.InternalFQDN, AccessFQDN: e.AccessFQDN, WebconfFQDN: e.WebconfFQDN,
			AVFQDN: e.AVFQDN, Site: e.Site, FederationEnabled: e.FederationEnabled,
		}
		for _, sn := range model.SortedKeys(e.Servers) {
			s := e.Servers[sn]
			ep.Servers = append(ep.Servers, plan.EdgeServer{
				Name: sn, FQDN: s.FQDN, InternalIP: s.InternalIP, AccessIP: s.AccessIP, WebconfIP: s.WebconfIP, AVIP: s.AVIP,
			})
		}
		p.Edges = append(p.Edges, ep)
	}
}
