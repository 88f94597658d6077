#!/usr/bin/env bash
# platc at scale, side by side with the peers; writes docs/benchmarks.md.
#
#   bench/setup-peers.sh            once (apt + venv + cargo under /tmp/oracles)
#   bench/run.sh                    N = 10 100 1000 5000 10000
#
# Environment:
#   NS="10 100"          sizes to run                    (default 10 100 1000 5000 10000)
#   RUNS=5               hyperfine runs per cold scenario, platc's and the peers' (1 for a peer
#                        slower than ~20 s a run: kustomize, C++ jsonnet at N >= 1000). Fewer
#                        let one of the VM's occasional slow runs (~1 in 8) move the median.
#   QUICK_RUNS=7         runs of the scenarios that only read and compare (no-op, diff, diff-1,
#                        build-1 and the templated no-op and diff): cheap, and noisy at 10k
#   PEERS="kcl jrsonnet" which peers (default: python kcl jsonnet-go jrsonnet jsonnet-cpp kustomize;
#                        PEERS= for none)
#   PEER_MAX=5000        largest N the peers run at (KCL and go-jsonnet need ~2.5 GiB at 5000)
#   KUSTOMIZE_MAX=1000   kubectl kustomize grows faster than N (~4.5 min a run at 1000)
#   JSONNET_CPP_MAX=1000 C++ jsonnet likewise (~26 s at 1000, ~3 min at 5000)
#   CHECK_MAX=1000       largest N at which every peer's objects are compared with the reference
#   DOC=docs/benchmarks.md   where the report goes (DOC= to only print it)
#   ORACLES=/tmp/oracles where inputs, outputs and the peers live (large; never in the repo)
#   SCENARIOS=0          skip platc's own scenarios (only the side-by-side part)
#   APPEND=1             keep the previous run's results (e.g. to add a peer installed later);
#                        a later measurement of the same N and scenario replaces the earlier one
#
# platc is the release binary (built here once with `cargo build --release`).
# What each N measures (all wall times are hyperfine medians, no shell in between):
#   platc on platform-full.toml (every tenant = the seed's production namespace in full):
#     cold      `platc build` into an empty out/ (the previous one set aside before every run:
#               bench/aside.sh moves it into a trash deleted at the end, see there why)
#     no-op     `platc build` again: nothing changed
#     diff      `platc diff` with no drift (exit 0)
#     diff-1    `platc diff` after one tenant's quota changed (exit 1)
#     build-1   `platc build` of that change (out/ reset to the unchanged tree before every run)
#     floor-cp  `cp -r` of the tree cold build produced, into an empty folder
#     floor-cr  bench/floor.py: create+write+rename the same files (same paths and sizes)
#     man-*     cold, no-op and diff of open-model/platform-full.toml: platform-full with three
#               manifests (Deployment, Service, PVC) and a patch on its CronJob per tenant
#     import    `platc import` of the cold build's tree into an empty folder
#     env-*     cold, no-op, clean diff and peak of environments/platform-full.toml (issue 27: the
#               tenants on staging, prod-eu and prod-us, one `on.staging` override each,
#               per-cluster images), `platc compare prod-eu prod-us` on it, and longhand-* the
#               same objects written out as one config per cluster (bench/longhand.sh)
#     tpl-*     cold, no-op and diff of templated/platform-full.toml, the same platform written
#               with one template and included tenant files (checked to give the same tree)
#     peak RSS  GNU time %M of one cold and one no-op build
#     profile   PLATC_TIMINGS=1 of a cold, a no-op build and a clean diff (median of 3 each)
#   side by side on platform.toml / platform.json (7 objects per tenant, the peers' shape):
#     platc-7   cold `platc build`, every peer writing into an empty folder too
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE=$REPO/bench
ROOT=${ORACLES:-/tmp/oracles}
NS=${NS:-"10 100 1000 5000 10000"}
PEERS=${PEERS-"python kcl jsonnet-go jrsonnet jsonnet-cpp kustomize"}
PEER_MAX=${PEER_MAX:-5000}
KUSTOMIZE_MAX=${KUSTOMIZE_MAX:-1000}
JSONNET_CPP_MAX=${JSONNET_CPP_MAX:-1000}
CHECK_MAX=${CHECK_MAX:-1000}
DOC=${DOC-$REPO/docs/benchmarks.md}
PY=$ROOT/venv/bin/python
JRS=$ROOT/cargo/bin/jrsonnet
W=$ROOT/platc-bench            # data/, out/, results/, trash/
RES=$W/results
# Outputs are set aside here (bench/aside.sh says why) and deleted when the run ends: a full
# run needs ~35 GB and ~8 million free inodes on that file system.
export BENCH_TRASH=$W/trash
mkdir -p "$W/data" "$W/out" "$RES/json"
[ "${APPEND:-0}" = 1 ] || rm -f "$RES/results.tsv" "$RES/profile.tsv"

