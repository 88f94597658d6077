#!/usr/bin/env python3
"""The file-writing floor: create the files of a tree the way platc writes them, nothing else.

usage: floor.py FILES_TSV DEST
FILES_TSV lists `<relative path>\t<size in bytes>` (from `find OUT -type f -printf '%P\t%s\n'`).
Every file is written as a temporary file next to its target and renamed into place, like
platc's atomic write, with that many bytes of filler. No compilation, no YAML: what is left is
the cost of the file system (and of starting Python, ~20 ms).
"""
import os
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    listing, dest = sys.argv[1:]
    made = set()
    with open(listing) as f:
        for line in f:
            rel, size = line.rstrip("\n").split("\t")
            path = os.path.join(dest, rel)
            d = os.path.dirname(path)
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            tmp = os.path.join(d, "." + os.path.basename(path) + ".tmp")
            with open(tmp, "wb") as out:
                out.write(b"x" * int(size))
            os.rename(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
