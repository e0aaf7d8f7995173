"""Login and logout: the owning service checks the password, the gateway signs the token."""

from __future__ import annotations

import time
from typing import Annotated

import httpx
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.ratelimits import check_password_attempt
from gateway.settings import GatewaySettings
from kernel.auth import (
    INTERNAL_CALLER_HEADER,
    LOGIN_REFUSED_HEADER,
    SERVICE_TOKEN_HEADER,
    CredentialCheck,
    InternalCaller,
    InvalidToken,
    Role,
    VerifiedIdentity,
    bearer_token,
    decode_token,
    end_all_sessions_command,
    internal_caller_credential,
    issue_token,
    session_store_unavailable,
)
from kernel.runtime_keys import REVOKED_TOKEN_PREFIX

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

# Staff first: a dispatcher who is also a volunteer logs in to do the city's work.
ACCOUNT_OWNERS = ("scheduling", "volunteers")


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    name: str
    expires_at: int


def settings_dep(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


@router.post("/login", response_model=LoginResponse)
async def login(
    body: LoginRequest, request: Request, settings: Annotated[GatewaySettings, Depends(settings_dep)]
) -> LoginResponse | JSONResponse:
    refused = await check_password_attempt(request, request.app.state.limits, "email:" + body.email.strip().lower())
    if refused is not None:
        return refused
    client: httpx.AsyncClient = request.app.state.http
    unreachable = []
    login_credential = internal_caller_credential(settings.service_token, InternalCaller.GATEWAY_LOGIN)
    for service in ACCOUNT_OWNERS:
        try:
            answer = await client.post(
                f"{settings.upstreams()[service]}/internal/auth/verify",
                json=CredentialCheck(email=body.email, password=body.password).model_dump(),
                headers={
                    SERVICE_TOKEN_HEADER: settings.service_token,
                    INTERNAL_CALLER_HEADER: login_credential,
                    # the language of a refusal a person can act on (an unconfirmed address)
                    "Accept-Language": request.headers.get("accept-language", "")[:200],
                },
            )
        except httpx.TransportError:
            unreachable.append(service)
            continue
        if answer.status_code == 200:
            identity = VerifiedIdentity.model_validate(answer.json())
            token, expires_at = issue_token(
                settings.token_secret, identity.subject, Role(identity.role), settings.token_ttl_seconds
            )
            return LoginResponse(access_token=token, role=identity.role, name=identity.name, expires_at=expires_at)
        if answer.status_code == 403 and answer.headers.get(LOGIN_REFUSED_HEADER):
            # the right password, but the account may not log in yet (its address is not confirmed):
            # the owner's message, in the asker's language, says what to do
            return JSONResponse({"detail": str(answer.json().get("detail", ""))}, status_code=403)
    if unreachable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "login is unavailable right now; try again in a few seconds",
            headers={"Retry-After": "5"},
        )
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown email or wrong password")


@router.post("/logout", status_code=204)
async def logout(request: Request, settings: Annotated[GatewaySettings, Depends(settings_dep)]) -> Response:
    """Ends every session of the person (all devices), not only this token. Answers 503 when
    Redis cannot store that, so nobody believes they logged out while the token still works."""
    token = bearer_token(request)
    if token is None:
        return Response(status_code=204)
    try:
        principal = decode_token(token, settings.accepted_token_secrets)
    except InvalidToken:
        return Response(status_code=204)
    redis: aioredis.Redis = request.app.state.redis
    key, value, ttl = end_all_sessions_command(principal.subject, settings.token_ttl_seconds)
    remaining = max(1, principal.expires_at - int(time.time()))
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(REVOKED_TOKEN_PREFIX + principal.token_id, "1", ex=remaining)
            pipe.set(key, value, ex=ttl)
            await pipe.execute()
    except Exception:
        raise session_store_unavailable() from None
    return Response(status_code=204)
