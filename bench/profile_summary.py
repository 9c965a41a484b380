"""Summarise a py-spy profile recorded with `--format raw` (collapsed stacks, one
"frame;frame;... count" per line): the hottest functions by self time, and the share of
samples spent under chosen frames (inclusive), grouped by the code they belong to.

    .venv/bin/python bench/profile_summary.py /tmp/click.txt [--top 25] [--under answer_daily ...]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")

# Inclusive buckets: the first frame (root-most) matching decides where a sample belongs.
DEFAULT_UNDER = [
    "SignatureVerifier.is_valid",
    "is_valid",
    "validate_slack_body",
    "App.dispatch",
    "dispatch",
    "answer_daily",
    "send_ephemeral",
    "answered",
    "_refresh",
    "handle_daily_answer",
]


def parse(path: str) -> list[tuple[list[str], int]]:
    stacks = []
    with open(path, errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match.group('func')} ({file})"


def package(frame: str) -> str:
    match = FRAME.match(frame)
    file = match.group("file") if match else frame
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    for top in ("bot/", "db/", "content/"):
        if f"/{top}" in file or file.startswith(top):
            return top.rstrip("/") + " (app)"
    if "lib/python3" in file:
        return "stdlib:" + file.rsplit("/", 1)[-1]
    return file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--under", nargs="*", help="function names to report inclusive shares for")
    args = parser.parse_args(argv)
    stacks = parse(args.path)
    total = sum(count for _, count in stacks) or 1
    print(f"{total} samples")

    self_time: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        leaf = frames[-1]
        self_time[short(leaf)] += count
        by_package[package(leaf)] += count
        seen = set()
        for frame in frames:
            name = short(frame)
            if name not in seen:
                inclusive[name] += count
                seen.add(name)

    print(f"\nself time by package (top {args.top}):")
    for name, count in by_package.most_common(args.top):
        print(f"  {count / total:6.1%}  {name}")
    print(f"\nself time by function (top {args.top}):")
    for name, count in self_time.most_common(args.top):
        print(f"  {count / total:6.1%}  {name}")
    print(f"\ninclusive time, app and library entry points (top {args.top * 2}):")
    for name, count in inclusive.most_common(args.top * 2):
        print(f"  {count / total:6.1%}  {name}")
    if args.under:
        print("\ninclusive time under:")
        for wanted in args.under:
            count = sum(c for frames, c in stacks if any(short(f).startswith(wanted + " ") for f in frames))
            print(f"  {count / total:6.1%}  {wanted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
