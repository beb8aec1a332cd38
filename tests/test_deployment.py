"""The production description: docker-compose.yml, the Dockerfile, the Caddyfile and
.env.example, parsed and checked for what makes it run, scale, heal and upgrade."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "beat", "backup")
LONG_RUNNING = ("db", "redis", "web", "worker", "beat", "proxy")
# Settings the compose file fixes instead of passing on: production is never DEBUG, and
# paths inside the image where its volumes are mounted; REDIS_URL is CELERY_BROKER_URL's
# older name.
FIXED = {"DEBUG", "MEDIA_ROOT", "STATIC_ROOT", "CAREERPATH_VAR_DIR", "REDIS_URL"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_read() -> set[str]:
    source = (ROOT / "careerpath" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'\benv(?:_bool|_int|_list|_number)?\(\s*"([A-Z_]+)"', source))


def interpolate(value: str, env: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} (nested), ${VAR:?error} and $$, for the tests."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("${", i):
            depth, j = 1, i + 2
            while depth:  # to the matching brace: defaults may hold ${...} themselves
                if value.startswith("${", j):
                    depth, j = depth + 1, j + 2
                else:
                    depth -= value[j] == "}"
                    j += 1
            inner = value[i + 2 : j - 1]
            name, operator, rest = re.match(r"([A-Z_0-9]+)(:?[-?]?)(.*)", inner, re.S).groups()
            if env.get(name):
                out.append(env[name])
            elif operator.endswith("-"):
                out.append(interpolate(rest, env))
            elif operator.endswith("?"):
                raise KeyError(f"{name}: {rest}")
            else:
                out.append("")
            i = j
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def referenced(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_0-9]+)", text))


def test_compose_describes_every_service(compose):
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat", "proxy", "backup"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis")
    assert services["proxy"]["image"].startswith("caddy")
    assert "celery -A careerpath worker" in services["worker"]["command"]
    assert "DatabaseScheduler" in services["beat"]["command"]
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert interpolate(web_env["DATABASE_URL"], {}).startswith("postgres://")
    assert interpolate(web_env["CELERY_BROKER_URL"], {}).startswith("redis://")


def test_only_the_proxy_publishes_ports_so_web_and_worker_scale(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    ports = [interpolate(p, {}) for p in services["proxy"]["ports"]]
    assert {"80:80", "443:443"} <= set(ports)
    assert services["web"]["expose"] == ["8000"]
    for name in ("web", "worker"):  # a fixed name would collide on --scale
        assert "container_name" not in services[name]


def test_the_proxy_terminates_tls_self_signed_by_default(compose):
    proxy = compose["services"]["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert interpolate(proxy["environment"]["CADDY_TLS"], {}) == "internal"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "tls {$CADDY_TLS:internal}" in caddyfile
    assert re.search(r"dynamic a \{\s*name web\s*port 8000", caddyfile)
    # The app trusts one proxy that says https in X-Forwarded-Proto (Caddy's default).
    env = compose["services"]["web"]["environment"]
    assert interpolate(env["PROXY_COUNT"], {}) == "1"
    assert interpolate(env["PROXY_SSL_HEADER"], {}) == "X-Forwarded-Proto"
    assert interpolate(env["HTTPS"], {}) == "1"


def test_every_long_running_service_restarts_and_has_a_healthcheck(compose):
    services = compose["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "beat_health" in services["beat"]["healthcheck"]["test"]
    assert services["migrate"]["restart"] == "no"
    assert services["backup"]["profiles"] == ["backup"]  # not started by `up`


def test_every_setting_the_app_reads_is_passed_with_a_default(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        missing = sorted(settings_read() - FIXED - set(env))
        assert missing == [], f"{name} does not pass {missing}"
        for key, value in env.items():
            if key in FIXED:
                continue
            assert re.fullmatch(rf"\$\{{{key}:[-?].*\}}", str(value), re.S), (key, value)
            if ":?" in str(value)[: len(key) + 4]:
                assert key == "SECRET_KEY"  # the one production secret without a default
    # The ones the issue found missing.
    env = compose["services"]["worker"]["environment"]
    assert {"EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS"} <= set(env)


def test_env_example_lists_every_variable_the_compose_file_reads():
    text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_0-9]+)=", example, re.M))
    assert sorted(referenced(text) - listed) == []
    assert sorted(listed - referenced(text)) == []


def test_media_is_a_volume_the_app_user_can_write(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert "media:/app/var/media" in service["volumes"], name
        assert service["environment"]["MEDIA_ROOT"] == "/app/var/media"
    dockerfile = (ROOT / "Dockerfile").read_text()
    # The directory exists in the image and belongs to the app user before USER switches:
    # a new named volume starts as a copy of it, owner included.
    build = dockerfile.split("USER careerpath")[0]
    assert "mkdir -p /app/var/media" in build and "chown -R careerpath /app" in build
    assert re.search(r"^USER careerpath$", dockerfile, re.M)
    assert "postgresql-client-15" in dockerfile  # pg_dump for the backup service
    assert "gunicorn" in dockerfile


def test_the_compose_defaults_start_the_app(compose, tmp_path):
    """The environment the containers get, with only SECRET_KEY set, passes Django's checks
    (every value parses; the deploy checks raise no error)."""
    env = {
        key: interpolate(str(value), {"SECRET_KEY": "x" * 60})
        for key, value in compose["services"]["web"]["environment"].items()
    }
    env.update({k: str(tmp_path / k) for k in ("MEDIA_ROOT", "STATIC_ROOT", "CAREERPATH_VAR_DIR")})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_ci_checks_the_compose_file_with_docker_where_it_can():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "docker compose version" in ci and "docker compose config" in ci


def test_the_images_static_build_succeeds_with_the_production_storage(tmp_path):
    """The Dockerfile's `collectstatic` with the manifest storage production serves from: a
    vendored file naming a missing one (a `sourceMappingURL`, a CSS `url()`) fails the image
    build, which no test of pages in DEBUG would notice."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", "-v0", "--ignore", "vendor/axe")
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/chartjs/chart.umd.js" in manifest
    assert "vendor/chartjs/chart.umd.js.map" in manifest


def test_gunicorn_workers_freeze_what_django_loaded():
    """The image's command (and the benchmark's) reads gunicorn.conf.py, whose hook moves
    what is alive once a worker has loaded Django out of the garbage collector's way: a full
    collection walking all of Django again was the slowest request of every page."""
    import gc
    import importlib.util

    cmd = re.search(r"^CMD (.+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert json.loads(cmd)[:4] == ["gunicorn", "careerpath.wsgi:application", "--config",
                                   "gunicorn.conf.py"]  # fmt: skip
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert gc.get_freeze_count() == 0
    try:
        conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000  # Django's modules, models, settings...
    finally:
        gc.unfreeze()