command -v hyperfine >/dev/null || { echo "hyperfine missing: run bench/setup-peers.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time missing: run bench/setup-peers.sh" >&2; exit 2; }
(cd "$REPO" && cargo build --release --quiet)
PLATC=$REPO/target/release/platc

# record N SCENARIO HYPERFINE_JSON OBJECTS FILES [PEAK_KIB]
record() {
  python3 - "$@" >>"$RES/results.tsv" <<'EOF'
import json, sys
n, name, path, objects, files = sys.argv[1:6]
peak = sys.argv[6] if len(sys.argv) > 6 else ""
r = json.load(open(path))["results"][0]
print("\t".join([n, name, "%.4f" % r["median"], "%.4f" % r["min"], "%.4f" % r["max"],
                 str(len(r["times"])), objects, files, peak]))
EOF
}

# hf N NAME RUNS HYPERFINE_ARGS... -- COMMAND: one hyperfine call, JSON kept under results/json
hf() {
  local n=$1 name=$2 runs=$3; shift 3
  hyperfine -N --style basic --runs "$runs" --export-json "$RES/json/$n-$name.json" "$@" >&2
}

peak_kib() {  # peak RSS (KiB) of one run of the command
  /usr/bin/time -f '%M' -o "$RES/.rss" "$@" >/dev/null 2>&1 || true
  tail -1 "$RES/.rss"
}

peer_cmd() {  # PEER N -> the command that compiles data/N/platform.json into out/PEER-N
  local p=$1 n=$2 d=$W/data/$2/platform.json o=$W/out/$1-$2
  case $p in
    python)      echo "$PY $HERE/peers/python/compile.py $d $o" ;;
    kcl)         echo "$PY $HERE/peers/kcl/run_kcl.py $d $o" ;;
    jsonnet-go)  echo "$PY $HERE/peers/jsonnet/run_jsonnet.py go $d $o" ;;
    jrsonnet)    echo "$JRS -S -c -m $o --tla-code-file platform=$d $HERE/peers/jsonnet/platform.jsonnet" ;;
    jsonnet-cpp) echo "jsonnet -y --tla-str mode=list --tla-code-file platform=$d -o $o/all.yaml $HERE/peers/jsonnet/platform.jsonnet" ;;
    kustomize)   echo "kubectl kustomize $W/data/$n/kustomize -o $o" ;;
    platc-7)     echo "$PLATC build -c $W/data/$n/platform.toml -o $o" ;;
  esac
}

# The outputs set aside stay until the run ends: deleting them mid-run would make every later
# file creation skip their inodes for up to 6 minutes (bench/aside.sh says why; a 61 s wait
# after `rm -rf` and `sync` measured 2.5 times slower creates than on a fresh file system).
# Only when an N might not fit in what is left (about 340 files and inodes a tenant for
# platc's scenarios, 300 more with the peers) is the trash emptied first, followed by the
# full 361 s wait.
delete_trash_and_wait() {  # REASON
  echo "$1: deleting the outputs set aside, then waiting 361 s" >&2
  rm -rf "$BENCH_TRASH"
  sync
  sleep 361
}

