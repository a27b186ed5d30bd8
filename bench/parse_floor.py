"""The floor: one libcst parse of every .py file under a directory, in N processes.

Everything backlint does on top of this must cost less than the parse itself.
Usage: python bench/parse_floor.py --jobs 2 DIR
"""
from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor


def _parse(paths):
    import libcst

    ok = 0
    for path in paths:
        try:
            with open(path, "rb") as fh:
                libcst.parse_module(fh.read())
            ok += 1
        except Exception:
            pass
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("root")
    args = parser.parse_args()
    files = sorted(
        os.path.join(d, f) for d, _, names in os.walk(args.root) for f in names if f.endswith(".py")
    )
    chunks = [files[i : i + 32] for i in range(0, len(files), 32)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        parsed = sum(pool.map(_parse, chunks))
    print(f"parsed {parsed} of {len(files)} files")


if __name__ == "__main__":
    main()
