"""Redis keys shared by the gateway and the services (kept apart from modules that need a database)."""

REVOKED_TOKEN_PREFIX = "streetcare:revoked-token:"
# per subject ("volunteer:12"): the time in ms before which every token of that person is void
SESSIONS_ENDED_PREFIX = "streetcare:sessions-ended:"
