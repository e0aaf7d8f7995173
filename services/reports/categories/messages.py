"""What the categories domain says to people, in Dutch and English (the asker's language)."""

from __future__ import annotations

from typing import Any

from kernel.mail import normalise_language

MESSAGES: dict[str, dict[str, str]] = {
    "unknown_category": {
        "en": "unknown category {code!r}; choose one of {choices}",
        "nl": "onbekende categorie {code!r}; kies uit {choices}",
    },
    "retired_category": {
        "en": "the category {code!r} is retired and no longer accepts reports; choose one of {choices}",
        "nl": "de categorie {code!r} is opgeheven en neemt geen meldingen meer aan; kies uit {choices}",
    },
    "answer_required": {
        "en": "attribute {code!r} is required: {question}",
        "nl": "vraag {code!r} moet beantwoord worden: {question}",
    },
    "answer_not_listed": {
        "en": "attribute {code!r}: {value!r} is not one of {choices}",
        "nl": "vraag {code!r}: {value!r} is geen van {choices}",
    },
    "answer_not_number": {
        "en": "attribute {code!r} must be a number",
        "nl": "vraag {code!r} moet een getal zijn",
    },
    "no_such_question": {
        "en": "{category} has no attribute {code!r}",
        "nl": "{category} heeft geen vraag {code!r}",
    },
    "not_found": {
        "en": "there is no category {code!r}",
        "nl": "er is geen categorie {code!r}",
    },
    "code_format": {
        "en": "the code {code!r} must be 2 to 40 lowercase letters, digits or _ and start with a letter",
        "nl": "de code {code!r} moet uit 2 tot 40 kleine letters, cijfers of _ bestaan en met een letter beginnen",
    },
    "code_taken": {
        "en": "a category with the code {code!r} already exists; edit it instead",
        "nl": "er bestaat al een categorie met de code {code!r}; pas die aan",
    },
    "name_required": {
        "en": "{field} is required: give the name in Dutch and in English",
        "nl": "{field} is verplicht: geef de naam in het Nederlands en in het Engels",
    },
    "severity_range": {
        "en": "severity must be 1 (minor) to 5 (dangerous), not {value}",
        "nl": "ernst moet 1 (gering) tot 5 (gevaarlijk) zijn, niet {value}",
    },
    "target_range": {
        "en": "the response target must be 0 to 60 working days, not {value}",
        "nl": "de reactietermijn moet 0 tot 60 werkdagen zijn, niet {value}",
    },
    "crew_mode": {
        "en": "crew_mode must be one of {choices}, not {value!r}",
        "nl": "crew_mode moet een van {choices} zijn, niet {value!r}",
    },
    "datatype": {
        "en": "question {code!r}: datatype must be one of {choices}, not {value!r}",
        "nl": "vraag {code!r}: datatype moet een van {choices} zijn, niet {value!r}",
    },
    "question_text": {
        "en": "question {code!r} needs its text in Dutch and in English",
        "nl": "vraag {code!r} heeft de tekst in het Nederlands en in het Engels nodig",
    },
    "values_needed": {
        "en": "question {code!r} is a list: give at least one answer to choose from",
        "nl": "vraag {code!r} is een keuzelijst: geef minstens één antwoord om uit te kiezen",
    },
    "values_not_allowed": {
        "en": "question {code!r} is a {datatype}: answers to choose from only go with a list",
        "nl": "vraag {code!r} is een {datatype}: keuzeantwoorden horen alleen bij een keuzelijst",
    },
    "value_name": {
        "en": "question {code!r}: answer {key!r} needs a key and its name in Dutch and in English",
        "nl": "vraag {code!r}: antwoord {key!r} heeft een sleutel en een naam in het Nederlands en Engels nodig",
    },
    "duplicate_question": {
        "en": "the question code {code!r} is used twice",
        "nl": "de vraagcode {code!r} komt twee keer voor",
    },
    "duplicate_value": {
        "en": "question {code!r}: the answer {key!r} is listed twice",
        "nl": "vraag {code!r}: het antwoord {key!r} staat er twee keer in",
    },
    "in_use": {
        "en": "{count} report(s) use the category {code!r}, so it cannot be deleted; retire it instead "
        "(PATCH with retired: true)",
        "nl": "{count} melding(en) gebruiken de categorie {code!r}, dus verwijderen kan niet; hef hem op "
        "(PATCH met retired: true)",
    },
    "last_active": {
        "en": "{code!r} is the last category residents can choose; add another before retiring it",
        "nl": "{code!r} is de laatste categorie waaruit bewoners kunnen kiezen; voeg eerst een andere toe",
    },
}


def say(message: str, language: str, **values: Any) -> str:
    """The message `message` in `language` (nl or en; English for anything else), placeholders filled."""
    texts = MESSAGES[message]
    return texts.get(normalise_language(language), texts["en"]).format(**values)
