from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from streetcare.core.mail import MailSettings
from streetcare.core.settings import VAR_DIR, default_sqlite_url


class VolunteersSettings(MailSettings):
    model_config = SettingsConfigDict(env_prefix="VOLUNTEERS_", extra="ignore", populate_by_name=True)

    database_url: str = default_sqlite_url("volunteers")
    host: str = "127.0.0.1"
    port: int = 8103
    mail_dir: str = str(VAR_DIR / "mail")
    public_url: str = "http://127.0.0.1:8000"
    reset_token_minutes: int = 60
    nudge_after_rhythms: float = 2.0
    lapse_after_rhythms: float = 4.0
