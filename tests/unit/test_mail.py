"""Shop e-mail: what a shopper receives over real SMTP, the .eml files of a demo shop, and `clipper mail test`."""
from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import quote

import pytest

from storefront.domain import mail
from storefront.integrations.mailer import FileMailer, MailError, SmtpMailer, mailer_for
from tests.fakes.smtp import PASSWORD, USERNAME, free_port
from tests.fixtures.factories import make_store


@pytest.fixture
def configure(app, monkeypatch, tmp_path):
    """Change the shop's settings for one test; its instance folder (where .eml files go) is the test's own."""

    def _configure(**changes):
        settings = replace(app.config["CLIPPER"], instance_path=tmp_path, **changes)
        monkeypatch.setitem(app.config, "CLIPPER", settings)
        return settings

    _configure()
    return _configure


def eml_files(settings):
    return sorted((settings.instance_path / "mail").glob("*.eml"))


def read_eml(path):
    return message_from_bytes(path.read_bytes(), policy=default_policy)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("subject", ["ご注文ありがとうございます（注文番号 1001）", "Grüße aus Köln – Bestellung № 1001"])
def test_smtp_delivers_html_and_text_with_a_readable_utf8_subject(smtp_server, subject):
    message = mail.build_message("kunde@example.com", subject, "<p>Grüße, 日本</p>", "Grüße, 日本\n",
                                 sender="Müller & Söhne 商店 <shop@example.com>")

    SmtpMailer(smtp_server.url).send(message)

    [received] = smtp_server.messages
    assert received["Subject"] == subject
    assert received["From"].addresses[0].display_name == "Müller & Söhne 商店"
    assert received.get_content_type() == "multipart/alternative"
    assert text_of(received) == "Grüße, 日本\n"
    assert html_of(received) == "<p>Grüße, 日本</p>\n"
    assert received["Message-ID"].endswith("@example.com>")
    assert received["Date"].datetime.tzinfo is not None


def test_smtp_mailer_signs_in_with_the_user_and_password_of_the_url(smtp_server):
    url = f"smtp://{quote(USERNAME, safe='')}:{quote(PASSWORD, safe='')}@{smtp_server.host}:{smtp_server.port}"

    SmtpMailer(url).send(mail.build_message("a@example.com", "Hi", "<p>Hi</p>", "Hi", sender="shop@example.com"))

    assert smtp_server.logins == [USERNAME]
    assert len(smtp_server.messages) == 1


def test_wrong_smtp_password_is_a_mail_error_that_does_not_show_the_password(smtp_server):
    url = f"smtp://{quote(USERNAME, safe='')}:not-the-password@{smtp_server.host}:{smtp_server.port}"

    with pytest.raises(MailError) as error:
        SmtpMailer(url).send(mail.build_message("a@example.com", "Hi", "<p>Hi</p>", "Hi", sender="shop@example.com"))

    assert "535" in str(error.value)
    assert "not-the-password" not in str(error.value)
    assert smtp_server.messages == []


def test_unreachable_smtp_server_is_a_mail_error_naming_the_server():
    port = free_port()  # nothing listens there any more
    mailer = SmtpMailer(f"smtp://user:secret@127.0.0.1:{port}", timeout=3)

    with pytest.raises(MailError) as error:
        mailer.send(mail.build_message("a@example.com", "Hi", "<p>Hi</p>", "Hi", sender="shop@example.com"))

    assert f"smtp://127.0.0.1:{port}" in str(error.value)
    assert "secret" not in str(error.value)


@pytest.mark.parametrize(
    "url, security, port",
    [("smtp://mail.example.com", "plain", 25), ("smtp+starttls://u:p@mail.example.com", "starttls", 587),
     ("smtps://u:p@mail.example.com", "tls", 465), ("smtps://mail.example.com:2465", "tls", 2465)],
)
def test_mail_url_scheme_chooses_how_the_connection_is_secured(url, security, port):
    mailer = SmtpMailer(url)
    assert (mailer.host, mailer.security, mailer.port) == ("mail.example.com", security, port)


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://mail.example.com:notaport"])
def test_unusable_mail_url_is_a_mail_error(url):
    with pytest.raises(MailError):
        SmtpMailer(url)


def test_demo_shop_without_a_mail_url_writes_each_email_as_an_eml_file(db, store, configure):
    settings = configure(demo=True, mail_url=None)

    mail.send_email("test", "shopper@example.com", "en")

    assert isinstance(mailer_for(settings), FileMailer)
    [path] = eml_files(settings)
    written = read_eml(path)
    assert written["To"] == "shopper@example.com"
    assert written["Subject"] == "Test e-mail from Test Shop"
    assert "This is a test e-mail from Test Shop." in text_of(written)


def test_demo_shop_with_a_mail_url_sends_through_it(db, store, configure, smtp_server):
    settings = configure(demo=True, mail_url=smtp_server.url)

    mail.send_email("test", "shopper@example.com", "en")

    assert not isinstance(mailer_for(settings), FileMailer)
    assert eml_files(settings) == []
    assert [m["To"] for m in smtp_server.messages] == ["shopper@example.com"]


def test_shop_without_a_mail_url_keeps_its_emails_as_files_instead_of_failing(db, store, configure):
    settings = configure(mail_url=None)

    mail.send_email("test", "shopper@example.com", "en")
    mail.send_email("test", "other@example.com", "en")

    assert [read_eml(path)["To"] for path in eml_files(settings)] == ["shopper@example.com", "other@example.com"]


