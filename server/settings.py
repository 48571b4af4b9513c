"""The hall server's settings: one typed object, read from a TOML file and HALLQ_* variables.

Every field is documented in docs/configuration.md; a test fails when one is not.
Precedence: command-line options > environment (HALLQ_DATABASE_URL, ...) > the TOML file
(``--config`` or HALLQ_CONFIG) > defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HALLQ_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/hallq.sqlite3",
        description="SQLAlchemy URL of the database: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    host: str = Field(default="0.0.0.0", description="Address the HTTP server listens on.")
    port: int = Field(default=8600, ge=1, le=65535, description="TCP port of the HTTP server.")
    workers: int = Field(default=1, ge=1, le=64, description="Server worker processes sharing the database.")
    discovery: bool = Field(default=True, description="Advertise the server on the LAN with zeroconf (_hallq._tcp).")
    discovery_interfaces: list[str] = Field(
        default_factory=list,
        description="Interfaces (addresses) zeroconf uses; empty means all. Tests use ['127.0.0.1'].",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL visitors' phones reach the server at, used in ticket QR codes; "
        "defaults to http(s)://<first LAN address>:<port>.",
    )
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the secret key, the generated TLS certificate, voice clips and receipts.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Secret for hashing ID numbers and tokens; generated into data_dir/secret.key when unset.",
    )
    tls: bool = Field(default=False, description="Serve HTTPS; generates a self-signed certificate on first start "
                      "unless tls_cert and tls_key are given.")
    tls_cert: Path | None = Field(default=None, description="PEM certificate for HTTPS.")
    tls_key: Path | None = Field(default=None, description="PEM private key for HTTPS.")
    event_retention_days: int = Field(default=7, ge=1, description="Days live events are kept for reconnecting clients.")
    login_attempts_per_minute: int = Field(
        default=10, ge=1, description="Failed sign-ins allowed per account (username) per minute, from any "
        "address; the next one locks the account for login_lockout_minutes.")
    login_failures_per_address_per_minute: int = Field(
        default=30, ge=1, description="Failed sign-ins allowed from one address per minute, whatever the usernames "
        "or cards (a spray over many usernames or card numbers is refused without checking one); the next one "
        "locks the address for login_lockout_minutes.")
    card_failures_per_minute: int = Field(
        default=30, ge=1, description="Failed staff-card sign-ins allowed per minute in the whole hall, from all "
        "addresses together (a wrong card names no account to lock); the next one locks card sign-in for "
        "login_lockout_minutes. Password sign-in is not affected.")
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=1440, description="Minutes an account, an address or card sign-in stays locked after "
        "passing its sign-in limit. A manager can lift an account's lock-out earlier.")
    kiosk_issues_per_minute: int = Field(
        default=30, ge=0, le=100_000, description="Tickets one kiosk (device token) may issue in any minute; more "
        "are refused with rate_limited (429, Retry-After). 0 turns the limit off (benchmarks).")
    booking_per_address_per_hour: int = Field(
        default=10, ge=0, le=100_000, description="Bookings the public booking API takes from one client address "
        "per hour; more are refused with rate_limited (429, Retry-After). 0 turns the limit off.")
    booking_per_person_per_day: int = Field(
        default=3, ge=0, le=1000, description="Bookings one person (ID number) may make in one calendar day of the "
        "hall, cancelled ones included (booking and cancelling over and over runs out); apart from the rule of one "
        "live booking per person per day booked. 0 turns the limit off.")
    booking_per_phone_per_day: int = Field(
        default=5, ge=0, le=1000, description="Bookings made with one phone number in one calendar day of the hall, "
        "cancelled ones included (a family books with one phone). 0 turns the limit off.")
    booking_lookups_per_minute: int = Field(
        default=20, ge=0, le=100_000, description="Lookups, cancels and QR codes of bookings by code from one "
        "client address per minute; more are refused with rate_limited (429, Retry-After). 0 turns the limit off.")
    booking_code_misses_per_hour: int = Field(
        default=20, ge=0, le=100_000, description="Booking codes from one client address that match no booking, "
        "per hour; the next lookup locks the address out of lookups and cancels for booking_lockout_minutes "
        "(guessing codes). 0 turns the limit off.")
    booking_lockout_minutes: int = Field(
        default=60, ge=1, le=1440, description="Minutes an address stays locked out of booking lookups and cancels "
        "after passing booking_code_misses_per_hour (at least until that hour of misses is over).")
    booking_challenge: bool = Field(
        default=False, description="Booking needs the answer to a small sum from GET /api/v1/appointments/challenge "
        "(a signed token, good once for a few minutes); turn on when scripts book.")
    credit_queries_per_minute: int = Field(default=30, ge=1, description="Credit look-ups allowed per device per minute.")
    credit_source: Literal["local", "http"] = Field(
        default="local", description="Where credit look-ups go: 'local' (records loaded with hallq credit import) "
        "or 'http' (the city credit platform's service at credit_http_url).")
    credit_http_url: str | None = Field(default=None, description="Base URL of the city credit platform's HTTP "
                                        "service, used when credit_source is 'http'.")
    credit_http_token: str | None = Field(default=None, description="Bearer token sent to the credit platform's "
                                          "HTTP service, if it asks for one.")
    credit_http_timeout_s: float = Field(default=5.0, gt=0, le=60, description="Seconds to wait for the credit "
                                         "platform before answering credit_unavailable.")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body accepted (bytes).")
    sqlite_busy_timeout_ms: int = Field(
        default=15000, ge=0, le=600_000,
        description="SQLite only: how long a request waits for the database lock before it fails with "
        "503 database_unavailable (milliseconds).",
    )
    sweep_interval_s: float = Field(default=5.0, gt=0, description="How often the server marks overdue no-shows and turns the business day.")
    token_cache_s: float = Field(default=5.0, ge=0, le=300,
                                 description="Seconds a server process trusts a bearer token it has checked; a "
                                 "revocation reaches the other worker processes within this time (0: check every request).")
    staff_token_hours: int = Field(default=12, ge=1, description="Hours a staff sign-in stays valid.")
    metrics_token: str | None = Field(
        default=None, description="Bearer token a Prometheus scraper sends to read /metrics from any address.")
    metrics_addresses: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses or networks (CIDR) that read /metrics without the token; others get 403.")
    log_json: bool = Field(default=False, description="Write structured JSON log lines.")
    writer_socket: str | None = Field(
        default=None,
        description="Unix socket of the hall's writer process. hallq serve sets it for its worker processes "
        "when workers > 1; unset, each server process runs its writer itself.",
    )
    voice_clips_dir: Path | None = Field(
        default=None,
        description="Folder of the hall's own recorded voice clips; overrides the generated ones.",
    )

    @field_validator("metrics_addresses")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for net in value:
            ipaddress.ip_network(net, strict=False)   # ValueError names the bad one
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("HALLQ_CONFIG")
        if config:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config)))
        return tuple(sources)

    def secret(self) -> bytes:
        """The hall's secret, creating data_dir/secret.key on first use."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_hex(32).encode())
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        return path.read_bytes().strip()


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``config`` (TOML), the environment and non-None ``overrides``."""
    if config is not None:
        os.environ["HALLQ_CONFIG"] = str(config)
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
