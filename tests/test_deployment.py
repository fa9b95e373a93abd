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
    assert stack["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]  # behind a TLS proxy, never public
