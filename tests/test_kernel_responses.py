"""kernel.responses.from_row: a response schema read from a row, the computed fields named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ConfigDict

from kernel.responses import from_row


@dataclass
class Row:
    id: int
    name: str
    created_at: datetime
    secret: str = "never shown"


class RowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    name: str
    created_at: datetime
    note: str | None = None


ROW = Row(id=7, name="Erottajankatu", created_at=datetime(2026, 5, 1, tzinfo=UTC))


def test_the_row_gives_its_fields_and_the_builder_the_rest_in_the_schemas_order() -> None:
    out = from_row(RowOut, ROW, label="street 7")
    assert out.model_dump_json() == (
        '{"id":7,"label":"street 7","name":"Erottajankatu","created_at":"2026-05-01T00:00:00Z","note":null}'
    )


def test_a_computed_value_takes_the_place_of_the_rows_own() -> None:
    assert from_row(RowOut, ROW, label="x", name="shown instead", note=None).name == "shown instead"


def test_a_field_the_schema_does_not_have_is_a_mistake() -> None:
    with pytest.raises(TypeError, match="RowOut has no field lable"):
        from_row(RowOut, ROW, lable="street 7")


def test_a_field_neither_the_row_nor_the_builder_gives_is_missing() -> None:
    with pytest.raises(ValueError, match="label"):
        from_row(RowOut, ROW)
