"""The paperwork slice's tables, gathered for Alembic and the app (each topic keeps its own module)."""

from painpath.paperwork.form_models import FormRequest  # noqa: F401
