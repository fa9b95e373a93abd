# Meldpunt: one image for the web server (gunicorn) and the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    MELDPUNT_PRIVATE_MEDIA_ROOT=/data/private \
    DJANGO_MEDIA_ROOT=/data/media \
    WEB_CONCURRENCY=3

WORKDIR /app

# gettext compiles the translations; Pango and fonts are needed once PDF rendering (WeasyPrint) is a dependency.
COPY pyproject.toml ./
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
       $(grep -qi weasyprint pyproject.toml && echo libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation) \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that code changes do not reinstall them.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e .

# Build-time values only, for collectstatic and compilemessages; the real ones come from the environment.
RUN export DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
           DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=redis://localhost:6379/0 \
    && python manage.py collectstatic --noinput -v 0 \
    && if [ -d locale ]; then python manage.py compilemessages -v 0; fi

RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin meldpunt \
    && mkdir -p /data/private /data/media \
    && chown -R meldpunt:meldpunt /data
VOLUME ["/data/private", "/data/media"]
USER meldpunt

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
