from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse

from kernel.auth import (
    LOGIN_REFUSED_HEADER,
    CredentialCheck,
    InternalCaller,
    VerifiedIdentity,
    require_internal_caller,
)
from kernel.mail import language_from_accept
from services.volunteers.accounts import service
from services.volunteers.accounts.dependencies import VolunteerDep, end_sessions_of
from services.volunteers.accounts.models import Volunteer
from services.volunteers.accounts.schemas import (
    Accepted,
    CalendarLink,
    ConfirmationResend,
    Confirmed,
    EmailConfirm,
    Me,
    MeUpdate,
    PasswordChange,
    ResetConfirm,
    ResetRequest,
    SignUp,
)
from services.volunteers.web import SessionDep, idempotent, settings_of

router = APIRouter(prefix="/api/v1/volunteers", tags=["accounts"])
# reached only with the service credential (ServiceCallerMiddleware) AND the credential of the
# gateway's login, which the gateway never forwards on a user's behalf
internal_router = APIRouter(
    prefix="/internal", tags=["internal"], dependencies=[Depends(require_internal_caller(InternalCaller.GATEWAY_LOGIN))]
)


def me_of(volunteer: Volunteer) -> Me:
    return Me.model_validate(volunteer)


SIGN_UP_ANSWER = (
    "check your mail: we sent a message about this sign-up to {email}; "
    "follow the link in it to confirm your address, then log in"
)
RESEND_ANSWER = "if an account with this address waits for confirmation, a new link is on its way"
# the login's answer (403) for a right password of an account whose address is not confirmed yet
UNCONFIRMED = {
    "en": (
        "confirm your e-mail address first: follow the link in the mail we sent when you signed up. "
        "No mail? Ask for a new link on the volunteer page."
    ),
    "nl": (
        "bevestig eerst je e-mailadres: volg de link in de mail die we stuurden toen je je aanmeldde. "
        "Geen mail gekregen? Vraag een nieuwe link aan op de vrijwilligerspagina."
    ),
}


@router.post("/signup", status_code=202, response_model=Accepted)
def sign_up(body: SignUp, request: Request, session: SessionDep) -> JSONResponse:
    """The same answer whether the address is new or already has an account (which only its
    owner learns, by mail): sign-up must not tell a stranger who has an account here."""

    def action() -> Accepted:
        service.sign_up(
            session,
            display_name=body.display_name,
            email=body.email,
            password=body.password,
            language=body.language,
            confirm_minutes=settings_of(request).confirm_token_minutes,
        )
        return Accepted(detail=SIGN_UP_ANSWER.format(email=body.email.strip().lower()))

    fingerprint = body.model_dump(exclude={"password"})
    return idempotent(request, session, "signup", fingerprint, action, status_code=202)


@router.post("/signup/confirm", response_model=Confirmed)
def confirm_email(body: EmailConfirm, session: SessionDep) -> Confirmed:
    """The link in the sign-up mail opens the volunteer page, which sends its token here (once)."""
    volunteer = service.confirm_email(session, body.token)
    return Confirmed(detail="your address is confirmed: log in", email=volunteer.email or "")


@router.post("/signup/resend", status_code=202, response_model=Accepted)
def resend_confirmation(body: ConfirmationResend, request: Request, session: SessionDep) -> Accepted:
    """The same answer whether or not the address has an account that waits for confirmation."""
    service.resend_confirmation(session, body.email, settings_of(request).confirm_token_minutes)
    return Accepted(detail=RESEND_ANSWER)


@router.get("/me", response_model=Me)
def me(volunteer: VolunteerDep) -> Me:
    return me_of(volunteer)


@router.patch("/me", response_model=Me)
def update_me(body: MeUpdate, volunteer: VolunteerDep) -> Me:
    return me_of(service.update_profile(volunteer, **body.model_dump(exclude_unset=True)))


@router.post("/me/password", status_code=204)
def change_password(body: PasswordChange, request: Request, volunteer: VolunteerDep) -> Response:
    """A new password ends every session of mine, on every device (this one logs in again)."""
    service.change_password(volunteer, body.current_password, body.new_password)
    end_sessions_of(request, volunteer.id)
    return Response(status_code=204)


@router.get("/me/calendar", response_model=CalendarLink)
def calendar_link(request: Request, volunteer: VolunteerDep) -> CalendarLink:
    return _calendar_link(request, service.calendar_token(volunteer))


@router.post("/me/calendar/rotate", response_model=CalendarLink)
def rotate_calendar_link(request: Request, volunteer: VolunteerDep) -> CalendarLink:
    """A new private link; the old one stops working (e.g. after sharing it by mistake)."""
    return _calendar_link(request, service.calendar_token(volunteer, rotate=True))


def _calendar_link(request: Request, token: str) -> CalendarLink:
    url = f"{settings_of(request).public_url.rstrip('/')}/api/v1/volunteers/calendar/{token}.ics"
    return CalendarLink(url=url, webcal_url="webcal://" + url.split("://", 1)[1])


@router.post("/password-reset", status_code=202, response_model=Accepted)
def request_reset(body: ResetRequest, request: Request, session: SessionDep) -> Accepted:
    service.request_reset(session, body.email, settings_of(request).reset_token_minutes)
    return Accepted(detail="if an account has this email, a reset link is on its way")


@router.post("/password-reset/confirm", status_code=204)
def confirm_reset(body: ResetConfirm, request: Request, session: SessionDep) -> Response:
    volunteer = service.confirm_reset(session, body.token, body.new_password)
    end_sessions_of(request, volunteer.id)
    return Response(status_code=204)


@internal_router.post("/auth/verify", response_model=VerifiedIdentity)
def verify(body: CredentialCheck, request: Request, session: SessionDep) -> VerifiedIdentity:
    """401 for a wrong password; 403 for the right one of an account whose address is not confirmed
    (in the asker's language), which the gateway's login passes on."""
    volunteer = service.verify_credentials(session, body.email, body.password)
    if volunteer is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown email or wrong password")
    if volunteer.email_confirmed_at is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            UNCONFIRMED[language_from_accept(request.headers.get("accept-language")) or "en"],
            headers={LOGIN_REFUSED_HEADER: "email-unconfirmed"},
        )
    return VerifiedIdentity(subject=f"volunteer:{volunteer.id}", role=volunteer.role, name=volunteer.display_name)
