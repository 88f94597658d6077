#!/usr/bin/env bash
# usage: then_sync.sh COMMAND...: runs COMMAND (a hyperfine --prepare step), then writes back
# what it left dirty, so that the timed run after it does not share the cores with the kernel's
# flusher threads (bench/aside.sh).
"$@" >/dev/null 2>&1
sync
