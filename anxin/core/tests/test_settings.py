from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECRET_KEY", "ANXIN_ENV", "DEBUG"))
    }
    return subprocess.run(
        [sys.executable, "-m", "anxin.cli", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_example_lists_every_variable_settings_reads():
    import re

    source = (ROOT / "anxin" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:env\.\w+|_bool|_int|_secret)\("([A-Z_]+)"', source))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    secrets_file = {f"{name}_FILE" for name in re.findall(r'_secret\("([A-Z_]+)"\)', source)}
    missing = (read | secrets_file) - listed
    assert not missing, f".env.example lacks {sorted(missing)}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"ANXIN_ENV": "staging"}, "ANXIN_ENV must be development or production"),
        ({"ANXIN_ENV": "production"}, "SECRET_KEY or SECRET_KEY_FILE is required"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL must point at SQLite or PostgreSQL"),
        (
            {"CONN_MAX_AGE": "forever", "DATABASE_URL": "postgres://a@127.0.0.1:1/x"},
            "CONN_MAX_AGE must be an integer",
        ),
        ({"SECRET_KEY_FILE": "/nonexistent/key"}, "SECRET_KEY_FILE cannot be read"),
        ({"FIELD_ENCRYPTION_KEYS": "short"}, "at least 32 characters"),
        (
            {"ANXIN_ENV": "production", "SECRET_KEY": "s" * 60},
            "FIELD_ENCRYPTION_KEYS or FIELD_ENCRYPTION_KEYS_FILE is required",
        ),
        ({"AUDIT_HMAC_KEYS": "k" * 40 + ",short"}, "Each AUDIT_HMAC_KEYS key must be at least 32 characters"),
        ({"AUDIT_HMAC_KEYS": ("k" * 40 + ",") * 2}, "AUDIT_HMAC_KEYS lists the same key twice"),
        ({"AUDIT_HMAC_KEYS_FILE": "/nonexistent/audit_keys"}, "AUDIT_HMAC_KEYS_FILE cannot be read"),
        (
            {"ANXIN_ENV": "production", "SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEYS": "k" * 40},
            "AUDIT_HMAC_KEYS or AUDIT_HMAC_KEYS_FILE is required in production",
        ),
        ({"FIELD_ENCRYPTION_KEYS": ("f" * 40 + ",") * 2}, "FIELD_ENCRYPTION_KEYS lists the same key twice"),
        ({"INTAKE_SUBMIT_RATE": "abc"}, "INTAKE_SUBMIT_RATE must look like 10/10m"),
        ({"INTAKE_SUBMIT_RATE": "10/0m"}, "INTAKE_SUBMIT_RATE must look like 10/10m"),
        ({"INTAKE_LOOKUP_RATE": "0/10m"}, "INTAKE_LOOKUP_RATE must look like 10/10m"),
        ({"INTAKE_ALERT_WINDOW": "90"}, "INTAKE_ALERT_WINDOW must be a whole number of minutes"),
    ],
)
def test_bad_settings_refuse_to_start(env, message):
    result = _run(env, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    key = tmp_path / "key"
    key.write_text("x" * 30 + "-production-secret-key-with-enough-entropy-0123456789", encoding="utf-8")
    result = _run(
        {
            "ANXIN_ENV": "production",
            "SECRET_KEY_FILE": str(key),
            "ALLOWED_HOSTS": "anxin.example.edu.cn",
            "ANXIN_VAR_DIR": str(tmp_path),
            "FIELD_ENCRYPTION_KEYS": "k" * 40,
            "AUDIT_HMAC_KEYS": "a" * 40,
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
