from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kernel.mail import MailSettings
from kernel.runtime import ServiceRuntime
from kernel.settings import sqlite_in_var_dir


class VolunteersSettings(MailSettings):
    model_config = SettingsConfigDict(env_prefix="VOLUNTEERS_", extra="ignore", populate_by_name=True)

    database_url: str = Field(default_factory=sqlite_in_var_dir("volunteers"))
    host: str = "127.0.0.1"
    port: int = 8103
    public_url: str = "http://127.0.0.1:8000"
    reset_token_minutes: int = 60
    confirm_token_minutes: int = 48 * 60  # how long the link in the sign-up mail works
    nudge_after_rhythms: float = 2.0
    lapse_after_rhythms: float = 4.0


# the runtime of this service, its settings typed
VolunteersRuntime = ServiceRuntime[VolunteersSettings]
