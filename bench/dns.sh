#!/usr/bin/env bash
# DNS queries per second: mobplan's DNS server (runtime/dnsserver, through
# bench/dnsserve) side by side with knotd (one UDP worker), both serving
# the same zone files that `mobplan apply` wrote for an example, measured
# with dnsperf over loopback UDP. Rounds alternate between the two servers
# so that load from elsewhere on the machine falls on both alike.
#
#   bench/dns.sh                      # contoso, external view
#   EXAMPLE=multisite VIEW=internal ROUNDS=3 SECONDS_PER_RUN=10 bench/dns.sh
#
# GOMAXPROCS (default 1) is the Go server's processor count, to match
# knotd's one worker; dnsperf gets its own thread either way.
# Installs dnsperf and knot with apt-get when they are missing (root).
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLE=${EXAMPLE:-contoso}
VIEW=${VIEW:-external}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-4}        # dnsperf -c: UDP sockets
OUTSTANDING=${OUTSTANDING:-100} # dnsperf -q: queries in flight
export GOMAXPROCS=${GOMAXPROCS:-1}
export GOFLAGS=${GOFLAGS:--mod=mod}

if ! command -v dnsperf >/dev/null || ! command -v knotd >/dev/null; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "bench/dns.sh: needs dnsperf and knotd (Debian: apt-get install dnsperf knot)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends dnsperf knot >/dev/null
	# The package starts a knotd of its own; this script runs its own.
	if command -v systemctl >/dev/null && systemctl is-active --quiet knot 2>/dev/null; then
		systemctl stop knot || true
	fi
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The artifacts, as apply writes them (apply makes keys beside the
# topology, so it runs on a copy).
cp -r "examples/$EXAMPLE" "$work/topology"
go build -o "$work/mobplan" ./cmd/mobplan
go build -o "$work/dnsserve" ./bench/dnsserve
"$work/mobplan" apply --artifacts "$work/artifacts" "$work/topology" >/dev/null
"$work/dnsserve" -artifacts "$work/artifacts" -view "$VIEW" -queries "$work/queries.txt"

# A free port pair for each server: ask the kernel, then bind at once.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
go_port=$(port)
knot_port=$(port)

"$work/dnsserve" -artifacts "$work/artifacts" -view "$VIEW" -addr "127.0.0.1:$go_port" &
pids+=($!)

mkdir -p "$work/knot/db" "$work/knot/run"
{
	cat <<EOF
server:
    listen: 127.0.0.1@$knot_port
    rundir: $work/knot/run
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: $work/knot/db
template:
  - id: default
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
EOF
	for f in "$work/artifacts/dns/$VIEW"/*.zone; do
		name=$(basename "$f" .zone)
		printf '  - domain: %s\n    file: %s\n' "$name" "$f"
	done
} >"$work/knot/knot.conf"
knotd -c "$work/knot/knot.conf" &
pids+=($!)

# Both up and answering alike: every query of the file, status, header
# flags, answer and authority sections compared (case and spacing aside).
wait_up() {
	for _ in $(seq 50); do
		dig +tries=1 +time=1 @127.0.0.1 -p "$1" "$(head -1 "$work/queries.txt" | cut -d' ' -f1)" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "bench/dns.sh: no server on port $1" >&2
	exit 1
}
wait_up "$go_port"
wait_up "$knot_port"
answers() {
	while read -r name type; do
		echo "; $name $type"
		dig +norecurse +noall +answer +authority +comments @127.0.0.1 -p "$1" "$name" "$type" |
			grep -E '^[^;]|status:|flags:' | sed -E 's/, id: [0-9]+//; s/^;; flags: ([a-z ]*);.*/flags: \1/; s/[[:space:]]+/ /g' | tr 'A-Z' 'a-z'
	done <"$work/queries.txt"
}
if ! diff <(answers "$go_port") <(answers "$knot_port") >"$work/answers.diff"; then
	echo "bench/dns.sh: the two servers answer differently (< mobplan, > knotd):" >&2
	cat "$work/answers.diff" >&2
	exit 1
fi
echo "$(wc -l <"$work/queries.txt") queries, identical answers from both servers ($EXAMPLE, $VIEW view)"

# CPU time (user + system, clock ticks) of a process and its threads.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
qps() { # port pid → queries per second, lost, server CPU µs per query
	local t0 t1
	t0=$(ticks "$2")
	dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -l "$SECONDS_PER_RUN" -c "$CLIENTS" -q "$OUTSTANDING" -T 1 >"$work/dnsperf.out" 2>&1
	t1=$(ticks "$2")
	awk -v t=$((t1 - t0)) -v hz="$hz" '/Queries lost:/ {lost=$3} /Queries completed:/ {done=$3} /Queries per second:/ {rate=$4}
		END {printf "%s %s %.2f\n", rate, lost, (done > 0 ? t / hz * 1e6 / done : 0)}' "$work/dnsperf.out"
}
go_pid=${pids[0]}
knot_pid=${pids[1]}
go_sum=0 knot_sum=0 go_cpu=0 knot_cpu=0
printf '%-6s %14s %6s %10s %14s %6s %10s\n' round "mobplan q/s" lost "µs CPU/q" "knotd q/s" lost "µs CPU/q"
for r in $(seq "$ROUNDS"); do
	read -r g gl gc < <(qps "$go_port" "$go_pid")
	read -r k kl kc < <(qps "$knot_port" "$knot_pid")
	printf '%-6s %14.0f %6s %10s %14.0f %6s %10s\n' "$r" "$g" "$gl" "$gc" "$k" "$kl" "$kc"
	go_sum=$(awk -v a="$go_sum" -v b="$g" 'BEGIN {print a + b}')
	knot_sum=$(awk -v a="$knot_sum" -v b="$k" 'BEGIN {print a + b}')
	go_cpu=$(awk -v a="$go_cpu" -v b="$gc" 'BEGIN {print a + b}')
	knot_cpu=$(awk -v a="$knot_cpu" -v b="$kc" 'BEGIN {print a + b}')
done
# Queries per second depend on what else the machine runs; CPU time per
# query much less so: its ratio is what each server could answer on a
# core of its own.
awk -v g="$go_sum" -v k="$knot_sum" -v gc="$go_cpu" -v kc="$knot_cpu" -v n="$ROUNDS" -v p="$GOMAXPROCS" 'BEGIN {
	printf "mean   %14.0f %6s %10.2f %14.0f %6s %10.2f\n", g / n, "", gc / n, k / n, "", kc / n
	printf "ratio mobplan/knotd: %.2fx queries/s, %.2fx by CPU per query (knotd µs over mobplan µs) (GOMAXPROCS=%s, knotd 1 UDP worker)\n", g / k, (gc > 0 ? kc / gc : 0), p
}'
