"""How much text a person may type into one field. Every free-text input is bounded here, on the server,
whatever the page lets through: a form (or a script posing as one) can neither fill the database and the
append-only audit trail nor slow every page that shows the text. The imports bound their cells the same
way (:data:`CELL`, used by :mod:`core.importer`)."""

from __future__ import annotations

NAME = 100  # a person's or an account's name, a contact, a telephone number
FILE_NAME = 255  # the name of an uploaded file, as file systems allow
LINE = 500  # one line: a title, a caption, a document number, a short reason
CELL = 2_000  # one cell of an imported table, one field of the register or the inspector register
TEXT = 5_000  # a paragraph written on a form: problems found, opinions, a reason given
SECTION = 50_000  # a section of the provincial report, the body of a letter


def too_long(label: str, text: object, limit: int) -> str | None:
    """Why ``text`` may not be stored in the field ``label`` (None when it may)."""
    if isinstance(text, str) and len(text) > limit:
        return f"“{label}”过长（共 {len(text)} 字，最多 {limit} 字），没有保存。请精简后再保存，较长的说明可另附材料。"
    return None


def check(error: type[Exception], *fields: tuple[str, object, int]) -> None:
    """Raise ``error`` (the module's own refusal, with the Chinese message) for the first of ``fields``
    — (label, text, limit) — that is too long."""
    for label, text, limit in fields:
        message = too_long(label, text, limit)
        if message:
            raise error(message)
