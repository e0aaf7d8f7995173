"""The reports service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from services.reports.database import OutboxMessage, ProcessedEvent, StreetCopy
from services.reports.notifications.service import Notifier
from services.reports.reports import service as reports
from services.reports.settings import ReportsSettings
from streetcare.core.consumer import Handler
from streetcare.core.events import EventEnvelope, StreetChanged, VisitCompleted
from streetcare.core.handlers import ServiceEventHandlers
from streetcare.core.mail import DeliveryReport
from streetcare.core.runtime import ServiceRuntime
from streetcare.core.street_copy import apply_street_changed


def _street_changed(session: Session, _envelope: EventEnvelope, data: StreetChanged) -> None:
    apply_street_changed(session, StreetCopy, data)


def deliver_due_mail(runtime: ServiceRuntime) -> DeliveryReport:
    """Mail the after-commit attempt could not deliver (SMTP down, a crash): retried with back-off."""
    return Notifier.for_runtime(runtime).outbox.deliver()


def make_events(settings_factory: Callable[[], ReportsSettings] = ReportsSettings) -> ServiceEventHandlers:
    """The consumer for this service; `visit.completed` tells reporters through the configured mailer."""
    handlers: dict[str, Handler] = {}
    service_events = ServiceEventHandlers(
        service="reports",
        settings_factory=settings_factory,
        outbox_model=OutboxMessage,
        inbox_model=ProcessedEvent,
        handlers=handlers,
        also_sweep=deliver_due_mail,
    )

    def visit_completed(session: Session, _envelope: EventEnvelope, data: VisitCompleted) -> None:
        notifier = Notifier.for_runtime(service_events.runtime)
        reports.resolve_after_visit(session, data.street_id, data.report_ids, data.kind, notifier)

    handlers.update(
        {
            "street.registered": _street_changed,
            "street.updated": _street_changed,
            "visit.completed": visit_completed,
        }
    )
    return service_events


events = make_events()
HANDLERS = events.handlers


def erase_expired_personal_data(service_events: ServiceEventHandlers | None = None) -> int:
    """Periodic job (daily is plenty): erase reporters' email, name and phone after the retention period.

    Returns how many reports were erased. Safe to run at any time and any number of times.
    """
    runtime = (service_events or events).runtime
    settings: ReportsSettings = runtime.settings
    with runtime.transaction() as session:
        return reports.erase_expired_personal_data(session, timedelta(days=settings.personal_data_retention_days))
