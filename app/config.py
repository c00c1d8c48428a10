"""Settings of the application, read from the environment and a `.env` file.

Variables (all optional):

- ``DATABASE_URL``: any SQLAlchemy URL; default ``sqlite:///./dbbrowse.db`` (a file in the
  current directory). ``postgresql://``, ``mysql://`` and ``mariadb://`` URLs get their
  drivers chosen by :mod:`app.database`.
- ``BUSY_TIMEOUT_MS``: how long SQLite waits for a lock before giving up (default 5000).
- ``SQL_ECHO``: log every SQL statement (default false).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import ArgumentError

from app.engines import parse_url

DEFAULT_DATABASE_URL = "sqlite:///./dbbrowse.db"


class Settings(BaseSettings):
    """What the process was told about its database."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
    )

    DATABASE_URL: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the application's database",
    )
    BUSY_TIMEOUT_MS: int = Field(
        default=5000,
        ge=0,
        le=3_600_000,
        description="SQLite busy timeout in milliseconds",
    )
    SQL_ECHO: bool = Field(default=False, description="log every SQL statement")

    @field_validator("DATABASE_URL")
    @classmethod
    def _parseable_url(cls, value: str) -> str:
        try:
            parse_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        return value


settings = Settings()
