"""Production mode, run in a child process with a production-like environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KOMEJI_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "p9Zq2vX7!kLm4#Rt8sYw1@Nb6&Hc3^Jd5*Fg0%Ue2$Ia7(Ko9)Qp-Lr+Ts=Vu",
    "DJANGO_ALLOWED_HOSTS": "komeji.jatimprov.go.id",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_BEHIND_HTTPS_PROXY": "true",
    "KOMEJI_DOCUMENT_KEYS": "q7Pq0rWb9m3Jx0y8n2dD4ZkVvF1cQ5sT6uH7iJ8kL9M=",
}


def test_production_refuses_to_start_without_a_document_encryption_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "KOMEJI_DOCUMENT_KEYS"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "KOMEJI_DOCUMENT_KEYS is not set" in result.stderr


def test_check_deploy_is_clean_with_the_https_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_the_https_settings():
    env = {k: v for k, v in PRODUCTION.items() if "SECURE" not in k}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_an_unknown_verification_requirement_is_refused_at_start():
    result = run_manage(
        "check", env={**PRODUCTION, "KOMEJI_VERIFICATION_REQUIRED": "nik,KTP,selfie"}
    )
    assert result.returncode != 0
    assert "KOMEJI_VERIFICATION_REQUIRED has unknown items: ['KTP']" in result.stderr
