"""Production settings: refuse the development key, pass ``check --deploy`` when configured."""

import os
import re
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-value-" + "z" * 20,
    "ALLOWED_HOSTS": "lms.example.edu",
    "CSRF_TRUSTED_ORIGINS": "https://lms.example.edu",
}


def run_manage(*args: str, env: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest for their session, never in production.
    dropped = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", *drop}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base["DJANGO_SETTINGS_MODULE"] = "lms.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = run_manage("check", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", env={"DEBUG": "false", "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_with_production_variables_prints_no_issues():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_argon2_hashes_passwords_in_the_real_settings():
    """Django's Argon2, computed in low-priority threads (accounts/hashers.py): the hashes are argon2 ones."""
    code = (
        "from django.conf import settings; from django.contrib.auth.hashers import get_hasher; "
        "print(settings.PASSWORD_HASHERS[0], get_hasher().algorithm)"
    )
    result = run_manage("shell", "-v", "0", "-c", code, env=PROD_ENV)
    assert result.stdout.strip() == "accounts.hashers.LowPriorityArgon2PasswordHasher argon2"


CACHE_BACKEND = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"


def test_the_default_cache_is_the_database_cache_shared_by_every_worker():
    result = run_manage("shell", "-v", "0", "-c", CACHE_BACKEND, env=PROD_ENV, drop=("CACHE_URL",))
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"


def test_the_database_cache_keeps_more_than_djangos_300_entries():
    """Culling at Django's default of 300 would evict rendered course outlines on any real site."""
    code = "from django.conf import settings; print(settings.CACHES['default']['OPTIONS']['MAX_ENTRIES'])"
    result = run_manage("shell", "-v", "0", "-c", code, env=PROD_ENV, drop=("CACHE_URL", "CACHE_MAX_ENTRIES"))
    assert result.stdout.strip() == "50000"


def test_cache_url_selects_redis():
    result = run_manage("shell", "-v", "0", "-c", CACHE_BACKEND, env={**PROD_ENV, "CACHE_URL": "redis://127.0.0.1:6379/1"})
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_env_example_documents_every_variable_the_settings_read():
    """Each env.<type>("NAME", …) in lms/settings.py has a ``NAME=`` line (or ``# NAME=``) in .env.example."""
    base = settings.BASE_DIR
    read = set(re.findall(r"\benv\.[a-z_]+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", (base / "lms" / "settings.py").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (base / ".env.example").read_text(), re.M))
    assert {"DATABASE_URL", "SECRET_KEY", "ASSET_MAX_UPLOAD_BYTES", "TASKS_BACKEND", "AWS_STORAGE_BUCKET_NAME"} <= read
    assert sorted(read - documented) == []


IS_SECURE = (
    "from django.test import RequestFactory; "
    "print(RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https').is_secure())"
)


def test_x_forwarded_proto_is_ignored_by_default():
    """A client's own "X-Forwarded-Proto: https" over plain HTTP must not make the request secure."""
    result = run_manage("shell", "-v", "0", "-c", IS_SECURE, env=PROD_ENV, drop=("TRUST_X_FORWARDED_PROTO",))
    assert result.stdout.strip() == "False", result.stderr


def test_x_forwarded_proto_is_trusted_when_the_deployment_says_so():
    result = run_manage("shell", "-v", "0", "-c", IS_SECURE, env={**PROD_ENV, "TRUST_X_FORWARDED_PROTO": "true"})
    assert result.stdout.strip() == "True", result.stderr