@pytest.mark.parametrize(
    "locale, subject, sentence",
    [
        ("de", "Test-E-Mail von Test Shop", "Dies ist eine Test-E-Mail von Test Shop."),
        ("fr", "E-mail de test de Test Shop", "Ceci est un e-mail de test de Test Shop."),
        ("es", "Correo electrónico de prueba de Test Shop", "Este es un correo electrónico de prueba de Test Shop."),
        ("ja", "Test Shopからのテストメール", "これはTest Shopからのテストメールです。"),
        ("zh-CN", "来自Test Shop的测试邮件", "这是一封来自Test Shop的测试邮件。"),
    ],
)
def test_shopper_reads_the_email_in_their_language(db, store, configure, smtp_server, locale, subject, sentence):
    configure(mail_url=smtp_server.url)

    mail.send_email("test", "shopper@example.com", locale)

    [received] = smtp_server.messages
    assert received["Subject"] == subject
    assert sentence in text_of(received)
    assert sentence in html_of(received)
    assert f'<html lang="{locale}">' in html_of(received)


def test_german_email_footer_gives_the_shops_contact_in_german(db, configure, smtp_server):
    make_store(db.session, contact_email="hallo@laden.example", contact_phone="+49 30 123456",
               legal_name="Laden GmbH", address={"address1": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin",
                                                 "country_code": "DE"})
    configure(mail_url=smtp_server.url)

    mail.send_email("test", "kunde@example.com", "de")

    [received] = smtp_server.messages
    assert received["Reply-To"] == "hallo@laden.example"
    text = text_of(received)
    assert "Diese E-Mail wurde von Test Shop gesendet." in text
    assert "Fragen? Schreiben Sie uns an hallo@laden.example." in text
    assert "Telefon: +49 30 123456" in text
    assert "Laden GmbH, Hauptstraße 1, 10115, Berlin, DE" in text
    assert '<a href="mailto:hallo@laden.example"' in html_of(received)


def test_email_is_sent_from_the_configured_address_under_the_store_name(db, store, configure, smtp_server):
    configure(mail_url=smtp_server.url, mail_sender="orders@shop.example")

    mail.send_email("test", "shopper@example.com", "en")

    [received] = smtp_server.messages
    [sender] = received["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Test Shop", "orders@shop.example")


def test_store_name_is_escaped_in_html_and_plain_in_text(db, configure):
    make_store(db.session, name="Tom & Jerry <Toys>")
    configure()

    subject, html, text = mail.render_email("test", "en")

    assert subject == "Test e-mail from Tom & Jerry <Toys>"
    assert "This is a test e-mail from Tom &amp; Jerry &lt;Toys&gt;." in html
    assert "This is a test e-mail from Tom & Jerry <Toys>." in text


def test_email_links_to_the_public_shop_in_the_shoppers_language(db, store, configure):
    configure(public_url="https://shop.example")

    _, html, text = mail.render_email("test", "de")

    assert "https://shop.example/de/" in text
    assert 'href="https://shop.example/de/"' in html


def test_email_for_an_unknown_language_falls_back_to_the_stores_language(db, configure):
    make_store(db.session, default_locale="de")
    configure()

    subject, _, _ = mail.render_email("test", "xx")

    assert subject == "Test-E-Mail von Test Shop"


@pytest.mark.parametrize("to", ["not-an-address", "a@example.com\r\nBcc: victim@example.com"])
def test_message_to_a_bad_address_is_refused(to):
    with pytest.raises(MailError):
        mail.build_message(to, "Hi", "<p>Hi</p>", "Hi", sender="shop@example.com")


def test_queued_email_outside_a_request_is_sent_right_away(db, store, configure, smtp_server):
    configure(mail_url=smtp_server.url)

    mail.enqueue_email("test", "shopper@example.com", "ja")

    [received] = smtp_server.messages
    assert received["Subject"] == "Test Shopからのテストメール"


def test_queued_email_refuses_database_objects_in_its_context(db, store, configure, smtp_server):
    configure(mail_url=smtp_server.url)

    with pytest.raises(TypeError, match="plain JSON"):
        mail.enqueue_email("test", "shopper@example.com", "en", store=store)

    assert smtp_server.messages == []


def test_clipper_mail_test_sends_a_test_email_to_the_address_given(runner, store, configure, smtp_server):
    configure(mail_url=smtp_server.url)

    result = runner.invoke(args=["mail", "test", "owner@example.com", "--locale", "de"])

    assert result.exit_code == 0, result.output
    assert f"Sent a test e-mail to owner@example.com via {smtp_server.url}" in result.output
    [received] = smtp_server.messages
    assert received["To"] == "owner@example.com"
    assert received["Subject"] == "Test-E-Mail von Test Shop"


def test_clipper_mail_test_without_a_mail_server_says_where_the_file_went(runner, store, configure):
    settings = configure(mail_url=None)

    result = runner.invoke(args=["mail", "test", "owner@example.com"])

    assert result.exit_code == 0, result.output
    assert f"via files in {settings.instance_path / 'mail'}" in result.output
    assert len(eml_files(settings)) == 1


def test_clipper_mail_test_reports_an_unreachable_server_in_one_line(runner, store, configure):
    configure(mail_url=f"smtp://127.0.0.1:{free_port()}")

    result = runner.invoke(args=["mail", "test", "owner@example.com"])

    assert result.exit_code == 2
    assert result.output.startswith("Error: could not send e-mail through smtp://127.0.0.1:")
    assert "Traceback" not in result.output


def test_clipper_mail_test_before_the_store_exists_says_to_set_it_up(runner, configure):
    result = runner.invoke(args=["mail", "test", "owner@example.com"])

    assert result.exit_code == 2
    assert "the store has not been set up yet" in result.output
