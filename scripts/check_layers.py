#!/usr/bin/env python3
"""Checks the include graph against the layering of docs/architecture.md.

Layers, top to bottom: app > runtime > delivery > ops > pipeline > source >
config > rules > state > state/base. A file may include its own layer and the
ones below it, never one above; and no two units (a .hpp with its .cpp)
include each other, directly or through a longer cycle. Inside app the
subfolders are ordered the same way: the root (main, cli) > commands >
rules_test > setup, so a file in setup includes nothing else of app.
Prints every violation and exits 1 if there is one; run by ctest (label unit).
"""
import os
import re
import sys

LAYERS = [
    ("stream/app/", "app"),
    ("stream/runtime/", "runtime"),
    ("stream/delivery/", "delivery"),
    ("stream/ops/", "ops"),
    ("stream/pipeline/", "pipeline"),
    ("stream/source/", "source"),
    ("stream/config/", "config"),
    ("rules/", "rules"),
    ("state/base/", "base"),  # before "state/": the longer prefix wins
    ("state/", "state"),
]
ORDER = ["app", "runtime", "delivery", "ops", "pipeline", "source", "config", "rules", "state", "base"]
# Inside stream/app/, top to bottom; the root is whatever no subfolder holds.
APP_SUBFOLDERS = [
    ("stream/app/commands/", "commands"),
    ("stream/app/rules_test/", "rules_test"),
    ("stream/app/setup/", "setup"),
]
APP_ORDER = ["app root", "commands", "rules_test", "setup"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    for prefix, name in LAYERS:
        if path.startswith(prefix):
            return name
    return None


def app_part_of(path):
    for prefix, name in APP_SUBFOLDERS:
        if path.startswith(prefix):
            return name
    return "app root"


def upward(path, here, target, there):
    """The problem with `path` including `target`, or None if it goes down."""
    if ORDER.index(there) < ORDER.index(here):
        return f"{path} ({here}) includes {target} ({there}): upward"
    if here == there == "app":
        inner, outer = app_part_of(path), app_part_of(target)
        if APP_ORDER.index(outer) < APP_ORDER.index(inner):
            return f"{path} (app: {inner}) includes {target} (app: {outer}): upward"
    return None


def unit_of(path):
    return os.path.splitext(path)[0]


def project_files(root):
    for top in ("stream", "rules", "state"):
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith((".hpp", ".cpp")):
                    yield os.path.relpath(os.path.join(folder, name), root)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = []
    edges = {}
    for path in sorted(project_files(root)):
        here = layer_of(path)
        if here is None:
            problems.append(f"{path}: not in any layer folder")
            continue
        with open(os.path.join(root, path), encoding="utf-8") as text:
            includes = INCLUDE.findall(text.read())
        for target in includes:
            there = layer_of(target)
            if there is None:
                continue  # generated headers, third-party
            problem = upward(path, here, target, there)
            if problem:
                problems.append(problem)
            if unit_of(target) != unit_of(path):
                edges.setdefault(unit_of(path), set()).add(unit_of(target))
    problems += cycles(edges)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} layering problem(s)")
    return 1 if problems else 0


def cycles(edges):
    """Every unit that lies on an include cycle, once per cycle found."""
    found = []
    state = {}

    def visit(unit, stack):
        state[unit] = "open"
        stack.append(unit)
        for nxt in sorted(edges.get(unit, ())):
            if state.get(nxt) == "open":
                loop = stack[stack.index(nxt):] + [nxt]
                found.append("include cycle: " + " -> ".join(loop))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[unit] = "done"

    for unit in sorted(edges):
        if unit not in state:
            visit(unit, [])
    return found


if __name__ == "__main__":
    sys.exit(main())
