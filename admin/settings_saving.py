"""How a settings form is saved: the service call and commit, then a flash; or its problems back on the form."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from admin.settings_forms import problem_text
from storefront.domain.store_admin.errors import InvalidSettings, Problem, StaleSettings
from storefront.domain.store_admin.events import Editor
from storefront.extensions import db

INVALID = 422
STALE = 409


def editor() -> Editor:
    return Editor(staff_user_id=current_user.id, ip_address=request.remote_addr)


def show_problems(form: FlaskForm, problems: tuple[Problem, ...]) -> dict[str, list[str]]:
    """Put each problem under its field; returns those for inputs the form class does not declare (a theme's
    schema fields), by input name. Problems of the edit as a whole go to `form.form_errors`."""
    loose: dict[str, list[str]] = {}
    for problem in problems:
        message = problem_text(problem)
        if problem.field is None:
            form.form_errors.append(message)
        elif problem.field in form:
            form[problem.field].errors = [*form[problem.field].errors, message]
        else:
            loose.setdefault(problem.field, []).append(message)
    return loose


def save(form: FlaskForm, action: Callable[[], Any], *, saved: str) -> tuple[int | None, dict[str, list[str]]]:
    """Validate `form` and run `action` (one service call). Returns (None, {}) once saved and committed, else the
    status to re-render with (200 for a first view, 422 invalid, 409 stale) and any errors of undeclared inputs."""
    if not form.validate_on_submit():
        return (INVALID if form.is_submitted() else 200), {}
    try:
        action()
    except InvalidSettings as error:
        db.session.rollback()
        return INVALID, show_problems(form, error.problems)
    except StaleSettings:
        db.session.rollback()
        form.form_errors.append(_("Someone else saved the store settings while you were editing. Nothing was "
                                  "changed: reload the page to see their changes, then make yours again."))
        return STALE, {}
    db.session.commit()
    flash(saved, "success")
    return None, {}


def refuse(problems: tuple[Problem, ...]) -> None:
    """For button-only actions (delete): say why it was refused."""
    for problem in problems:
        flash(problem_text(problem), "error")