empty_trash_if_needed() {
  local n=$1 per=340
  [ "$n" -le "$PEER_MAX" ] && per=640
  local need=$((n * per)) free_inodes free_files
  free_inodes=$(df --output=iavail "$W" | tail -1)
  free_files=$(($(df --output=avail "$W" | tail -1) / 4))   # 4 KiB blocks
  if [ -d "$BENCH_TRASH" ] && { [ "$free_inodes" -lt $((need * 3 / 2)) ] || [ "$free_files" -lt $((need * 3 / 2)) ]; }; then
    delete_trash_and_wait "N=$n needs room for ~$need files"
  fi
}

[ -d "$BENCH_TRASH" ] && delete_trash_and_wait "an interrupted run left its trash"

for n in $NS; do
  empty_trash_if_needed "$n"
  D=$W/data/$n O=$W/out/platc-$n
  python3 "$HERE/gen_platform.py" "$n" --out "$D" >&2
  # One tenant changed: the middle tenant's pod quota. The file keeps its name: the name is in
  # every file's header, so a config named otherwise would change all of them.
  mkdir -p "$D/changed"
  mid=$(python3 -c "import sys; i=int(sys.argv[1])//2; print('production' if i==0 else f'production-{i:05d}')" "$n")
  python3 - "$D/platform-full.toml" "$D/changed/platform-full.toml" "$mid" <<'EOF'
