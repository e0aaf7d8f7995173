"""Identity: argon2 password hashes, short-lived signed tokens, and what a service checks.

The gateway issues a user token after the owning service verified the password; every service
verifies that token itself (it never trusts a bare header). Calls between processes carry the
service credential in `X-Service-Token`, so a service is not usable by someone who merely
reaches its port. Internal routes (password checks) further need the credential of the one
caller role allowed to make them, which the gateway never forwards on a user's behalf.

Sessions end in Redis: a logged-out token id is listed until it expires, and "end all of this
person's sessions" (logout, password reset, account deletion) stores a cut-off time per subject.
Both checks fail closed: when Redis cannot be asked, a request with a token gets 503.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from kernel.runtime_keys import REVOKED_TOKEN_PREFIX, SESSIONS_ENDED_PREFIX

TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "streetcare-gateway"
SERVICE_TOKEN_HEADER = "x-service-token"

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against when the account does not exist, so timing does not tell;
    made on the first login check, not when a process (or the CLI) imports this module."""
    return _hasher.hash("streetcare-no-such-account")


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
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    subject: str  # "volunteer:12", "staff:3"
    role: Role
    token_id: str
    expires_at: int
    issued_at_ms: int = 0

    @property
    def account_id(self) -> int:
        return int(self.subject.split(":", 1)[1])

    def has_any(self, *roles: Role) -> bool:
        return self.role in roles or self.role == Role.ADMIN


def issue_token(secret: str, subject: str, role: Role, ttl_seconds: int) -> tuple[str, int]:
    now_ms = int(time.time() * 1000)
    now = now_ms // 1000
    expires_at = now + ttl_seconds
    claims = {
        "sub": subject,
        "role": role.value,
        "iat": now,
        "iat_ms": now_ms,
        "exp": expires_at,
        "iss": TOKEN_ISSUER,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM), expires_at


class InvalidToken(Exception):
    pass


DECODED_TOKENS_KEPT = 4096


def decode_token(token: str, secrets: list[str]) -> Principal:
    """The principal a token names, if one of `secrets` signed it and it has not expired. A token
    is checked once per process and then remembered (its claims cannot change), so a volunteer's
    every request does not pay the signature check again; expiry is checked on every use."""
    principal = _verified(token, tuple(secrets))
    if principal.expires_at <= time.time():
        raise InvalidToken("Signature has expired")
    return principal


@functools.lru_cache(maxsize=DECODED_TOKENS_KEPT)
def _verified(token: str, secrets: tuple[str, ...]) -> Principal:
    """Raises InvalidToken (not remembered: a bad token is checked again each time it comes)."""
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
                issued_at_ms=int(claims.get("iat_ms") or int(claims.get("iat") or 0) * 1000),
            )
        except (jwt.InvalidTokenError, ValueError) as exc:
            last_error = exc
    raise InvalidToken(str(last_error))


def service_token_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


INTERNAL_CALLER_HEADER = "x-internal-caller"
# on a 403 from an account owner's /internal/auth/verify: the password is right but the account may
# not log in yet (e.g. "email-unconfirmed"); the gateway's login passes that answer on, and no other 403
LOGIN_REFUSED_HEADER = "x-login-refused"


class CredentialCheck(BaseModel):
    """What the gateway's login sends to an account owner's /internal/auth/verify."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class VerifiedIdentity(BaseModel):
    """What an account owner answers when the password is right: whom the gateway issues a token for."""

    subject: str  # "volunteer:12", "staff:3"
    role: str
    name: str


class InternalCaller(StrEnum):
    """Who may call a service's /internal routes. The gateway's login may check passwords;
    nothing the gateway forwards for a user carries this credential."""

    GATEWAY_LOGIN = "gateway-login"


def internal_caller_credential(service_token: str, caller: InternalCaller) -> str:
    digest = hmac.new(service_token.encode(), f"internal-caller:{caller.value}".encode(), hashlib.sha256)
    return f"{caller.value}:{digest.hexdigest()}"


def require_internal_caller(*callers: InternalCaller) -> Callable[[Request], None]:
    def dependency(request: Request) -> None:
        given = request.headers.get(INTERNAL_CALLER_HEADER, "")
        service_token = request.app.state.settings.service_token
        for caller in callers:
            if hmac.compare_digest(given.encode(), internal_caller_credential(service_token, caller).encode()):
                return
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this internal route is not for this caller")

    return dependency


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return None


def _token_secrets(request: Request) -> list[str]:
    return list(request.app.state.settings.accepted_token_secrets)


async def optional_principal(request: Request) -> Principal | None:
    """On the event loop: the signature is checked once per token and process, and whether the
    session ended is asked of Redis without a worker thread (`app.state.token_revoked`, async)."""
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
    try:
        ended = revoked is not None and await revoked(principal)
    except SessionStoreUnavailable:
        raise session_store_unavailable() from None
    if ended:
        raise session_ended()
    return principal


class SessionStoreUnavailable(Exception):
    """Redis could not be asked whether a session ended: the request must not go on."""


def session_store_unavailable() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "sessions cannot be checked right now; try again in a few seconds",
        headers={"Retry-After": "5"},
    )


def session_ended() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "this session has ended (logged out, or the password changed); log in again",
        headers={"WWW-Authenticate": "Bearer"},
    )


def revocation_keys(principal: Principal) -> list[str]:
    """The two Redis keys that can end this token: its own id, and its person's cut-off."""
    return [REVOKED_TOKEN_PREFIX + principal.token_id, SESSIONS_ENDED_PREFIX + principal.subject]


def is_ended(principal: Principal, values: list[Any]) -> bool:
    """Given the values of `revocation_keys`: was the token logged out or issued before the cut-off?"""
    token_revoked, ended_at = values
    if token_revoked is not None:
        return True
    return ended_at is not None and principal.issued_at_ms <= int(ended_at)


def end_all_sessions_command(subject: str, ttl_seconds: int) -> tuple[str, str, int]:
    """(key, value, ttl) that voids every token of `subject` issued until now; the TTL outlives them."""
    return SESSIONS_ENDED_PREFIX + subject, str(int(time.time() * 1000)), ttl_seconds + 60


def end_all_sessions(redis: Any, subject: str, ttl_seconds: int) -> None:
    """Synchronous form for the services (password reset, account deletion). Raises
    SessionStoreUnavailable when Redis cannot store it, so the caller answers 503 and the
    change is not confirmed while old sessions would live on."""
    key, value, ttl = end_all_sessions_command(subject, ttl_seconds)
    try:
        redis.set(key, value, ex=ttl)
    except Exception as exc:
        raise SessionStoreUnavailable(str(exc)) from exc


async def ask_session_ended(redis: Any, principal: Principal) -> bool:
    """Whether the token was logged out or issued before its person's sessions ended, asked of an
    asyncio Redis client (the gateway's and every service's check). Raises SessionStoreUnavailable
    when Redis cannot say: the caller fails closed with 503."""
    try:
        values = await redis.mget(revocation_keys(principal))
    except Exception as exc:
        raise SessionStoreUnavailable(str(exc)) from exc
    return is_ended(principal, list(values))


async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """A check of the principal alone: `async`, so it runs on the event loop, not a worker thread."""
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "log in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = ", ".join(r.value for r in roles)

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        # a check of the principal alone: on the event loop (a `def` would hop to a worker thread)
        if not principal.has_any(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles: {allowed}")
        return principal

    return dependency
