#!/usr/bin/env python3
"""The file-writing floor: create the files of a tree the way platc writes them, nothing else.

usage: floor.py FILES_TSV DEST
FILES_TSV lists `<relative path>\t<size in bytes>` (from `find OUT -type f -printf '%P\t%s\n'`).
Like platc's write of folders that do not exist yet, each top-level folder is written under a
temporary name (`.NAME.tmp`) and renamed into place once its files are in it; files at the top
go through a temporary file and a rename. Every file gets that many bytes of filler. No
compilation, no YAML: what is left is the cost of the file system (and of starting Python and
of its single thread; platc writes on all cores).
"""
import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    listing, dest = sys.argv[1:]
    os.makedirs(dest, exist_ok=True)
    made = set()
    staged = []
    with open(listing) as f:
        for line in f:
            rel, size = line.rstrip("\n").split("\t")
            filler = b"x" * int(size)
            top, sep, rest = rel.partition("/")
            if not sep:
                tmp = os.path.join(dest, "." + top + ".tmp")
                with open(tmp, "wb") as out:
                    out.write(filler)
                os.rename(tmp, os.path.join(dest, top))
                continue
            staging = os.path.join(dest, "." + top + ".tmp")
            if staging not in made:
                os.mkdir(staging)
                made.add(staging)
                staged.append((staging, os.path.join(dest, top)))
            path = os.path.join(staging, rest)
            d = os.path.dirname(path)
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            with open(path, "wb") as out:
                out.write(filler)
    for staging, target in staged:
        os.rename(staging, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
