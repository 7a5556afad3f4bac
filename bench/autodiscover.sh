#!/usr/bin/env bash
# Autodiscover requests per second and latency over keep-alive HTTPS:
# the lab (mobplan serve) side by side with nginx serving the same Root
# document bytes with the same certificate, measured with wrk in one run.
# Two lab paths are measured: a Front End's web services directly, and
# the whole external path (reverse proxy → load balancer → Front End);
# so are a bare Go net/http server (bench/httpsfloor) with the same bytes
# and certificate, the floor of a Go HTTPS server here, and nginx as a
# reverse proxy in front of itself, what a proxy hop costs nginx.
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
	# KEEP=1 keeps the folder (logs, configurations) for a look.
	if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir "$work/topology"
cp examples/contoso/*.hcl "$work/topology/"
go build -o "$work/mobplan" ./cmd/mobplan
"$work/mobplan" apply "$work/topology" >/dev/null
"$work/mobplan" serve --any-port "$work/topology" >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
serve_pid=$!
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
proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
	# nginx as a TLS-bridging reverse proxy in front of itself (kept
	# upstream connections, TLS sessions reused): what a proxy hop costs
	# nginx, to read the lab's whole path by.
	upstream back {
		server 127.0.0.1:$port;
		keepalive 64;
	}
	server {
		listen 127.0.0.1:$proxy_port ssl;
		ssl_certificate $work/chain.pem;
		ssl_certificate_key $work/key.pem;
		location / {
			proxy_pass https://back/root.json;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_ssl_session_reuse on;
		}
	}
}
CONF
"$NGINX" -c "$work/nginx.conf" -p "$work" &
pids+=($!)
nginx_pid=$!
# The same bytes from a bare Go net/http + crypto/tls server: the floor
# of any Go HTTPS server on this machine, to read the lab's figures by.
go build -o "$work/httpsfloor" ./bench/httpsfloor
floor_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/httpsfloor" -cert "$work/chain.pem" -key "$work/key.pem" -body "$work/root.json" -addr "127.0.0.1:$floor_port" &
pids+=($!)
floor_pid=$!
sleep 0.5

# CPU time (user + system, clock ticks) of a process, its threads and
# its children's (nginx's workers).
ticks() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)
# One wrk run: name, req/s, p99 in ms, non-2xx responses, socket errors,
# and the server's CPU µs per request.
run() { # name url pid
	local t0 t1
	t0=$(ticks "$3")
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
		-H 'Host: webext.contoso.com' -H 'Accept: application/json' "$2" >"$work/wrk.out" 2>&1 || { echo "bench/autodiscover.sh: wrk against $1 failed:" >&2; cat "$work/wrk.out" >&2; }
	t1=$(ticks "$3")
	awk -v n="$1" -v t=$((t1 - t0)) -v hz="$hz" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec/ {rps=$2} /^ +99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
		/Socket errors/ {err=$4+$6+$8+$10} / requests in / {reqs=$1}
		END {printf "%s\t%.0f\t%.2f\t%d\t%d\t%.1f\n", n, rps, p99, bad, err, (reqs > 0 ? t / hz * 1e6 / reqs : 0)}' "$work/wrk.out"
}
echo "Autodiscover Root over keep-alive HTTPS, $CONNECTIONS connections, $THREADS wrk threads, ${SECONDS_PER_RUN}s runs, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
	run "nginx (same bytes)" "https://127.0.0.1:$port/root.json" "$nginx_pid"
	run "Go net/http floor" "https://127.0.0.1:$floor_port/" "$floor_pid"
	run "lab Front End (fe01:4443)" "https://$fe/" "$serve_pid"
	run "lab via proxy and HLB" "https://$rp/" "$serve_pid"
	run "nginx proxy to nginx" "https://127.0.0.1:$proxy_port/" "$nginx_pid"
done >"$work/results.txt"
awk -F'\t' '{printf "%-28s %8s req/s   p99 %8.2f ms   non-2xx %s   socket errors %s   server CPU %6.1f µs/req\n", $1, $2, $3, $4, $5, $6}' "$work/results.txt"
# Means over the rounds, and each against nginx measured in the same run:
# req/s ratio (goal >= 1.00), p99 ratio, nginx's p99 over the other's
# (goal >= 1.00: as low a p99 as nginx's), and CPU ratio, nginx's CPU per
# request over the other's: what each could serve on cores of its own,
# which the machine's other load does not move as it moves req/s.
awk -F'\t' '{rps[$1]+=$2; p99[$1]+=$3; cpu[$1]+=$6; n[$1]++; if (!($1 in seen)) {seen[$1]=1; order[++k]=$1}}
END {
	base="nginx (same bytes)"
	br=rps[base]/n[base]; bp=p99[base]/n[base]; bc=cpu[base]/n[base]
	printf "\n%-28s %9s %9s %9s %12s %10s %10s\n", "mean of rounds", "req/s", "p99 ms", "µs CPU", "req/s ratio", "p99 ratio", "CPU ratio"
	for (i=1; i<=k; i++) {
		s=order[i]; r=rps[s]/n[s]; p=p99[s]/n[s]; c=cpu[s]/n[s]
		printf "%-28s %9.0f %9.2f %9.1f %11.2fx %9.2fx %9.2fx\n", s, r, p, c, r/br, (p>0 ? bp/p : 0), (c>0 ? bc/c : 0)
	}
}' "$work/results.txt"
