import pytest

pytestmark = pytest.mark.django_db


def test_indonesian_by_default_even_for_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "id"
    assert 'lang="id"' in html
    assert "Belanja langsung dari UMKM Jawa Timur" in html


def test_the_switcher_choice_is_kept(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Shop directly from East Java" in html
    assert "Consumer complaint service" in html


def test_an_unknown_language_cookie_falls_back_to_indonesian(client):
    client.cookies["django_language"] = "fr"
    assert 'lang="id"' in client.get("/").content.decode()


def test_rupiah_and_wib_filters():
    import datetime as dt

    from komeji.common.templatetags.komeji import rupiah, wib

    assert rupiah(1_250_000) == "Rp 1.250.000"
    assert rupiah(None) == ""
    moment = dt.datetime(2026, 11, 28, 7, 5, tzinfo=dt.UTC)
    assert wib(moment) == "28 Nov 2026, 14.05 WIB"


def test_a_signed_in_users_choice_follows_them_to_a_new_device(client):
    from django.test import Client

    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"

    other_device = Client()
    other_device.force_login(user)
    assert 'lang="en"' in other_device.get("/").content.decode()


def test_setlang_refuses_get_and_unknown_languages(client):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    assert client.get("/i18n/setlang/?language=en").status_code == 405
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "id"


def test_notification_email_is_in_the_recipients_language(django_capture_on_commit_callbacks):
    from komeji.common.models import OutgoingEmail
    from komeji.common.services import notification_send
    from tests.factories import UserFactory

    english = UserFactory(full_name="Jane Doe", language="en")
    indonesian = UserFactory(full_name="Siti Rahayu", language="id")
    with django_capture_on_commit_callbacks(execute=False):
        notification_send(recipient=english, kind="x", title="Order paid")
        notification_send(recipient=indonesian, kind="x", title="Pesanan dibayar")
    assert OutgoingEmail.objects.get(to=english.email).body_text.startswith("Hello Jane")
    assert OutgoingEmail.objects.get(to=indonesian.email).body_text.startswith("Halo Siti")
