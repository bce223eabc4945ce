"""Audit requirements.lock for known vulnerabilities with pip-audit; the CI step behind `make audit-deps`.

Fails (exit 1) when a pinned release has a known vulnerability that is not listed, with its
reason, in tools/audit-ignore.txt. When the vulnerability source cannot be reached or cannot
answer for the pinned releases (this machine reaches PyPI's package index only, not its
per-release JSON nor OSV), it says so loudly and exits 0, so CI is not red for a network it does
not have; AUDIT_STRICT=1 turns that into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / "tools" / "audit-ignore.txt"


def ignored() -> dict[str, str]:
    """Vulnerability id -> reason, from lines `ID  # reason`; an id without a reason is refused."""
    entries: dict[str, str] = {}
    if not IGNORE_FILE.exists():
        return entries
    for number, line in enumerate(IGNORE_FILE.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        vuln, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"{IGNORE_FILE.name}:{number}: 忽略漏洞 {vuln.strip()} 必须写明理由（# 后）")
        entries[vuln.strip()] = reason.strip()
    return entries


def main() -> int:
    lock = ROOT / "requirements.lock"
    hashed = "--hash=" in lock.read_text(encoding="utf-8")
    service = os.environ.get("AUDIT_SERVICE", "pypi")
    cmd = [
        str(Path(sys.executable).parent / "pip-audit"),
        "-r",
        str(lock),
        "--vulnerability-service",
        service,
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "30",
    ]
    cmd += ["--require-hashes"] if hashed else ["--no-deps"]
    skip = ignored()
    for vuln in skip:
        cmd += ["--ignore-vuln", vuln]
    done = subprocess.run(cmd, capture_output=True, text=True)
    strict = os.environ.get("AUDIT_STRICT") == "1"
    try:
        report = json.loads(done.stdout)
    except ValueError:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"依赖漏洞审计未完成：pip-audit 无法查询漏洞数据源 {service}（{tail[:300]}）", file=sys.stderr)
        return 1 if strict else 0
    deps = report.get("dependencies", [])
    found = [(d["name"], d["version"], v) for d in deps for v in d.get("vulns", [])]
    unchecked = [d["name"] for d in deps if "skip_reason" in d]
    for vuln, reason in skip.items():
        print(f"已忽略 {vuln}：{reason}")
    if found:
        print(f"发现 {len(found)} 个已知漏洞：", file=sys.stderr)
        for name, version, vuln in found:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "暂无修复版本"
            print(f"  {name}=={version}  {vuln['id']}  修复版本：{fixes}", file=sys.stderr)
        print(
            "请升级（pyproject.toml 和 requirements.lock），或在 tools/audit-ignore.txt 中写明理由后忽略。",
            file=sys.stderr,
        )
        return 1
    checked = len(deps) - len(unchecked)
    if unchecked:
        print(
            f"依赖漏洞审计未完成：{len(unchecked)}/{len(deps)} 个依赖未能在漏洞数据源 {service} 中查询"
            f"（例如 {', '.join(unchecked[:5])}）。已查询的 {checked} 个没有已知漏洞。",
            file=sys.stderr,
        )
        return 1 if strict else 0
    print(f"依赖漏洞审计通过：{checked} 个依赖均无已知漏洞（数据源 {service}）。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
