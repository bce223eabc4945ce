"""Rewrite requirements.lock with `--hash=sha256:...` for every pinned release: `make lock-hashes`.

The versions do not change: pip-compile (pip-tools) resolves the lock's own `name==version` lines
and adds the sha256 of every file PyPI has for each release (wheels for every platform and the
sdist), so `pip install -r requirements.lock` runs in hash-checking mode everywhere. A package the
lock forgot (a transitive dependency nobody listed) is added and named; a plain `name==version`
line added later is hashed by running this again. Exit 1 if a pinned version would change.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
HEADER = (
    "# Every release pinned with the sha256 of its files: pip installs in hash-checking mode.\n"
    "# Add a package as a plain `name==version` line, then run `make lock-hashes`.\n"
)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def pins(text: str) -> dict[str, str]:
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): m[2] for m in PIN.finditer(text)}


def main() -> int:
    before = pins(LOCK.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="anxin-lock-") as tmp:
        source, target = Path(tmp) / "requirements.in", Path(tmp) / "requirements.txt"
        # The input is the pins alone, one a line, whatever hashes or comments the lock had.
        source.write_text("".join(f"{name}=={version}\n" for name, version in sorted(before.items())))
        cmd = [
            str(Path(sys.executable).parent / "pip-compile"),
            "--generate-hashes",
            "--allow-unsafe",
            "--no-annotate",
            "--no-header",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--quiet",
            "--output-file",
            str(target),
            str(source),
        ]
        subprocess.run(cmd, check=True, cwd=tmp)
        text = target.read_text(encoding="utf-8")
        after = pins(text)
        changed = {n: (before[n], after[n]) for n in before.keys() & after.keys() if before[n] != after[n]}
        if changed:
            for name, (old, new) in sorted(changed.items()):
                print(f"{name}: {old} -> {new}", file=sys.stderr)
            print("pip-compile changed pinned versions; requirements.lock left as it was.", file=sys.stderr)
            return 1
        for name in sorted(after.keys() - before.keys()):
            print(f"added (missing from the lock): {name}=={after[name]}")
        for name in sorted(before.keys() - after.keys()):
            print(f"dropped (nothing needs it): {name}=={before[name]}")
        unhashed = [
            line
            for line in text.splitlines()
            if PIN.match(line) and "--hash=" not in line and not line.rstrip().endswith("\\")
        ]
        if unhashed:
            print(f"no hashes for: {unhashed}", file=sys.stderr)
            return 1
    LOCK.with_suffix(".lock.tmp").write_text(HEADER + text, encoding="utf-8")
    LOCK.with_suffix(".lock.tmp").replace(LOCK)
    print(f"requirements.lock: {len(after)} releases, each with its sha256 hashes.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
