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
