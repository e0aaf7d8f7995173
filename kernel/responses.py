"""API responses read from the rows they show: a response schema with `from_attributes=True` takes
every field the row holds from the row (`Schema.model_validate(row)`), so a builder names only the
fields it works out itself (a street's name from another table, a flag from a rule, a rounding).

    return from_row(BagRequestOut, request, street_name=street_label(request.street_id, street))
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

ResponseT = TypeVar("ResponseT", bound=BaseModel)


def from_row(schema: type[ResponseT], row: object, /, **computed: Any) -> ResponseT:
    """`schema` validated from `row`'s attributes, `computed` taking the place of the row's (or filling
    the fields the row has not); a name the schema does not have is a mistake, not ignored."""
    unknown = computed.keys() - schema.model_fields.keys()
    if unknown:
        raise TypeError(f"{schema.__name__} has no field {', '.join(sorted(unknown))}")
    return schema.model_validate(_RowWith(row, computed) if computed else row)


class _RowWith:
    """A row's attributes with some of them given instead (what pydantic reads, with `from_attributes`)."""

    __slots__ = ("_computed", "_row")

    def __init__(self, row: object, computed: dict[str, Any]) -> None:
        self._row = row
        self._computed = computed

    def __getattr__(self, name: str) -> Any:
        if name in self._computed:
            return self._computed[name]
        return getattr(self._row, name)
