"""One error shape for the whole API: which field, which rule, and a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldProblem:
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class DomainError(Exception):
    """Base for errors a user can fix; views turn these into the standard error body."""

    status_code = 400

    def __init__(self, problems: list[FieldProblem] | FieldProblem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404

    def __init__(self, what: str, ident: object):
        super().__init__(FieldProblem(what, "exists", f"No {what} with id {ident}"))


class StaleWrite(DomainError):
    """Someone saved the row after this user loaded it; nothing was overwritten."""

    status_code = 409

    def __init__(self, what: str, expected: int, actual: int):
        super().__init__(
            FieldProblem(
                "version",
                "current_version",
                f"This {what} was changed by someone else (you edited version {expected}, "
                f"it is now version {actual}). Reload it and apply your change again.",
            )
        )


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    status_code = 403

    def __init__(self, permission: str):
        from painpath.core.auth.roles import permission_refusal  # roles knows the words; imported here to keep errors import-light

        super().__init__(FieldProblem("permission", permission, permission_refusal(permission)))


def error_body(problems: list[FieldProblem]) -> dict:
    return {"errors": [p.as_dict() for p in problems]}
