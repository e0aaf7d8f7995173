from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kernel.mail import MailSettings
from kernel.runtime import ServiceRuntime
from kernel.settings import in_var_dir, sqlite_in_var_dir

LOCAL_BASE_URL = "http://127.0.0.1:8000"


class ReportsSettings(MailSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTS_", extra="ignore", populate_by_name=True)

    database_url: str = Field(default_factory=sqlite_in_var_dir("reports"))
    host: str = "127.0.0.1"
    port: int = 8102
    snap_distance_m: float = 150.0
    duplicate_radius_m: float = 50.0
    duplicate_window_hours: int = 72
    reopen_window_days: int = 14
    personal_data_retention_days: int = 365
    # database (default: every replica sees them, works on SQLite and PostgreSQL), s3 (any
    # S3-compatible store, the photo_s3_* settings) or disk (photo_dir: one process only)
    photo_storage: Literal["database", "s3", "disk"] = "database"
    photo_dir: str = Field(default_factory=in_var_dir("photos"))
    photo_s3_bucket: str = ""
    photo_s3_endpoint_url: str = ""  # empty: AWS S3; e.g. https://minio.city.example
    photo_s3_region: str = "us-east-1"
    photo_s3_prefix: str = "reports/photos/"
    photo_s3_access_key_id: str = ""  # empty: boto3's usual chain (environment, instance role)
    photo_s3_secret_access_key: str = ""
    photo_max_bytes: int = 8 * 1024 * 1024
    photo_max_pixels: int = 40_000_000  # decoded size limit: a decompression bomb is refused
    photo_max_side_px: int = 2048  # stored photos are scaled down to this
    photo_thumbnail_px: int = 320
    # the gateway's public address, for links in mail and Open311 discovery; when empty, Open311
    # derives it from the request (X-Forwarded-Host/-Proto of the proxy in front, else Host) and
    # mail links use LOCAL_BASE_URL
    public_base_url: str = ""
    nearby_max_radius_m: float = 500.0
    open311_contact: str = "Streetcare, the city's street cleaning service (streetcare@streetcare.example)"
    # where a client developer asks for an Open311 key (a web form or mailto: URL); empty: the page
    # this service serves at /open311/v2/api-keys.html, which names `open311_contact`
    open311_key_service: str = ""
    open311_jurisdiction_id: str = ""  # e.g. "helsinki.fi"; when set, a request naming another is refused


# the runtime of this service, its settings typed
ReportsRuntime = ServiceRuntime[ReportsSettings]
