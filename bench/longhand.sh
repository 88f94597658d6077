#!/usr/bin/env bash
# The environments scenario's longhand form (bench/run.sh, issue 27): the same objects as
# environments/platform-full.toml, written out as one config per cluster. Runs `platc MODE`
# (build or diff) on each, one after the other, each into its own folder OUT-<cluster>; MODE
# `aside` sets the three folders aside instead (bench/aside.sh), for a cold run.
#   longhand.sh PLATC MODE DATA_DIR OUT
set -u
platc=$1 mode=$2 data=$3 out=$4
status=0
for c in staging prod-eu prod-us; do
  if [ "$mode" = aside ]; then
    "$(dirname "$0")/aside.sh" "$out-$c" || status=$?
    continue
  fi
  "$platc" "$mode" -c "$data/environments/longhand/$c/platform-full.toml" -o "$out-$c" 2>/dev/null || status=$?
done
exit "$status"
