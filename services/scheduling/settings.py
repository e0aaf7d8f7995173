from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from streetcare.core.settings import ProcessSettings, default_sqlite_url


class SchedulingSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore", populate_by_name=True)

    database_url: str = default_sqlite_url("scheduling")
    host: str = "127.0.0.1"
    port: int = 8101
    city_name: str = "Streetcare demo city"
    snap_distance_m: float = 150.0
