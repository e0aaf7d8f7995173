"""Property-based tests of the event decoder: any message is either a valid event or refused
with a MalformedEvent — never another exception that would crash or wedge a consumer."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.events import CATALOGUE, EventEnvelope, MalformedEvent, ReportFiled, decode_event, new_event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _valid_envelope() -> dict[str, Any]:
    data = ReportFiled(
        report_id=1, street_id=2, category="litter", severity=2, lat=52.0, lon=4.0, filed_at=datetime.now(UTC)
    )
    return new_event("report.filed", "reports", data).model_dump(mode="json")


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_is_decoded_or_refused(message: Any) -> None:
    with contextlib.suppress(MalformedEvent):
        decode_event(message)


@given(st.sampled_from(sorted(_valid_envelope())), json_values)
@settings(max_examples=300, deadline=None)
def test_a_valid_event_with_one_field_replaced_is_decoded_or_refused(field: str, value: Any) -> None:
    message = _valid_envelope()
    message[field] = value
    try:
        envelope, _ = decode_event(message)
    except MalformedEvent:
        return
    assert isinstance(envelope, EventEnvelope)


@given(st.sampled_from(sorted(_valid_envelope()["data"])), json_values)
@settings(max_examples=300, deadline=None)
def test_a_valid_payload_with_one_field_replaced_is_decoded_or_refused(field: str, value: Any) -> None:
    message = _valid_envelope()
    message["data"][field] = value
    with contextlib.suppress(MalformedEvent):
        decode_event(message)


def test_every_catalogue_type_names_its_publisher_and_subscribers() -> None:
    for event_type, entry in CATALOGUE.items():
        assert entry.source in ("scheduling", "reports", "volunteers"), event_type
        assert entry.subscribers, event_type
        assert entry.source not in entry.subscribers, event_type


def test_the_wire_format_is_plain_json() -> None:
    message = _valid_envelope()
    assert decode_event(json.loads(json.dumps(message)))[0].type == "report.filed"
