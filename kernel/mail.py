"""Mail that arrives: queued in the service's own `mail_outbox` table with the change, delivered over
SMTP (aiosmtplib) after the commit, retried with back-off until the server takes it.

- Nothing is lost: the row is written in the caller's transaction; a rolled-back change sends
  nothing, a committed one is delivered by the after-commit attempt or, failing that, by the
  periodic sweep (the worker's outbox sweep calls `MailOutbox.deliver`).
- Nothing is sent twice by two processes: a sender first *claims* a row (a conditional UPDATE with a
  lease), so concurrent sweeps never pick the same mail. A crash between the SMTP server's "250 OK"
  and marking the row sent can resend it once after the lease; the stable `Message-ID` (the row id)
  lets the receiving side recognise it.
- Recipients opt out per kind of mail (`mail_opt_outs`); transactional kinds (a password reset)
  cannot be opted out of.
- Texts are Jinja2 templates `<name>.<language>.txt` whose first line is the subject and the rest
  the body, in the recipient's language (nl or en), English when a translation is missing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode, urlsplit

import aiosmtplib
import jinja2
import structlog
from pydantic import Field
from sqlalchemy import Index, Integer, String, Text, and_, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, sessionmaker

from kernel.blocking import run_to_completion
from kernel.db import UTCDateTime, utcnow
from kernel.settings import ProcessSettings, in_var_dir

log = structlog.get_logger(__name__)

LANGUAGES = ("nl", "en")
FALLBACK_LANGUAGE = "en"
PENDING_MAIL_KEY = "streetcare.pending_mail_ids"
MAIL_OUTBOX_KEY = "streetcare.mail_outbox"
CLAIM_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 12  # with the back-off below: about a day and a half of retries


class MailSettings(ProcessSettings):
    """The settings of a process that sends mail (its service's class subclasses this)."""

    # smtp://user:password@host:587 (STARTTLS when the server offers it), smtps://host:465 (TLS from
    # the start), smtp://127.0.0.1:2525 for a local catcher; empty: mail waits in the outbox
    smtp_url: str = Field(default="", validation_alias="STREETCARE_SMTP_URL")
    smtp_timeout_s: float = Field(default=15.0, validation_alias="STREETCARE_SMTP_TIMEOUT_S")
    mail_sender: str = Field(default="Streetcare <noreply@streetcare.example>", validation_alias="STREETCARE_MAIL_FROM")
    # send in the committing thread instead of a background one (tests, one-off commands)
    mail_deliver_inline: bool = Field(default=False, validation_alias="STREETCARE_MAIL_DELIVER_INLINE")
    # where `make run`'s local SMTP catcher (aiosmtpd) keeps what it caught, as a Maildir
    mail_catcher_dir: str = Field(
        default_factory=in_var_dir("mailcatcher"), validation_alias="STREETCARE_MAIL_CATCHER_DIR"
    )


class MailOutboxMixin:
    """Mail waiting to leave the service; written in the same transaction as the change it tells of."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),)


class MailOptOutMixin:
    """An address that asked for no more mail of one kind."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    recipient: Mapped[str] = mapped_column(String(254), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class MailKind:
    code: str
    name_en: str
    name_nl: str
    opt_out: bool = True  # False for mail a person asked for (a password reset)


def normalise_language(language: str | None) -> str:
    """`nl`, `nl-BE`, `en_GB` → the supported language; anything else → English."""
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else FALLBACK_LANGUAGE


def language_from_accept(header: str | None) -> str | None:
    """The first supported language of an `Accept-Language` header, by quality; None if none is."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower().split("-", 1)[0]
        quality = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag in LANGUAGES and quality > 0 and (best is None or quality > best[0]):
            best = (quality, tag)
    return best[1] if best else None


class MailTemplates:
    """`<name>.<language>.txt` Jinja2 templates in one folder: the first line is the subject."""

    def __init__(self, folder: Path) -> None:
        self.environment = jinja2.Environment(  # noqa: S701 (plain-text mail: no HTML to escape)
            loader=jinja2.FileSystemLoader(folder),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, kind: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
        language = normalise_language(language)
        try:
            template = self.environment.get_template(f"{kind}.{language}.txt")
        except jinja2.TemplateNotFound:
            template = self.environment.get_template(f"{kind}.{FALLBACK_LANGUAGE}.txt")
        subject, _, body = template.render(context).strip().partition("\n")
        return " ".join(subject.split()), body.strip() + "\n"


def opt_out_signature(secret: str, recipient: str, kind: str) -> str:
    digest = hmac.new(secret.encode(), f"{recipient.lower()}|{kind}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def opt_out_valid(secret: str, recipient: str, kind: str, signature: str) -> bool:
    return hmac.compare_digest(opt_out_signature(secret, recipient, kind), signature)


def opt_out_link(base_url: str, secret: str, recipient: str, kind: str) -> str:
    query = urlencode({"to": recipient, "kind": kind, "sig": opt_out_signature(secret, recipient, kind)})
    return f"{base_url}?{query}"


@dataclass(frozen=True)
class SmtpTransport:
    """One SMTP server, from a URL: smtp:// (STARTTLS if offered), smtps:// (implicit TLS)."""

    url: str
    timeout_s: float = 15.0

    def send(self, messages: Sequence[EmailMessage]) -> list[Exception | None]:
        """Send over one connection; per message None (accepted) or the error."""
        return run_to_completion(lambda: self._send(messages))

    async def _send(self, messages: Sequence[EmailMessage]) -> list[Exception | None]:
        parts = urlsplit(self.url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"STREETCARE_SMTP_URL {self.url!r} must look like smtp://host:587 or smtps://host:465")
        implicit_tls = parts.scheme == "smtps"
        client = aiosmtplib.SMTP(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit_tls else 587),
            use_tls=implicit_tls,
            start_tls=None,  # STARTTLS when the server offers it
            timeout=self.timeout_s,
        )
        outcomes: list[Exception | None] = []
        async with client:
            if parts.username:
                await client.login(unquote(parts.username), unquote(parts.password or ""))
            for message in messages:
                try:
                    await client.send_message(message)
                    outcomes.append(None)
                except aiosmtplib.SMTPResponseException as exc:
                    outcomes.append(exc)
        return outcomes


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    given_up: int


