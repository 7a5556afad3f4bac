#!/usr/bin/env bash
# Autodiscover requests per second and latency over keep-alive HTTPS:
# the lab (mobplan serve) side by side with nginx serving the same Root
# document bytes with the same certificate, measured with wrk in one run.
# Two lab paths are measured: a Front End's web services directly, and
# the whole external path (reverse proxy → load balancer → Front End).
# Rounds alternate so load from elsewhere falls on both alike.
#
#   bench/autodiscover.sh
#   ROUNDS=3 SECONDS_PER_RUN=10 CONNECTIONS=32 bench/autodiscover.sh
#
# Installs wrk and nginx with apt-get when they are missing (root).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-2}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
export GOFLAGS=${GOFLAGS:--mod=mod}

need() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; }
if ! need wrk || ! need nginx; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "bench/autodiscover.sh: needs wrk and nginx (Debian: apt-get install wrk nginx-light)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends wrk nginx-light >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d)
# nginx workers read the document as an unprivileged user.
chmod 755 "$work"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/topology"
cp examples/contoso/*.hcl "$work/topology/"
go build -o "$work/mobplan" ./cmd/mobplan
"$work/mobplan" apply "$work/topology" >/dev/null
"$work/mobplan" serve --any-port "$work/topology" >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do
	[ -s "$work/topology/.mobplan/runtime/runtime.json" ] && grep -q Serving "$work/serve.out" && break
	sleep 0.1
done
rt="$work/topology/.mobplan/runtime/runtime.json"
# The reverse proxy's public HTTPS listener and fe01's external web site,
# where the location maps send their planned addresses.
rp=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["locations"]["external"]["131.107.155.1:443"])' "$rt")
fe=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["locations"]["internal"]["192.168.21.122:4443"])' "$rt")

# The Root document the lab answers, and the certificate fe01 presents.
ca="$work/topology/.mobplan/runtime/ca/internal.crt"
curl -sS --cacert "$ca" --connect-to "webext.contoso.com:443:$fe" -H 'Accept: application/json' https://webext.contoso.com/ >"$work/root.json"
openssl s_client -connect "$fe" -servername webext.contoso.com -showcerts </dev/null 2>/dev/null |
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >"$work/chain.pem"
cp "$work/topology/.mobplan/keys/fe01-webservicesexternal.key" "$work/key.pem"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $work/chain.pem;
		ssl_certificate_key $work/key.pem;
		location = /root.json { default_type application/json; root $work; }
	}
}
CONF
"$NGINX" -c "$work/nginx.conf" -p "$work" &
pids+=($!)
sleep 0.5

run() { # name url
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
		-H 'Host: webext.contoso.com' -H 'Accept: application/json' "$2" 2>&1 |
		awk -v n="$1" '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} END {printf "%s\t%.0f\t%s\t%s\n", n, rps, p99, (bad==""?0:bad)}'
}
echo "Autodiscover Root over keep-alive HTTPS, $CONNECTIONS connections, $THREADS wrk threads, ${SECONDS_PER_RUN}s runs"
for r in $(seq "$ROUNDS"); do
	run "nginx (same bytes)" "https://127.0.0.1:$port/root.json"
	run "lab Front End (fe01:4443)" "https://$fe/"
	run "lab via proxy and HLB" "https://$rp/"
done >"$work/results.txt"
awk -F'\t' '{printf "%-28s %8s req/s   p99 %9s   non-2xx %s\n", $1, $2, $3, $4}' "$work/results.txt"
awk -F'\t' '/^nginx/ {n+=$2; nn++} /^lab Front End/ {f+=$2; fn++} /^lab via/ {p+=$2; pn++}
END {printf "ratio Front End / nginx: %.2f; whole path / nginx: %.2f\n", (f/fn)/(n/nn), (p/pn)/(n/nn)}' "$work/results.txt"
