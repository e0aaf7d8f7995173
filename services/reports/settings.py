from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from streetcare.core.settings import VAR_DIR, ProcessSettings, default_sqlite_url


class ReportsSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTS_", extra="ignore", populate_by_name=True)

    database_url: str = default_sqlite_url("reports")
    host: str = "127.0.0.1"
    port: int = 8102
    snap_distance_m: float = 150.0
    duplicate_radius_m: float = 50.0
    duplicate_window_hours: int = 72
    reopen_window_days: int = 14
    personal_data_retention_days: int = 365
    photo_dir: str = str(VAR_DIR / "photos")
    photo_max_bytes: int = 8 * 1024 * 1024
