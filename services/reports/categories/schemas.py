from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ValueIn(BaseModel):
    key: str = Field(max_length=40)
    name_en: str = Field(max_length=100)
    name_nl: str = Field(max_length=100)


class AttributeIn(BaseModel):
    """A question the category asks (an Open311 service attribute)."""

    code: str = Field(max_length=40)
    datatype: str = Field(
        default="string", max_length=20, description="string, number, datetime, text, singlevaluelist, multivaluelist"
    )
    required: bool = False
    description_en: str = Field(max_length=300, description="the question in English")
    description_nl: str = Field(max_length=300, description="the question in Dutch")
    datatype_description: str = Field(default="", max_length=300)
    values: list[ValueIn] = Field(default_factory=list, max_length=50, description="answers to choose from (lists)")


class CategoryFields(BaseModel):
    name_en: str = Field(max_length=100)
    name_nl: str = Field(max_length=100)
    description_en: str = Field(default="", max_length=1000)
    description_nl: str = Field(default="", max_length=1000)
    severity: int = Field(description="1 (minor) to 5 (dangerous)")
    response_working_days: int = Field(description="the response target in working days (0 to 60)")
    crew_mode: str = Field(default="foot", max_length=20, description="foot, sweeper or bulky")
    cleans_street: bool = Field(default=True, description="a street-cleaning visit resolves these reports")
    keywords: list[str] = Field(default_factory=list, max_length=30)
    attributes: list[AttributeIn] = Field(default_factory=list, max_length=20, description="the questions, in order")


class CategoryCreate(CategoryFields):
    code: str = Field(max_length=40, description="lowercase letters, digits and _; never changes")


class CategoryPatch(BaseModel):
    """Only the fields sent change. `retired: true` stops offering the category; `false` offers it again."""

    name_en: str | None = Field(default=None, max_length=100)
    name_nl: str | None = Field(default=None, max_length=100)
    description_en: str | None = Field(default=None, max_length=1000)
    description_nl: str | None = Field(default=None, max_length=1000)
    severity: int | None = None
    response_working_days: int | None = None
    crew_mode: str | None = Field(default=None, max_length=20)
    cleans_street: bool | None = None
    keywords: list[str] | None = Field(default=None, max_length=30)
    attributes: list[AttributeIn] | None = Field(default=None, max_length=20)
    retired: bool | None = None


class ValueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str


class AttributeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    description: str
    datatype: str
    required: bool
    values: list[ValueOut]


class CategoryOut(BaseModel):
    """A category as residents see it, in the asker's language (`name`, `description`, the questions)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str
    name_en: str
    name_nl: str
    severity: int
    response_working_days: int
    attributes: list[AttributeOut]


class ValueAdmin(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name_en: str
    name_nl: str


class AttributeAdmin(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    datatype: str
    required: bool
    description_en: str
    description_nl: str
    datatype_description: str
    values: list[ValueAdmin]


class CategoryAdmin(BaseModel):
    """Everything the admin manages, both languages, retired ones too."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name_en: str
    name_nl: str
    description_en: str
    description_nl: str
    severity: int
    response_working_days: int
    crew_mode: str
    cleans_street: bool
    keywords: list[str]
    attributes: list[AttributeAdmin]
    retired: bool
    reports: int = Field(description="how many reports use it (a used category is retired, not deleted)")
