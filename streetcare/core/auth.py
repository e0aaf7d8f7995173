"""Identity: argon2 password hashes, short-lived signed tokens, and what a service checks.

The gateway issues a user token after the owning service verified the password; every service
verifies that token itself (it never trusts a bare header). Calls between processes carry the
service credential in `X-Service-Token`, so a service is not usable by someone who merely
reaches its port.
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status

TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "streetcare-gateway"
SERVICE_TOKEN_HEADER = "x-service-token"

_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("streetcare-no-such-account")


class Role(StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    INSPECTOR = "inspector"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    subject: str  # "volunteer:12", "staff:3"
    role: Role
    token_id: str
    expires_at: int

    @property
    def account_id(self) -> int:
        return int(self.subject.split(":", 1)[1])

    def has_any(self, *roles: Role) -> bool:
        return self.role in roles or self.role == Role.ADMIN


def issue_token(secret: str, subject: str, role: Role, ttl_seconds: int) -> tuple[str, int]:
    now = int(time.time())
    expires_at = now + ttl_seconds
    claims = {
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": expires_at,
        "iss": TOKEN_ISSUER,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM), expires_at


class InvalidToken(Exception):
    pass


def decode_token(token: str, secrets: list[str]) -> Principal:
    last_error: Exception | None = None
    for secret in secrets:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=[TOKEN_ALGORITHM],
                issuer=TOKEN_ISSUER,
                options={"require": ["exp", "sub", "role", "jti", "iss"]},
            )
            return Principal(
                subject=str(claims["sub"]),
                role=Role(claims["role"]),
                token_id=str(claims["jti"]),
                expires_at=int(claims["exp"]),
            )
        except (jwt.InvalidTokenError, ValueError) as exc:
            last_error = exc
    raise InvalidToken(str(last_error))


def service_token_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


def _token_secrets(request: Request) -> list[str]:
    return list(request.app.state.settings.accepted_token_secrets)


def optional_principal(request: Request) -> Principal | None:
    token = bearer_token(request)
    if token is None:
        return None
    try:
        principal = decode_token(token, _token_secrets(request))
    except InvalidToken:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "your session token is invalid or expired; log in again",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    revoked = getattr(request.app.state, "token_revoked", None)
    if revoked is not None and revoked(principal.token_id):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "this session was logged out; log in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "log in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = ", ".join(r.value for r in roles)

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles: {allowed}")
        return principal

    return dependency
