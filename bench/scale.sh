#!/usr/bin/env bash
# Times mobplan at hosting-provider scale, whole processes side by side
# with `cue vet` on the same data, and prints one table (markdown):
#
#   bench/scale.sh                      # domains=100 domains=1000 users=10000
#   bench/scale.sh domains=10000 users=100000
#
# A size is domains=N (N SIP domains) or users=N (N users over 100 SIP
# domains); both with 50 pools over 5 sites, as examples/scale writes them.
# Columns: validate; a first apply into a new folder, which makes the
# private keys the run lacks (every size shares one key store, so the
# count of keys made is shown); plan into an empty artifacts folder and apply into a new one (keys
# present); plan with no change (--detailed-exitcode, after that apply):
# the first renders in full and records the finding in the plan cache (a
# cache folder of the run's own), the second reuses it;
# `cue vet -c` of the same topology as JSON against the schema alone
# (topology.cue: types, enums, defaults) and against every .cue file
# (schema and rules); and validate / cue vet of the schema alone. Each cell
# is wall seconds, CPU seconds (user + system: on a shared machine the
# steadier figure) and peak RSS (MiB), from /usr/bin/time -v; the ratio is
# of CPU seconds.
#
# Environment: MOBPLAN (a mobplan binary; default: built from this
# checkout), CUE (default: cue on PATH, else ~/go/bin/cue; install it with
# `go install cuelang.org/go/cmd/cue@v0.17.1`), SCHEMA (the folder of .cue
# files cue vet reads; default: schema/ of this checkout), WORK (where
# topologies go; default: a new temporary folder, removed at the end),
# SKIP_CUE_RULES=1 leaves out cue vet with the rules, SKIP_PLAN=1 the
# plan and apply columns (for the largest sizes, to time validate once).
# Not part of `go test ./...`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(domains=100 domains=1000 users=10000)

[ -x /usr/bin/time ] || { echo "scale.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
cue=${CUE:-$(command -v cue || echo "$HOME/go/bin/cue")}
[ -x "$cue" ] || { echo "scale.sh: no cue binary; go install cuelang.org/go/cmd/cue@v0.17.1" >&2; exit 1; }
schema=${SCHEMA:-$repo/schema}

work=${WORK:-}
if [ -z "$work" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

mobplan=${MOBPLAN:-}
if [ -z "$mobplan" ]; then
	mobplan=$work/mobplan
	(cd "$repo" && go build -o "$mobplan" ./cmd/mobplan)
fi
scale=$work/scale
(cd "$repo" && go build -o "$scale" ./examples/scale)

# The schema alone: the types, enums and defaults, unified with the data
# as schema.Check does, without the rule files.
alone=$work/schema-alone
mkdir -p "$alone"
cp "$schema/topology.cue" "$alone/"
printf 'package schema\n\ninput: {...}\ntopology: #Topology & input\n' >"$alone/alone.cue"

# timed NAME EXPECTED-EXIT CMD...: runs CMD under /usr/bin/time -v and
# sets cell_NAME to "W s, C s cpu, M MiB" (cpu_NAME to C, wall_NAME to W).
timed() {
	local name=$1 want=$2
	shift 2
	local t=$work/time.$name out=$work/out.$name rc=0
	/usr/bin/time -v -o "$t" "$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "scale.sh: $name exited $rc (want $want): $*" >&2
		tail -20 "$out" >&2
		exit 1
	fi
	local s c m
	c=$(awk -F': ' '/User time|System time/ {v += $2} END {printf "%.2f", v}' "$t")
	s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); v = 0; for (i = 1; i <= n; i++) v = v * 60 + p[i]; printf "%.2f", v}' "$t")
	m=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$t")
	printf -v "cell_$name" '%s s, %s s cpu, %s MiB' "$s" "$c" "$m"
	printf -v "cpu_$name" '%s' "$c"
	printf -v "wall_$name" '%s' "$s"
}

echo "mobplan: $mobplan; cue: $("$cue" version | head -1); $(nproc) cores; $(date -u +%FT%TZ)"
echo
echo "| size | validate | first apply (keys made) | plan (empty artifacts dir) | apply (new dir) | plan, no change (full) | plan, no change (cached) | cue vet, schema alone | cue vet, schema + rules | validate / cue vet alone | cached plan / validate (wall) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
	n=${size#*=}
	case $size in
	domains=*) args=(-domains "$n" -pools 50 -sites 5 -users 2) ;;
	users=*)
		[ $((n % 50)) -eq 0 ] || { echo "scale.sh: users must be a multiple of 50" >&2; exit 1; }
		args=(-domains 100 -pools 50 -sites 5 -users $((n / 50)))
		;;
	*) echo "scale.sh: size $size: want domains=N or users=N" >&2; exit 1 ;;
	esac
	d=$work/$size
	rm -rf "$d"
	mkdir -p "$d"
	"$scale" "${args[@]}" -out "$d/topo" -json "$d/topology.json"
	# One key store for every size, so key generation is timed once: the
	# keys made so far are copied in, and those the first apply makes
	# copied back (a linked .mobplan is refused, so no symbolic link).
	mkdir -p "$work/keys" "$d/topo/.mobplan/keys"
	cp -a "$work/keys/." "$d/topo/.mobplan/keys/"
	keys=$(find "$d/topo/.mobplan/keys" -type f | wc -l)

	timed validate 0 "$mobplan" validate "$d/topo"
	cell_firstapply=skipped cell_plan=skipped cell_apply=skipped cell_nochange=skipped cell_cached=skipped wall_cached=
	if [ "${SKIP_PLAN:-}" != 1 ]; then
		timed firstapply 0 "$mobplan" apply --artifacts "$d/first" "$d/topo"
		keys=$(($(find "$d/topo/.mobplan/keys" -type f | wc -l) - keys))
		cp -a "$d/topo/.mobplan/keys/." "$work/keys/"
		timed plan 0 "$mobplan" plan --artifacts "$d/empty" "$d/topo"
		timed apply 0 "$mobplan" apply --artifacts "$d/art" "$d/topo"
		rm -rf "$d/cache"
		timed nochange 0 env MOBPLAN_CACHE_DIR="$d/cache" "$mobplan" plan --detailed-exitcode --artifacts "$d/art" "$d/topo"
		timed cached 0 env MOBPLAN_CACHE_DIR="$d/cache" "$mobplan" plan --detailed-exitcode --artifacts "$d/art" "$d/topo"
	fi
	timed vetalone 0 "$cue" vet -c "$alone"/*.cue "$d/topology.json" -l '"input"'
	cell_vetrules=skipped
	if [ "${SKIP_CUE_RULES:-}" != 1 ]; then
		timed vetrules 0 "$cue" vet -c "$schema"/*.cue "$d/topology.json" -l '"input"'
	fi
	ratio=$(awk -v a="$cpu_validate" -v b="$cpu_vetalone" 'BEGIN {if (b > 0) printf "%.1f×", a / b; else print "-"}')
	cached_ratio=$(awk -v a="${wall_cached:-0}" -v b="$wall_validate" 'BEGIN {if (a > 0 && b > 0) printf "%.2f×", a / b; else print "-"}')
	echo "| $size | $cell_validate | $cell_firstapply ($keys) | $cell_plan | $cell_apply | $cell_nochange | $cell_cached | $cell_vetalone | $cell_vetrules | $ratio | $cached_ratio |"
	rm -rf "$d/first" "$d/empty" "$d/art" "$d/cache"
done
