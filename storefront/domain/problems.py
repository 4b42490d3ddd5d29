"""What to fix in a refused form: one `Problem` per field, collected by `Problems` so the owner sees them all at
once rather than one per try. Each area names its own error codes (an enum) and its own `Invalid` subclass."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Problem:
    """One thing to fix: `field` names the input (None: the request as a whole), `code` is the area's error code."""

    field: str | None
    code: enum.Enum
    params: dict[str, Any] = field(default_factory=dict)


class Invalid(ValueError):
    """The change was refused and nothing was written; `problems` says what to fix, field by field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.code.value}" for p in problems))
        self.problems = tuple(problems)


class Problems:
    """Collects every problem of a form; `raise_if_any` refuses the change with the area's `error`."""

    error: ClassVar[type[Invalid]] = Invalid

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field_name: str | None, code: enum.Enum, /, **params: Any) -> None:
        self.items.append(Problem(field_name, code, params))

    def has(self, field_name: str) -> bool:
        return any(p.field == field_name for p in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error(self.items)
