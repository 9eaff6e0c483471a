# Privacyportaal: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/srv/var MEDIA_ROOT=/srv/media
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 portal
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . \
    && DEBUG=1 python manage.py collectstatic --no-input \
    && mkdir -p /srv/var /srv/media && chown -R portal /srv
USER portal
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py (read from /app).
CMD ["gunicorn", "privacy_portal.wsgi:application"]
