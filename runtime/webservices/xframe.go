package webservices

// xframePage is the cross-domain frame (…/Autodiscover/XFrame/XFrame.html):
// a browser application embeds it and relays its requests through it with
// postMessage, as Cross_domainIFRAME.md describes — request messages carry
// type, url, headers, data and messageId; responses status, statusText,
// responseText, headers (one string) and messageId. The lab keeps no
// allow-list of origins (New-CsWebOrigin): every origin may use it.
const xframePage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>XFrame</title></head><body><script>
window.addEventListener("message", function (e) {
  var m; try { m = JSON.parse(e.data); } catch (x) { return; }
  if (!m || typeof m.url !== "string" || m.url.charAt(0) !== "/") { return; }
  var x = new XMLHttpRequest();
  x.open(m.type || "GET", m.url, true);
  var h = m.headers || {};
  for (var k in h) { if (Object.prototype.hasOwnProperty.call(h, k)) { x.setRequestHeader(k, h[k]); } }
  if (m.contentType) { x.setRequestHeader("Content-Type", m.contentType); }
  x.setRequestHeader("X-Ms-Origin", e.origin);
  x.setRequestHeader("X-Requested-With", "XMLHttpRequest");
  x.onreadystatechange = function () {
    if (x.readyState !== 4) { return; }
    e.source.postMessage(JSON.stringify({status: x.status, statusText: x.statusText,
      responseText: x.responseText, headers: x.getAllResponseHeaders(), messageId: m.messageId}), e.origin);
  };
  x.send(m.data === undefined ? null : (typeof m.data === "string" ? m.data : JSON.stringify(m.data)));
});
</script></body></html>
`
