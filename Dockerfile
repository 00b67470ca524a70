# The web app, the Celery worker and Celery beat all run from this image
# (see docker-compose.yml for the command each one uses).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private_media

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# The app runs as an unprivileged user that owns only what it writes: collected
# static files, uploaded media and beat's schedule file in its home.
RUN useradd --create-home --home-dir /home/app --uid 1000 app \
    && mkdir -p /app/staticfiles /data/media /data/private_media \
    && chown -R app:app /app/staticfiles /data
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
