#!/usr/bin/env python3
"""Re-wraps Rust comment lines longer than the rustfmt width (100) by carrying the overflowing
words into the following comment line of the same paragraph (or a new line).

Meant for after a mechanical edit such as `sed -E -i -f scripts/fix-shared-refs.sed`:
    python3 scripts/rewrap-comments.py FILE...
Only `//`, `///` and `//!` lines that mention a `docs/` path (or received carried words) are touched;
code blocks inside doc comments are skipped, and list starts, tables and fences are never merged
into. Idempotent.
"""
import re
import sys

WIDTH = 100
COMMENT = re.compile(r'^(\s*//[/!]?)( ?)(.*)$')
# A line that starts a new block: nothing may be carried into it.
BLOCK_START = re.compile(r'^(\s*$|[*+-] |\d+[.)] |```|\||#)')


def split_comment(line):
    m = COMMENT.match(line)
    if not m:
        return None
    return m.group(1), m.group(2), m.group(3)


def rewrap(lines):
    out = list(lines)
    in_fence = False
    carried = False
    i = 0
    while i < len(out):
        line = out[i]
        parts = split_comment(line)
        if parts is not None and parts[2].lstrip().startswith('```'):
            in_fence = not in_fence
        if (parts is None or in_fence or len(line) <= WIDTH
                or not (carried or 'docs/' in line)):
            carried = False
            i += 1
            continue
        prefix, space, text = parts
        head = prefix + space
        # the indentation of continuation text (list items continue indented)
        cut = line.rfind(' ', len(head) + 1, WIDTH + 1)
        if cut <= len(head) or '`' in line[cut:] and line[:cut].count('`') % 2 == 1:
            carried = False
            i += 1  # a single long word, or the cut would split an inline code span
            continue
        keep, carry = line[:cut].rstrip(), line[cut + 1:].strip()
        out[i] = keep
        nxt = split_comment(out[i + 1]) if i + 1 < len(out) else None
        if nxt and nxt[0] == prefix and not BLOCK_START.match(nxt[2]) and nxt[2].strip():
            body = nxt[2]
            indent = body[: len(body) - len(body.lstrip(' '))]
            out[i + 1] = f"{nxt[0]}{nxt[1]}{indent}{carry} {body.lstrip(' ')}"
        else:
            m = re.match(r'^((?:[*+-]|\d+[.)]) +)', text)
            indent = ' ' * len(m.group(1)) if m else ''
            out.insert(i + 1, f"{head}{indent}{carry}")
        carried = True
        i += 1
    return out


def main(paths):
    for path in paths:
        if not path.endswith('.rs'):
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        lines = text.split('\n')
        new = rewrap(lines)
        if new != lines:
            with open(path, 'w', encoding='utf-8') as f:
                f.write('\n'.join(new))
            print(f"rewrapped {path}")


if __name__ == '__main__':
    main(sys.argv[1:])
