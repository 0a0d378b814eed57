"""Write resolved values into a blank PDF form with pypdf. NeedAppearances is set so every viewer draws the
values (pypdf's generated appearance streams are not what every viewer shows). Blank forms are read from
the package (knowledge/forms/) or a clinic's pack directory, never from anywhere else at run time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, NameObject

BUILTIN_FORMS_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "forms"


def form_path(pdf: str, extra_dirs: Sequence[Path | str] = ()) -> Path:
    """The blank form's file: built-in first, then each of the clinic's pack directories."""
    for folder in (BUILTIN_FORMS_DIR, *map(Path, extra_dirs)):
        candidate = folder / pdf
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the blank form {pdf!r} is not in the built-in forms or the clinic's pack directories")


def fill(blank: Path, values: Mapping[str, str]) -> bytes:
    """The form with `values` (PDF field name -> text) written in; fields not named stay blank."""
    writer = PdfWriter(clone_from=PdfReader(blank))
    for page in writer.pages:
        names = {annot.get_object().get("/T") for annot in page.get("/Annots", []) or []}
        on_page = {name: value for name, value in values.items() if name in names}
        if on_page:
            writer.update_page_form_field_values(page, on_page, auto_regenerate=False)
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = BooleanObject(True)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
