import pytest
from pydantic import ValidationError

from app.config import Settings
from app.db import async_url


def test_plain_database_urls_get_the_async_drivers(tmp_path):
    assert async_url("postgresql://u:p@h:5/db") == "postgresql+asyncpg://u:p@h:5/db"
    assert async_url("postgres://u@h/db").startswith("postgresql+asyncpg://")
    assert async_url(f"sqlite:///{tmp_path}/x.db") == f"sqlite+aiosqlite:///{tmp_path}/x.db"


def test_embedded_default_is_a_sqlite_file_and_a_kept_secret(tmp_path):
    first = Settings(data_dir=tmp_path, database_url="", secret_key="", redis_url="")
    again = Settings(data_dir=tmp_path, database_url="", secret_key="", redis_url="")
    assert first.database_url == f"sqlite:///{tmp_path / 'cuocthi.db'}"
    assert first.embedded_redis
    assert len(first.secret_key) >= 32 and first.secret_key == again.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_requires_a_secret_key(tmp_path):
    with pytest.raises(ValidationError, match="CUOCTHI_SECRET_KEY"):
        Settings(data_dir=tmp_path, database_url="postgresql://u@h/db", secret_key="")


def test_settings_come_from_cuocthi_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CUOCTHI_BASE_URL", "https://thi.example.vn/")
    monkeypatch.setenv("CUOCTHI_RATE_LIMITS", "off")
    monkeypatch.setenv("CUOCTHI_TIMEZONE", "Asia/Ho_Chi_Minh")
    loaded = Settings(data_dir=tmp_path)
    assert loaded.base_url == "https://thi.example.vn"
    assert loaded.rate_limits is False
    assert str(loaded.tz) == "Asia/Ho_Chi_Minh"
