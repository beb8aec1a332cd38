"""The production description is well-formed and has every part the design names."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_compose_describes_postgres_redis_web_worker_and_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    assert "celery -A careerpath worker" in services["worker"]["command"]
    assert "DatabaseScheduler" in services["beat"]["command"]
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert web_env["DATABASE_URL"].startswith("postgres://")
    assert web_env["CELERY_BROKER_URL"].startswith("redis://")


def test_dockerfile_runs_gunicorn():
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
