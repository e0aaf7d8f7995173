"""Report categories: anyone reads them in their language; the admin adds, edits and retires them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from kernel.auth import Principal, Role, require_roles
from kernel.mail import FALLBACK_LANGUAGE, language_from_accept, normalise_language
from kernel.responses import from_row
from kernel.service_app import SessionDep
from services.reports.categories import service
from services.reports.categories.rules import Category
from services.reports.categories.schemas import (
    AttributeOut,
    CategoryAdmin,
    CategoryCreate,
    CategoryFields,
    CategoryOut,
    CategoryPatch,
    ValueOut,
)

router = APIRouter(prefix="/api/v1/reports", tags=["categories"])
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
LangQuery = Annotated[str | None, Query(max_length=10, description="nl or en (default: Accept-Language, else en)")]


def asked_language(request: Request, lang: LangQuery = None) -> str:
    if lang:
        return normalise_language(lang)
    return language_from_accept(request.headers.get("accept-language")) or FALLBACK_LANGUAGE


LanguageDep = Annotated[str, Depends(asked_language)]


def public(category: Category, language: str) -> CategoryOut:
    """The category with its names, questions and answers in one language."""
    return from_row(
        CategoryOut,
        category,
        name=category.name_in(language),
        description=category.description_in(language),
        attributes=[
            from_row(
                AttributeOut,
                a,
                description=a.description_in(language),
                values=[from_row(ValueOut, v, name=v.name_in(language)) for v in a.values],
            )
            for a in category.attributes
        ],
    )


def admin_view(category: Category, reports: int) -> CategoryAdmin:
    return from_row(CategoryAdmin, category, reports=reports)


@router.get("/categories", response_model=list[CategoryOut])
def categories(session: SessionDep, language: LanguageDep) -> list[CategoryOut]:
    """What a resident can report, names and questions in the asker's language (`lang`, Accept-Language)."""
    return [public(c, language) for c in service.active(session)]


@router.get("/categories/all", response_model=list[CategoryAdmin])
def all_categories(session: SessionDep, _: AdminDep) -> list[CategoryAdmin]:
    """Admin: every category with both languages, retired ones too, and how many reports use each."""
    return [admin_view(c, used) for c, used in service.with_usage(session)]


@router.post("/categories", status_code=201, response_model=CategoryAdmin)
def add_category(body: CategoryCreate, session: SessionDep, _: AdminDep, language: LanguageDep) -> CategoryAdmin:
    """Admin: a new category, offered to residents and Open311 apps from now on."""
    return admin_view(service.create(session, body, language), 0)


@router.put("/categories/{code}", response_model=CategoryAdmin)
def replace_category(
    code: str, body: CategoryFields, session: SessionDep, _: AdminDep, language: LanguageDep
) -> CategoryAdmin:
    """Admin: every field anew. A new response target applies to reports filed from now on."""
    category = service.replace(session, code, body, language)
    return admin_view(category, service.usage(session, code))


@router.patch("/categories/{code}", response_model=CategoryAdmin)
def change_category(
    code: str, body: CategoryPatch, session: SessionDep, _: AdminDep, language: LanguageDep
) -> CategoryAdmin:
    """Admin: only the fields sent; `{"retired": true}` stops offering it (its reports keep it)."""
    category = service.change(session, code, body, language)
    return admin_view(category, service.usage(session, code))


@router.delete("/categories/{code}", status_code=204)
def delete_category(code: str, session: SessionDep, _: AdminDep, language: LanguageDep) -> Response:
    """Admin: delete a category no report uses (a typo); one in use is refused — retire it instead."""
    service.delete(session, code, language)
    return Response(status_code=204)
