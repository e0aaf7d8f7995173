"""The reports service's public event-handling module: the only thing `workers/` may call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from kernel.events import EventEnvelope, VisitCompleted
from kernel.handlers import ServiceEventHandlers, service_event_handlers
from kernel.mail import DeliveryReport
from kernel.runtime import runtime_of
from services.reports.database import OutboxMessage, ProcessedEvent, StreetCopy
from services.reports.notifications.service import Notifier
from services.reports.reports import service as reports
from services.reports.settings import ReportsRuntime, ReportsSettings


def deliver_due_mail(runtime: ReportsRuntime) -> DeliveryReport:
    """Mail the after-commit attempt could not deliver (SMTP down, a crash): retried with back-off."""
    return Notifier.for_runtime(runtime).outbox.deliver()


def _visit_completed(session: Session, _envelope: EventEnvelope, data: VisitCompleted) -> None:
    """A crew cleaned the street: its reports are resolved and reporters told, by the configured mailer."""
    notifier = Notifier.for_runtime(runtime_of(session))
    reports.resolve_after_visit(session, data.street_id, data.report_ids, data.kind, notifier)


def make_events(settings_factory: Callable[[], ReportsSettings] = ReportsSettings) -> ServiceEventHandlers:
    """The consumer for this service; `visit.completed` tells reporters through the configured mailer."""
    return service_event_handlers(
        "reports",
        settings_factory,
        OutboxMessage,
        ProcessedEvent,
        {"visit.completed": _visit_completed},
        street_copy=StreetCopy,
        also_sweep=deliver_due_mail,
    )


events = make_events()
HANDLERS = events.handlers


def erase_expired_personal_data(service_events: ServiceEventHandlers | None = None) -> int:
    """Periodic job (daily is plenty): erase reporters' email, name and phone after the retention period.

    Returns how many reports were erased. Safe to run at any time and any number of times.
    """
    runtime = (service_events or events).runtime
    settings = runtime.settings
    with runtime.transaction() as session:
        return reports.erase_expired_personal_data(session, timedelta(days=settings.personal_data_retention_days))
