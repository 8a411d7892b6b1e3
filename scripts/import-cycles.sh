#!/usr/bin/env bash
# Reports import cycles between labelsim's modules (issue 19): each file of
# the library (from src/lib.rs) and of the binary (from src/main.rs) is a
# module; module A imports module B when A's code (comments and the
# `#[cfg(test)] mod tests` at its end left out) names a path into B
# (`use crate::b::...`, `crate::b::f()`, `super::b::...`, `use` groups
# expanded). A cycle is a set of modules that reach each other through
# imports; each is printed with the imports that close it, one per line
# with the file and line of the first such use.
#
# A module's use of its own ancestors (a child using the types its
# `mod.rs` facade defines, while the facade re-exports the child's items)
# is not counted: that is how a Rust module is built; --strict counts it.
# A facade's use of its children is counted, so a cycle through a facade
# (`fit` -> `scenario` -> `scenario::build` -> `fit`) shows.
#
# CI (.ci/run) fails on any cycle it reports, the pipeline's included.
#
# Usage: scripts/import-cycles.sh [--strict]
# Exit 0: no cycle; 1: cycles, listed; 2: usage.
set -euo pipefail
cd "$(dirname "$0")/.."
strict=0
case "${1:-}" in
    "") ;;
    --strict) strict=1 ;;
    *) echo "usage: scripts/import-cycles.sh [--strict]" >&2; exit 2 ;;
esac
exec python3 - "$strict" <<'PY'
import os, re, sys

strict = sys.argv[1] == "1"

def strip(code):
    """Code without comments, string literals and the trailing test module."""
    out, i, n = [], 0, len(code)
    while i < n:
        c = code[i]
        if code.startswith("//", i):
            j = code.find("\n", i)
            i = n if j < 0 else j
        elif code.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if code.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif code.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if code[i] == "\n" else " ")
                    i += 1
        elif c == '"' or (c == "r" and re.match(r'r#*"', code[i:i + 8]) and (i == 0 or not code[i - 1].isalnum())):
            m = re.match(r'r(#*)"', code[i:]) if c == "r" else None
            if m:
                end = '"' + m.group(1)
                j = code.find(end, i + len(m.group(0)))
                j = n if j < 0 else j + len(end)
            else:
                j = i + 1
                while j < n and code[j] != '"':
                    j += 2 if code[j] == "\\" else 1
                j += 1
            out.append('""' + "\n" * code.count("\n", i, j))
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", code[i:i + 4]):
            j = code.index("'", i + 2) + 1
            out.append("' '")
            i = j
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    m = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod tests\s*\{", text, re.M)
    return text[: m.start()] if m else text

def children(path, text):
    """Files of the `mod NAME;` declarations in the module file `path`."""
    base = os.path.dirname(path)
    if os.path.basename(path) not in ("lib.rs", "main.rs", "mod.rs"):
        base = path[:-3]
    for name in re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M):
        for f in (f"{base}/{name}.rs", f"{base}/{name}/mod.rs"):
            if os.path.exists(f):
                yield name, f
                break

def walk(root, crate):
    mods = {}
    todo = [((crate,), root)]
    while todo:
        mp, f = todo.pop()
        text = strip(open(f, encoding="utf-8").read())
        mods[mp] = (f, text)
        for name, cf in children(f, text):
            todo.append((mp + (name,), cf))
    return mods

def expand(prefix, body):
    """`a::{b, c::{d, e}}` groups as full paths."""
    body = body.strip()
    if not body.startswith("{"):
        yield prefix + [s for s in re.split(r"\s*::\s*", body) if s]
        return
    depth, item, items = 0, "", []
    for ch in body[1:-1]:
        if ch == "," and depth == 0:
            items.append(item); item = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        item += ch
    items.append(item)
    for it in items:
        it = re.sub(r"\s+as\s+\w+\s*$", "", it.strip())
        if not it:
            continue
        if "{" in it:
            head, rest = it.split("{", 1)
            yield from expand(prefix + [s for s in head.split("::") if s.strip()], "{" + rest)
        else:
            yield prefix + [s.strip() for s in it.split("::") if s.strip()]

def references(mp, text, kids):
    """(path segments, line) of every path into the crate named in `text`;
    `kids`: the names of the module's children, which it may name bare."""
    refs = []
    line_of = lambda pos: text.count("\n", 0, pos) + 1
    start = "|".join(["crate", "super", "self"] + sorted(kids))
    for m in re.finditer(r"\buse\s+((?:%s)\b[^;]*);" % start, text):
        head = m.group(1)
        if "{" in head:
            pre, rest = head.split("{", 1)
            paths = expand([s for s in pre.split("::") if s.strip()], "{" + rest)
        else:
            paths = [[s.strip() for s in re.sub(r"\s+as\s+\w+\s*$", "", head).split("::")]]
        refs += [(p, line_of(m.start())) for p in paths]
    for m in re.finditer(r"(?<![\w:])(%s)((?:\s*::\s*\w+)+)" % start, text):
        refs.append(([m.group(1)] + re.findall(r"\w+", m.group(2)), line_of(m.start())))
    out = []
    for segs, line in refs:
        cur = list(mp)
        if segs[0] == "crate":
            cur, segs = [mp[0]], segs[1:]
        elif segs[0] in kids:
            cur = list(mp)
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super" and len(cur) > 1:
                cur = cur[:-1]
            segs = segs[1:]
        out.append((tuple(cur + segs), line))
    return out

def graph(mods):
    edges = {}
    for mp, (f, text) in mods.items():
        kids = {m[-1] for m in mods if m[:-1] == mp}
        for full, line in references(mp, text, kids):
            target = max((full[:k] for k in range(1, len(full) + 1) if full[:k] in mods), key=len, default=None)
            if target is None or target == mp:
                continue
            # A module using its own ancestor's items (a facade's types).
            upward = mp[: len(target)] == target
            if upward and not strict:
                continue
            edges.setdefault(mp, {}).setdefault(target, (f, line))
    return edges

def cycles(nodes, edges):
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop(); on.discard(w); scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sccs

name = lambda mp: "::".join(mp[1:]) or mp[0]
found = 0
for root, crate in (("src/lib.rs", "labelsim"), ("src/main.rs", "labelsim (bin)")):
    mods = walk(root, crate)
    edges = graph(mods)
    for scc in cycles(mods, edges):
        found += 1
        print(f"cycle in {crate}: {' <-> '.join(name(m) for m in scc)}")
        for a in scc:
            for b, (f, line) in sorted(edges.get(a, {}).items()):
                if b in scc:
                    print(f"  {name(a)} -> {name(b)}  ({f}:{line})")
if found:
    print(f"import-cycles: {found} cycle(s)")
    sys.exit(1)
print("import-cycles: none")
PY