@dataclass
class MailOutbox:
    """A service's mail outbox: queue in a transaction, deliver after commit, sweep what is left."""

    service: str
    model: type[MailOutboxMixin]
    opt_out_model: type[MailOptOutMixin]
    session_factory: sessionmaker[Session]
    settings: MailSettings
    deliver_in_background: bool = True
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def for_process(
        cls,
        service: str,
        model: type[MailOutboxMixin],
        opt_out_model: type[MailOptOutMixin],
        session_factory: sessionmaker[Session],
        settings: MailSettings,
    ) -> MailOutbox:
        """A service process's outbox: it delivers in a background thread after each commit, or
        in the committing thread when the settings say `mail_deliver_inline` (tests)."""
        return cls(
            service,
            model,
            opt_out_model,
            session_factory,
            settings,
            deliver_in_background=not settings.mail_deliver_inline,
        )

    def queue(
        self, session: Session, kind: MailKind, recipient: str, language: str, subject: str, body: str
    ) -> str | None:
        """Add a mail to the caller's transaction; None when the recipient opted out of this kind."""
        recipient = recipient.strip()
        if kind.opt_out and self.opted_out(session, recipient, kind.code):
            log.info("mail.skipped_opted_out", service=self.service, kind=kind.code)
            return None
        row = self.model(
            id=str(uuid.uuid4()),
            kind=kind.code,
            recipient=recipient,
            language=normalise_language(language),
            subject=subject[:300],
            body=body,
            attempts=0,
            next_attempt_at=datetime.now(UTC),
        )
        session.add(row)
        session.info.setdefault(PENDING_MAIL_KEY, []).append(row.id)
        if session.info.get(MAIL_OUTBOX_KEY) is not self:
            session.info[MAIL_OUTBOX_KEY] = self
            event.listen(session, "after_commit", _deliver_committed)
            event.listen(session, "after_soft_rollback", _forget_rolled_back)
        return row.id

    def opted_out(self, session: Session, recipient: str, kind: str) -> bool:
        found = session.get(self.opt_out_model, {"recipient": recipient.lower(), "kind": kind})
        return found is not None

    def opt_out(self, session: Session, recipient: str, kind: str) -> None:
        """Idempotent: no more mail of `kind` to `recipient`, and what is queued of it is dropped."""
        recipient = recipient.strip().lower()
        if session.get(self.opt_out_model, {"recipient": recipient, "kind": kind}) is None:
            session.add(self.opt_out_model(recipient=recipient, kind=kind))
        model = self.model
        session.execute(
            update(model)
            .where(model.kind == kind, model.recipient.ilike(recipient), model.sent_at.is_(None))
            .values(failed_at=datetime.now(UTC), last_error="the recipient opted out")
        )

    def deliver_soon(self, ids: list[str]) -> None:
        if not self.deliver_in_background:
            self.deliver(ids)
            return
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.service}-mail")
            self._executor.submit(self._deliver_quietly, ids)

    def _deliver_quietly(self, ids: list[str]) -> None:
        try:
            self.deliver(ids)
        except Exception as exc:  # the sweep tries again; a mail problem never fails a request
            log.warning("mail.delivery_failed", service=self.service, error=repr(exc))

    def deliver(self, ids: list[str] | None = None, limit: int = 100) -> DeliveryReport:
        """Send what is due (only `ids` when given): claim, send over one connection, record."""
        claimed = self._claim(ids, limit)
        if not claimed:
            return DeliveryReport(0, 0, 0)
        if not self.settings.smtp_url:
            outcomes: list[Exception | None] = [RuntimeError("no SMTP server configured (STREETCARE_SMTP_URL)")] * len(
                claimed
            )
        else:
            messages = [self._message(row) for row in claimed]
            try:
                outcomes = list(SmtpTransport(self.settings.smtp_url, self.settings.smtp_timeout_s).send(messages))
            except Exception as exc:  # server down, refused, TLS: every claimed mail waits for a retry
                outcomes = [exc] * len(claimed)
        return self._record(claimed, outcomes)

    def _claim(self, ids: list[str] | None, limit: int) -> list[MailOutboxMixin]:
        model = self.model
        now = datetime.now(UTC)
        due = and_(
            model.sent_at.is_(None),
            model.failed_at.is_(None),
            model.next_attempt_at <= now,
            or_(model.claimed_until.is_(None), model.claimed_until < now),
        )
        with self.session_factory() as session:
            query = select(model.id).where(due).order_by(model.created_at).limit(limit)
            if ids is not None:
                query = query.where(model.id.in_(ids))
            candidates = list(session.scalars(query).all())
            claimed_ids = []
            for mail_id in candidates:  # a conditional update per row: two senders never share one
                result = session.execute(
                    update(model).where(model.id == mail_id, due).values(claimed_until=now + CLAIM_LEASE)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed_ids.append(mail_id)
            session.commit()
            if not claimed_ids:
                return []
            rows = list(session.scalars(select(model).where(model.id.in_(claimed_ids)).order_by(model.created_at)))
            session.expunge_all()
            return rows

    def _message(self, row: MailOutboxMixin) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_sender
        message["To"] = row.recipient
        message["Subject"] = row.subject
        message["Date"] = format_datetime(row.created_at)
        message["Message-ID"] = f"<{row.id}@{self.service}.streetcare>"
        message["Auto-Submitted"] = "auto-generated"
        message["X-Streetcare-Kind"] = row.kind
        message.set_content(row.body)
        message["Content-Language"] = row.language  # after set_content, which clears Content-* headers
        return message

    def _record(self, rows: list[MailOutboxMixin], outcomes: list[Exception | None]) -> DeliveryReport:
        model = self.model
        sent = retrying = given_up = 0
        now = datetime.now(UTC)
        with self.session_factory() as session:
            for row, outcome in zip(rows, outcomes, strict=True):
                attempts = row.attempts + 1
                values: dict[str, Any] = {"attempts": attempts, "claimed_until": None}
                if outcome is None:
                    values["sent_at"] = now
                    sent += 1
                else:
                    values["last_error"] = f"{type(outcome).__name__}: {outcome}"[:500]
                    permanent = isinstance(outcome, aiosmtplib.SMTPResponseException) and outcome.code >= 500
                    if permanent or attempts >= MAX_ATTEMPTS:
                        values["failed_at"] = now
                        given_up += 1
                    else:
                        values["next_attempt_at"] = now + backoff(attempts)
                        retrying += 1
                    log.warning("mail.not_sent", service=self.service, mail_id=row.id, error=values["last_error"])
                session.execute(update(model).where(model.id == row.id).values(**values))
            session.commit()
        return DeliveryReport(sent, retrying, given_up)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … at most an hour between attempts."""
    return timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))


def _deliver_committed(session: Session) -> None:
    ids = session.info.pop(PENDING_MAIL_KEY, [])
    outbox: MailOutbox | None = session.info.get(MAIL_OUTBOX_KEY)
    if ids and outbox is not None:
        outbox.deliver_soon(list(ids))


def _forget_rolled_back(session: Session, _previous_transaction: object) -> None:
    session.info.pop(PENDING_MAIL_KEY, None)


@dataclass(frozen=True)
class CaughtMail:
    id: str
    to: str
    subject: str
    body: str
    sent_at: datetime
    language: str | None
    headers: dict[str, str] = field(default_factory=dict)


def caught_mail(folder: str | Path, to: str | None = None, limit: int = 50) -> list[CaughtMail]:
    """What the local SMTP catcher (aiosmtpd's Maildir handler) received: newest first."""
    path = Path(folder)
    files = [f for sub in ("new", "cur") if (path / sub).is_dir() for f in (path / sub).iterdir() if f.is_file()]
    files.sort(key=lambda f: f.stat().st_mtime_ns, reverse=True)
    found: list[CaughtMail] = []
    parser = BytesParser(policy=policy.default)
    for file in files:
        parsed = parser.parsebytes(file.read_bytes())
        recipient = str(parsed["To"] or "")
        if to is not None and recipient.strip().lower() != to.strip().lower():
            continue
        part = parsed.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        date = parsed["Date"]
        found.append(
            CaughtMail(
                id=file.name.split(":", 1)[0],
                to=recipient,
                subject=str(parsed["Subject"] or ""),
                body=str(body),
                sent_at=parsedate_to_datetime(str(date)) if date else datetime.now(UTC),
                language=str(parsed["Content-Language"]) if parsed["Content-Language"] else None,
                headers={name: str(value) for name, value in parsed.items()},
            )
        )
        if len(found) >= limit:
            break
    return found
