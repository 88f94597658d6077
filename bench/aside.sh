#!/usr/bin/env bash
# usage: aside.sh DIR [--mkdir]
# Empties the place of DIR for a cold run by moving DIR into $BENCH_TRASH (a rename, on the
# same file system) instead of deleting it; --mkdir then creates DIR empty. bench/run.sh deletes
# the trash when the run ends.
#
# Why not `rm -rf DIR`: on ext4 without a journal (this machine's root file system), the inode
# allocator skips inodes deleted in the last 60 s (300 s more while their inode table block is
# dirty, as new files in it make it), rescanning them for every file it creates
# (fs/ext4/ialloc.c, recently_deleted()). A
# run that follows the deletion of the previous run's tens of thousands of files pays that scan
# for every file it writes: the kernel time of creating a file grew about fivefold, for every
# tool alike, and measured the previous run's `rm` rather than the tool.
set -euo pipefail
dir=$1
: "${BENCH_TRASH:?set BENCH_TRASH to a folder on the same file system}"
mkdir -p "$BENCH_TRASH"
if [ -e "$dir" ]; then
  mv "$dir" "$(mktemp -d -p "$BENCH_TRASH")/"
fi
[ "${2:-}" = --mkdir ] && mkdir -p "$dir"
# Write back what earlier runs left dirty, so that the kernel's flusher threads do not compete
# with the timed run for the two cores (with each file's blocks allocated on write-back, that
# costs as much CPU as creating it did): each tool pays for its own files only.
sync
exit 0
