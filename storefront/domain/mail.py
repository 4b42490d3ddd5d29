"""Shop e-mails: rendered with the store's theme in the shopper's language, built as HTML + text, and sent.

An e-mail is a pair of templates, `emails/<name>.html` and `emails/<name>.txt`, found like any shop template
(the active theme first, then `default`); both usually extend `emails/base.*`. The subject is the text
template's `{% block subject %}`: rendered on its own, whitespace collapsed to one line, and handed to both
templates as `subject` (the HTML layout uses it as its <title>). Templates also get `store` (the store
settings), `locale`, `html_lang`, `money(amount, currency)` formatted for the shopper, and the caller's context;
`url_for(..., _external=True)` links to CLIPPER_PUBLIC_URL in the shopper's language.

Sending from a request or a job goes through `enqueue_email()`, whose context must be plain JSON values:
ids and tokens, never ORM objects, because an RQ worker runs the job later in another process. E-mails about
an order (confirmation, refund) are queued as a job of the orders domain taking the order token; that job loads
the order when it runs and calls `send_email(..., order=order)`, so the e-mail shows what is true when it goes.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import datetime, timezone
from email.headerregistry import Address, BaseHeader, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid, parseaddr
from functools import partial
from typing import Any, Iterator

from flask import current_app, g
from flask_babel import force_locale
from jinja2 import Template

from storefront.domain import jobs
from storefront.domain.money import format_money
from storefront.domain.seo import locale_path
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.integrations.mailer import MailError, mailer_for
from storefront.models import StoreSettings

SUBJECT_BLOCK = "subject"
# Where `clipper demo` serves by default: the root of links when CLIPPER_PUBLIC_URL is not set.
LOCAL_SHOP_URL = "http://127.0.0.1:8000"
# Our locale codes whose Babel name is not simply "-" → "_".
BABEL_LOCALE_NAMES = {"zh-CN": "zh_Hans_CN"}
_BLANK_LINES = re.compile(r"\n{3,}")


def babel_locale_name(locale: str) -> str:
    return BABEL_LOCALE_NAMES.get(locale, locale.replace("-", "_"))


def render_email(template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """(subject, html, text) of `emails/<template>` for a shopper reading `locale`."""
    store = load_store_settings(db.session)
    if locale not in current_app.config["CLIPPER"].locales:
        locale = store.default_locale
    values = {"store": store, "locale": locale, "html_lang": locale, "money": partial(format_money, locale=locale),
              **context}
    with _as_shopper(store, locale):
        environment = current_app.jinja_env
        text_template = environment.get_template(f"emails/{template}.txt")
        subject = _render_subject(text_template, values)
        text = text_template.render(values, subject=subject)
        html = environment.get_template(f"emails/{template}.html").render(values, subject=subject)
    return subject, html, _tidy_text(text)


@contextmanager
def _as_shopper(store: StoreSettings, locale: str) -> Iterator[None]:
    """Render as the shop would for this shopper, wherever we are (job, CLI, view): the store's theme (the
    theme loader reads it from `g` in a request), the shopper's language, and a request on the shop's public
    URL in that language so that templates can build absolute links."""
    app = current_app._get_current_object()
    root = (app.config["CLIPPER"].public_url or LOCAL_SHOP_URL).rstrip("/")
    base_url = root + locale_path("/", locale, store.default_locale)
    with app.test_request_context(base_url=base_url), force_locale(babel_locale_name(locale)):
        # A request context pushed inside an app context shares its `g`: put back what the caller had.
        previous = g.get("theme")
        g.theme = store.theme
        try:
            yield
        finally:
            if previous is None:
                g.pop("theme", None)
            else:
                g.theme = previous


def _render_subject(template: Template, values: dict[str, Any]) -> str:
    block = template.blocks.get(SUBJECT_BLOCK)
    if block is None:
        raise LookupError(f"{template.name} has no {{% block {SUBJECT_BLOCK} %}}: every e-mail needs a subject")
    return " ".join("".join(block(template.new_context(values))).split())


def _tidy_text(text: str) -> str:
    """Template tags leave trailing spaces and runs of blank lines behind; a text e-mail should have neither."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines) + "\n"


def build_message(to: str, subject: str, html: str, text: str, sender: str,
                  reply_to: str | None = None, headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative UTF-8 message (text first, HTML preferred by mail programs that show it);
    `headers` adds more, such as List-Unsubscribe on marketing e-mails."""
    for address in (to, sender, reply_to):
        if address is not None and "@" not in parseaddr(address)[1]:
            raise MailError(f"{address!r} is not an e-mail address")
    message = EmailMessage()
    try:
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = to
        if reply_to:
            message["Reply-To"] = reply_to
        for name, value in (headers or {}).items():
            message[name] = _extra_header(name, value)
    except ValueError as exc:  # a line break in a header value: never let one through
        raise MailError(f"invalid e-mail header: {exc}") from None
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer
    message.set_content(text, charset="utf-8")
    html_part = MIMEPart()  # not add_alternative(): that gives the part a MIME-Version of its own
    html_part.set_content(html, subtype="html", charset="utf-8")
    message.make_alternative()
    message.attach(html_part)
    return message


class VerbatimHeader(UnstructuredHeader, BaseHeader):
    """A header written on one line as given. The default policy folds a long unbroken value (a URL) into RFC 2047
    encoded words, which mail programs do not decode in List-Unsubscribe: its <URL> must arrive as it is."""

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _extra_header(name: str, value: str) -> str | VerbatimHeader:
    if "\r" in value or "\n" in value:  # a header object skips the policy's own check for these
        raise ValueError(f"a line break in the {name} header")
    return VerbatimHeader(name, value) if value.isascii() else value


def sender_address(store: StoreSettings) -> str:
    """CLIPPER_MAIL_SENDER, shown under the store's name unless it carries a name of its own."""
    configured = current_app.config["CLIPPER"].mail_sender
    name, address = parseaddr(configured)
    if name or "@" not in address:
        return configured
    return str(Address(display_name=store.name, addr_spec=address))


def send_email(template: str, to: str, locale: str, *, headers: dict[str, str] | None = None,
               **context: Any) -> EmailMessage:
    """Render `emails/<template>` for `to` in `locale` and send it now through the configured mailer."""
    store = load_store_settings(db.session)
    subject, html, text = render_email(template, locale, **context)
    message = build_message(to, subject, html, text, sender=sender_address(store), reply_to=store.contact_email,
                            headers=headers)
    mailer_for(current_app.config["CLIPPER"]).send(message)
    return message


def send_email_job(template: str, to: str, locale: str, context: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> None:
    """The job `enqueue_email` queues: arguments are plain JSON values, so RQ can carry them to a worker."""
    send_email(template, to, locale, headers=headers, **(context or {}))


def enqueue_email(template: str, to: str, locale: str, *, headers: dict[str, str] | None = None,
                  **context: Any) -> None:
    """Send in the background (after the response, or on the RQ worker); `context` holds ids and tokens."""
    try:
        json.dumps(context)
    except TypeError as exc:
        raise TypeError(f"e-mail context must be plain JSON values such as ids and tokens ({exc})") from None
    jobs.enqueue(send_email_job, template, to, locale, context, dict(headers) if headers else None)