import sys
src, dst, ns = sys.argv[1:]
text = open(src).read()
old = f"[namespaces.{ns}.quota]\nrequests = {{ cpu = \"200\", memory = \"400Gi\" }}\nlimits = {{ cpu = \"300\", memory = \"600Gi\" }}\npods = 200\n"
assert text.count(old) == 1, "tenant quota not found"
open(dst, "w").write(text.replace(old, old.replace("pods = 200", "pods = 201")))
EOF
  runs=${RUNS:-5}
  quick=${QUICK_RUNS:-7}

  # --- platc's own scenarios, platform-full.toml ------------------------------------------
  if [ "${SCENARIOS:-1}" = 1 ]; then
  "$HERE/aside.sh" "$O"
  summary=$("$PLATC" build -c "$D/platform-full.toml" -o "$O" 2>&1 | tail -1)
  objects=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\1/' <<<"$summary")
  files=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\2/' <<<"$summary")
  echo "N=$n: $summary" >&2
  full="$PLATC build -c $D/platform-full.toml -o $O"
  cold_peak=$("$HERE/aside.sh" "$O"; peak_kib $full)
  noop_peak=$(peak_kib $full)
  hf "$n" cold "$runs" --prepare "$HERE/aside.sh $O" -- "$full"
  record "$n" cold "$RES/json/$n-cold.json" "$objects" "$files" "$cold_peak"
  hf "$n" noop "$quick" --warmup 1 --prepare sync -- "$full"
  record "$n" no-op "$RES/json/$n-noop.json" "$objects" "$files" "$noop_peak"
  hf "$n" diff "$quick" --warmup 1 --prepare sync -- "$PLATC diff -c $D/platform-full.toml -o $O"
  record "$n" diff "$RES/json/$n-diff.json" "$objects" "$files"
  hf "$n" diff1 "$quick" --warmup 1 -i --prepare sync -- "$PLATC diff -c $D/changed/platform-full.toml -o $O"
  record "$n" diff-1 "$RES/json/$n-diff1.json" "$objects" "$files"
  hf "$n" build1 "$quick" --prepare "$HERE/then_sync.sh $full" -- "$PLATC build -c $D/changed/platform-full.toml -o $O"
  record "$n" build-1 "$RES/json/$n-build1.json" "$objects" "$files"
  "$PLATC" build -c "$D/platform-full.toml" -o "$O" 2>/dev/null
  one=$("$PLATC" build -c "$D/changed/platform-full.toml" -o "$O" 2>&1 | tail -1)
  grep -q ": 1 written, " <<<"$one" || { echo "N=$n: the one-tenant change rewrote more than 1 file: $one" >&2; exit 1; }
  "$PLATC" build -c "$D/platform-full.toml" -o "$O" 2>/dev/null
  # The file-writing floor, in the same run, on the same tree.
  (cd "$O" && find . -type f -printf '%P\t%s\n' | sort) >"$W/out/files-$n.tsv"
  hf "$n" floorcp "$runs" --prepare "$HERE/aside.sh $W/out/floor-$n" -- "cp -r $O $W/out/floor-$n"
  record "$n" floor-cp "$RES/json/$n-floorcp.json" "$objects" "$files"
  hf "$n" floorcr "$runs" --prepare "$HERE/aside.sh $W/out/floor-$n" -- \
    "python3 $HERE/floor.py $W/out/files-$n.tsv $W/out/floor-$n"
  record "$n" floor-create-rename "$RES/json/$n-floorcr.json" "$objects" "$files"
  "$HERE/aside.sh" "$W/out/floor-$n"
  # The same platform written with a template and includes (issue 7): same tree, timed alike.
  T=$D/templated/platform-full.toml OT=$W/out/platc-tpl-$n
  tpl="$PLATC build -c $T -o $OT"
  tcold_peak=$("$HERE/aside.sh" "$OT"; peak_kib $tpl)
  tnoop_peak=$(peak_kib $tpl)
  diff -r "$O" "$OT" >/dev/null || { echo "N=$n: the templated form's tree differs from platform-full's" >&2; exit 1; }
  hf "$n" tcold "$runs" --prepare "$HERE/aside.sh $OT" -- "$tpl"
  record "$n" tpl-cold "$RES/json/$n-tcold.json" "$objects" "$files" "$tcold_peak"
  hf "$n" tnoop "$quick" --warmup 1 --prepare sync -- "$tpl"
  record "$n" tpl-no-op "$RES/json/$n-tnoop.json" "$objects" "$files" "$tnoop_peak"
  hf "$n" tdiff "$quick" --warmup 1 --prepare sync -- "$PLATC diff -c $T -o $OT"
  record "$n" tpl-diff "$RES/json/$n-tdiff.json" "$objects" "$files"
  "$HERE/aside.sh" "$OT"
  # Environments (issue 27): the tenants stamped on three clusters (staging, prod-eu, prod-us)
  # with one `on.staging` override each and per-cluster images, beside the same objects written
  # out longhand, one config per cluster (bench/longhand.sh builds the three in turn; together
  # they give the same tree, checked). Cold, no-op, clean diff and peak of each, and `platc
  # compare` of two clusters (target: under a no-op build).
  E=$D/environments/platform-full.toml OE=$W/out/platc-env-$n OL=$W/out/platc-lh-$n
  envb="$PLATC build -c $E -o $OE"
  lh="$HERE/longhand.sh $PLATC build $D $OL"
  ecold_peak=$("$HERE/aside.sh" "$OE"; peak_kib $envb)
  enoop_peak=$(peak_kib $envb)
  esummary=$("$PLATC" build -c "$E" -o "$OE" 2>&1 | tail -1)
  eobjects=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\1/' <<<"$esummary")
  efiles=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\2/' <<<"$esummary")
  lcold_peak=$("$HERE/longhand.sh" "$PLATC" aside "$D" "$OL"; peak_kib $lh)
  lnoop_peak=$(peak_kib $lh)
  for c in staging prod-eu prod-us; do
    diff -r "$OE/$c" "$OL-$c/$c" >/dev/null || { echo "N=$n: the longhand $c tree differs from the environments tree" >&2; exit 1; }
  done
  hf "$n" ecold "$runs" --prepare "$HERE/aside.sh $OE" -- "$envb"
  record "$n" env-cold "$RES/json/$n-ecold.json" "$eobjects" "$efiles" "$ecold_peak"
  hf "$n" enoop "$quick" --warmup 1 --prepare sync -- "$envb"
  record "$n" env-no-op "$RES/json/$n-enoop.json" "$eobjects" "$efiles" "$enoop_peak"
  hf "$n" ediff "$quick" --warmup 1 --prepare sync -- "$PLATC diff -c $E -o $OE"
  record "$n" env-diff "$RES/json/$n-ediff.json" "$eobjects" "$efiles"
  hf "$n" ecompare "$quick" --warmup 1 -i --prepare sync -- "$PLATC compare prod-eu prod-us -c $E --format stat"
  record "$n" env-compare "$RES/json/$n-ecompare.json" "$eobjects" "$efiles"
  hf "$n" lcold "$runs" --prepare "$HERE/longhand.sh $PLATC aside $D $OL" -- "$lh"
  record "$n" longhand-cold "$RES/json/$n-lcold.json" "$eobjects" "$efiles" "$lcold_peak"
  hf "$n" lnoop "$quick" --warmup 1 --prepare sync -- "$lh"
  record "$n" longhand-no-op "$RES/json/$n-lnoop.json" "$eobjects" "$efiles" "$lnoop_peak"
  hf "$n" ldiff "$quick" --warmup 1 --prepare sync -- "$HERE/longhand.sh $PLATC diff $D $OL"
  record "$n" longhand-diff "$RES/json/$n-ldiff.json" "$eobjects" "$efiles"
  "$HERE/longhand.sh" "$PLATC" aside "$D" "$OL"
  "$HERE/aside.sh" "$OE"
  # The same platform with three manifests and a patch per tenant (issue 15): cold, no-op and
  # clean diff, compared with platform-full's in the report (target: within 1.5x).
  M=$D/open-model/platform-full.toml OM=$W/out/platc-man-$n
  man="$PLATC build -c $M -o $OM"
  mcold_peak=$("$HERE/aside.sh" "$OM"; peak_kib $man)
  mnoop_peak=$(peak_kib $man)
  msummary=$("$PLATC" build -c "$M" -o "$OM" 2>&1 | tail -1)
  mobjects=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\1/' <<<"$msummary")
  mfiles=$(sed -E 's/^platc: ([0-9]+) objects in ([0-9]+) files.*/\2/' <<<"$msummary")
  hf "$n" mcold "$runs" --prepare "$HERE/aside.sh $OM" -- "$man"
  record "$n" man-cold "$RES/json/$n-mcold.json" "$mobjects" "$mfiles" "$mcold_peak"
  hf "$n" mnoop "$quick" --warmup 1 --prepare sync -- "$man"
  record "$n" man-no-op "$RES/json/$n-mnoop.json" "$mobjects" "$mfiles" "$mnoop_peak"
  hf "$n" mdiff "$quick" --warmup 1 --prepare sync -- "$PLATC diff -c $M -o $OM"
  record "$n" man-diff "$RES/json/$n-mdiff.json" "$mobjects" "$mfiles"
  "$HERE/aside.sh" "$OM"
  # Import (issue 17): platform-full's tree back into a platform.toml, into an empty folder
  # (target: under 2x the cold build).
  IM=$W/out/platc-import-$n
  hf "$n" import "$runs" --prepare "$HERE/aside.sh $IM" -- \
    "sh -c 'mkdir -p $IM && cd $IM && $PLATC import $O >/dev/null'"
  record "$n" import "$RES/json/$n-import.json" "$objects" "$files"
  "$HERE/aside.sh" "$IM"
  # In-process stage profile: cold build, no-op build, clean diff.
  for kind in cold noop diff; do
    for _ in 1 2 3; do
      case $kind in
        cold) "$HERE/aside.sh" "$O"; cmd=(build) ;;
        noop) cmd=(build) ;;
        diff) cmd=(diff) ;;
      esac
      PLATC_TIMINGS=1 "$PLATC" "${cmd[@]}" -c "$D/platform-full.toml" -o "$O" 2>&1 >/dev/null \
        | sed -nE "s/^platc: timing ([a-z+-]+) +([0-9.]+) ms.*$/$n\t$kind\t\1\t\2/p" >>"$RES/profile.tsv"
    done
  done
  fi

  # --- side by side: the peers' 7-object shape ---------------------------------------------
  [ "$n" -le "$PEER_MAX" ] || continue
  peers=()
  for p in $PEERS; do
    case $p in
      kustomize)   [ "$n" -le "$KUSTOMIZE_MAX" ] || continue ;;
      jsonnet-cpp) [ "$n" -le "$JSONNET_CPP_MAX" ] || continue ;;
    esac
    tool=$PY
    case $p in jrsonnet) tool=$JRS ;; jsonnet-cpp) tool=$(command -v jsonnet || true) ;;
               kustomize) tool=$(command -v kubectl || true) ;; esac
    [ -n "$tool" ] && [ -x "$tool" ] || { echo "skipping $p: not installed (bench/setup-peers.sh)" >&2; continue; }
    peers+=("$p")
  done
  [ -d "$D/kustomize" ] || python3 "$HERE/peers/kustomize/gen_kustomize.py" "$D/platform.json" "$D/kustomize" >&2
  # platc last: every tool before it leaves its outputs in the trash, which makes creating
  # files a little slower for those that come later.
  for p in "${peers[@]}" platc-7; do
    o=$W/out/$p-$n
    cmd=$(peer_cmd "$p" "$n")
    pruns=$runs; warm=1
    case $p in
      kustomize|jsonnet-cpp) [ "$n" -ge 1000 ] && { pruns=1; warm=0; } ;;
    esac
    if [ "$pruns" = 1 ]; then
      # Minutes a run: one timed run, its peak RSS taken by GNU time around it.
      hf "$n" "$p" 1 --warmup 0 --prepare "$HERE/aside.sh $o --mkdir" -- \
        "/usr/bin/time -f %M -o $RES/.rss $cmd"
      peak=$(tail -1 "$RES/.rss")
    else
      "$HERE/aside.sh" "$o" --mkdir   # kustomize and C++ jsonnet need the folder to exist
      peak=$(peak_kib $cmd)
      hf "$n" "$p" "$pruns" --warmup "$warm" --prepare "$HERE/aside.sh $o --mkdir" -- "$cmd"
    fi
    pobj=$(find "$o" -type f -name '*.yaml' ! -name kustomization.yaml | wc -l)
    [ "$p" = jsonnet-cpp ] && pobj=$(grep -c '^---' "$o/all.yaml" || true)
    pfiles=$(find "$o" -type f | wc -l)
    record "$n" "peer:$p" "$RES/json/$n-$p.json" "$pobj" "$pfiles" "$peak"
    if [ "$n" -le "$CHECK_MAX" ] && [ "$p" != python ] && [ "$p" != platc-7 ] && [ -d "$W/out/python-$n" ]; then
      hdr=""; case $p in kustomize|jsonnet-cpp) hdr=--ignore-header ;; esac
      "$PY" "$HERE/compare_outputs.py" "$W/out/python-$n" "$o" $hdr >&2
    fi
  done
done

echo "deleting the outputs set aside ($BENCH_TRASH)" >&2
rm -rf "$BENCH_TRASH"
python3 "$HERE/report.py" "$RES" "$PLATC" "$PEERS" >"$RES/benchmarks.md"
cat "$RES/benchmarks.md"
if [ -n "$DOC" ]; then
  mkdir -p "$(dirname "$DOC")"
  cp "$RES/benchmarks.md" "$DOC"
  echo "wrote $DOC" >&2
fi
