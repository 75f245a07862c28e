"""No Docker engine runs here: check that the deploy files parse and agree with the settings."""

import re
from pathlib import Path

import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_stack():
    services = compose()["services"]
    assert {"postgres", "redis", "app", "reader", "proxy", "migrate"} <= set(services)
    assert "--workers" in services["app"]["command"]
    assert services["app"]["deploy"]["replicas"] >= 2
    assert services["reader"]["command"] == services["app"]["command"][:-1] + ["2"]


def test_the_proxy_sends_reads_to_their_own_pool():
    """Checked with nginx itself when this was written (GET to `reader`, POST and PUT to
    `app`); here, that the configuration still says so."""
    nginx = compose()["configs"]["nginx"]["content"].replace("$$", "$")
    assert "upstream cuocthi { server app:8000;" in nginx
    assert "upstream cuocthi_reads { server reader:8000;" in nginx
    route = re.search(r"map \$request_method \$pool \{([^}]*)\}", nginx)
    assert route and route[1].split(";")[:3] == [
        " default cuocthi",
        " GET cuocthi_reads",
        " HEAD cuocthi_reads",
    ]
    assert "proxy_pass http://$pool;" in nginx


def test_compose_environment_names_real_settings():
    environment = compose()["x-app-env"]
    known = {f"CUOCTHI_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= known
    assert environment["CUOCTHI_DATABASE_URL"].startswith("postgresql://")
    assert environment["CUOCTHI_REDIS_URL"].startswith("redis://")


def test_dockerfile_is_slim_non_root_and_serves_the_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]-slim", dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    for folder in ("app", "migrations", "questions", "templates", "static"):
        assert re.search(rf"^COPY {folder} ", dockerfile, re.M), folder
    assert '"cuocthi", "serve"' in dockerfile and "/healthz" in dockerfile
