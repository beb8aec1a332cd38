# The production image: gunicorn serves the web app; the same image runs Celery and the
# backup command (hence the PostgreSQL client tools, the same major version as the
# compose file's postgres:15).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
# The media directory exists in the image, owned by the app user: a new named volume
# mounted there starts as a copy of it (owner included), so uploads can be written.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 --ignore "vendor/axe" \
    && useradd --system --home /app careerpath \
    && mkdir -p /app/var/media /backups \
    && chown -R careerpath /app /backups
USER careerpath

EXPOSE 8000
CMD ["gunicorn", "careerpath.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
