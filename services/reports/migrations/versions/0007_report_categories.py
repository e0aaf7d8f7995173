"""report categories as data: names, descriptions and questions in nl and en, severity, response target

Seeds the four categories that were Python constants until now, unchanged.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from kernel.db import UTCDateTime

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _values(*items: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"key": key, "name_en": en, "name_nl": nl} for key, en, nl in items]


SEED: list[dict[str, Any]] = [
    {
        "code": "litter",
        "name_en": "Litter",
        "name_nl": "Zwerfafval",
        "description_en": "Loose litter on the street or pavement: cans, bottles, wrappers, cigarette butts.",
        "description_nl": "Los zwerfafval op straat of stoep: blikjes, flessen, verpakkingen, peuken.",
        "severity": 2,
        "response_working_days": 3,
        "crew_mode": "foot",
        "cleans_street": True,
        "keywords": ["litter", "rubbish", "trash", "zwerfafval"],
        "attributes": [],
    },
    {
        "code": "bulky_waste",
        "name_en": "Dumped bulky waste",
        "name_nl": "Gedumpt grofvuil",
        "description_en": "Furniture, mattresses, appliances or bags dumped on the street.",
        "description_nl": "Meubels, matrassen, apparaten of zakken die op straat zijn gedumpt.",
        "severity": 3,
        "response_working_days": 2,
        "crew_mode": "bulky",
        "cleans_street": False,
        "keywords": ["dumping", "fly-tipping", "grofvuil"],
        "attributes": [
            {
                "code": "items",
                "datatype": "multivaluelist",
                "required": False,
                "description_en": "What was dumped?",
                "description_nl": "Wat is er gedumpt?",
                "datatype_description": "",
                "values": _values(
                    ("furniture", "Furniture", "Meubels"),
                    ("mattress", "Mattress", "Matras"),
                    ("appliance", "Appliance", "Apparaat"),
                    ("bags", "Bags", "Zakken"),
                ),
            }
        ],
    },
    {
        "code": "overflowing_bin",
        "name_en": "Overflowing bin",
        "name_nl": "Volle afvalbak",
        "description_en": "A public litter bin that is full or overflowing.",
        "description_nl": "Een openbare afvalbak die vol is of overloopt.",
        "severity": 2,
        "response_working_days": 2,
        "crew_mode": "sweeper",
        "cleans_street": True,
        "keywords": ["bin", "afvalbak"],
        "attributes": [],
    },
    {
        "code": "hazard",
        "name_en": "Needles or hazardous waste",
        "name_nl": "Naalden of gevaarlijk afval",
        "description_en": "Needles, broken glass, chemicals or other waste that can hurt someone. Do not touch it.",
        "description_nl": "Naalden, glasscherven, chemicaliën of ander afval waaraan iemand zich kan bezeren. "
        "Niet aanraken.",
        "severity": 5,
        "response_working_days": 1,
        "crew_mode": "foot",
        "cleans_street": True,
        "keywords": ["needles", "syringe", "glass", "chemicals"],
        "attributes": [
            {
                "code": "hazard_kind",
                "datatype": "singlevaluelist",
                "required": True,
                "description_en": "What kind of hazard is it?",
                "description_nl": "Wat voor gevaar is het?",
                "datatype_description": "",
                "values": _values(
                    ("needles", "Needles", "Naalden"),
                    ("glass", "Broken glass", "Gebroken glas"),
                    ("chemicals", "Chemicals", "Chemicaliën"),
                    ("other", "Other", "Anders"),
                ),
            }
        ],
    },
]


def upgrade() -> None:
    categories = op.create_table(
        "report_categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("name_nl", sa.String(length=100), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_nl", sa.Text(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("response_working_days", sa.Integer(), nullable=False),
        sa.Column("crew_mode", sa.String(length=20), nullable=False),
        sa.Column("cleans_street", sa.Boolean(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        categories,
        [{**row, "position": position, "created_at": now, "updated_at": now} for position, row in enumerate(SEED, 1)],
    )


def downgrade() -> None:
    op.drop_table("report_categories")
