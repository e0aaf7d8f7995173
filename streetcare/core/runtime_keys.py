"""Redis keys shared by the gateway and the services (kept apart from modules that need a database)."""

REVOKED_TOKEN_PREFIX = "streetcare:revoked-token:"
