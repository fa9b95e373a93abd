"""The docker-compose stack, validated without a Docker engine: services, commands and environment."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_example():
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
        if match:
            values[match.group(1)] = line
    return values


def test_the_stack_has_every_service_with_its_command():
    services = compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["web"]["command"][:2] == ["gunicorn", "portal.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    assert services["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in services["redis"] and "healthcheck" in services["postgres"]


def test_the_app_services_get_every_setting_production_requires():
    services = compose()["services"]
    production = (ROOT / "portal" / "settings" / "production.py").read_text()
    required = set(re.findall(r'env(?:\.\w+)?\("([A-Z0-9_]+)"\)', production))  # read without a default
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= required
    example = env_example()
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
        assert service["env_file"] == ".env"
        provided = set(service["environment"]) | set(example)
        assert required <= provided, required - provided
        assert "/data/private" in " ".join(service["volumes"])


def test_uploaded_files_and_the_database_are_on_volumes():
    stack = compose()
    assert {"postgres-data", "private-media"} <= set(stack["volumes"])
    assert "ports" not in stack["services"]["web"]  # behind the proxy, never public


def test_web_and_worker_scale_behind_the_proxy_and_beat_stays_single():
    """docker compose up --scale web=2 --scale worker=2: nothing in a replica may be claimed by one container."""
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        assert "container_name" not in services[name] and "ports" not in services[name]
        assert services[name]["environment"]["MELDPUNT_CACHE_URL"].startswith("redis://redis:6379/")
    assert services["web"]["expose"] == ["8000"]
    assert "--bind" in services["web"]["command"] and "0.0.0.0:8000" in services["web"]["command"]
    assert "-B" not in services["worker"]["command"] and "--beat" not in services["worker"]["command"]
    assert "deploy" not in services["beat"]  # one instance (README: never scale beat)

    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert "443:443" in proxy["ports"]
    (mount,) = [volume for volume in proxy["volumes"] if "Caddyfile" in volume]
    caddyfile = (ROOT / mount.split(":")[0]).read_text()
    upstream = re.search(r"dynamic a \{\s*name (\S+)\s*port (\d+)", caddyfile)
    assert upstream and upstream.groups() == ("web", "8000")  # every replica of the web service
    assert "{$MELDPUNT_DOMAIN" in caddyfile and "MELDPUNT_DOMAIN" in env_example()


def test_production_reads_object_storage_and_the_shared_cache_from_the_environment():
    """The production settings, loaded in a process of their own with the variables .env.example documents."""
    import json
    import os
    import subprocess
    import sys

    example = env_example()
    s3 = {
        "MELDPUNT_S3_BUCKET": "meldpunt-bestanden", "MELDPUNT_S3_ENDPOINT_URL": "https://s3.example.nl",
        "MELDPUNT_S3_REGION": "nl-ams", "MELDPUNT_S3_ACCESS_KEY_ID": "sleutel", "MELDPUNT_S3_SECRET_ACCESS_KEY": "geheim",
        "MELDPUNT_S3_ADDRESSING_STYLE": "path", "MELDPUNT_S3_PREFIX": "meldpunt/",
    }
    assert set(s3) <= set(example)
    env = {**os.environ, **s3, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "x" * 50,
           "DJANGO_ALLOWED_HOSTS": "meldpunt.example.nl", "DATABASE_URL": "postgres://u:p@db:5432/meldpunt",
           "CELERY_BROKER_URL": "redis://redis:6379/0"}
    env.pop("MELDPUNT_CACHE_URL", None)
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.files.storage import storages\n"
        "from incidents.models import Evidence\n"
        "s = Evidence._meta.get_field('file').storage\n"
        "print(json.dumps({'class': s.__class__.__name__, 'bucket': s.bucket_name, 'endpoint': s.endpoint_url,"
        " 'region': s.region_name, 'style': s.addressing_style, 'location': s.location, 'overwrite': s.file_overwrite,"
        " 'acl': s.default_acl, 'key': s.access_key, 'cache': settings.CACHES['default']}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["class"] == "S3Storage"
    assert (seen["bucket"], seen["endpoint"], seen["region"], seen["style"], seen["location"]) == (
        "meldpunt-bestanden", "https://s3.example.nl", "nl-ams", "path", "meldpunt")
    assert seen["overwrite"] is False and seen["acl"] is None and seen["key"] == "sleutel"
    assert seen["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["cache"]["LOCATION"] == "redis://redis:6379/0"  # the broker's Redis unless MELDPUNT_CACHE_URL says
