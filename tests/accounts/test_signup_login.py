import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from komeji.accounts.models import User
from tests.factories import PASSWORD, UserFactory


def wait_for_mail(count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mail.outbox) >= count, f"expected {count} e-mails, got {len(mail.outbox)}"


@pytest.mark.django_db(transaction=True)
def test_sign_up_verify_and_log_in(client, celery_worker):
    mail.outbox.clear()
    response = client.post(
        "/akun/signup/",
        {
            "full_name": "Rina Wulandari",
            "email": "Rina@Contoh.id",
            "phone": "0812-3456-7890",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/akun/confirm-email/"
    user = User.objects.get(email__iexact="rina@contoh.id")
    assert user.full_name == "Rina Wulandari"
    assert user.phone == "+6281234567890"
    assert not EmailAddress.objects.get(user=user).verified

    # Unverified: logging in is refused (mandatory verification) and sends the link again.
    client.logout()
    response = client.post("/akun/login/", {"login": "rina@contoh.id", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/akun/confirm-email/"
    assert "_auth_user_id" not in client.session

    # The verification e-mail is sent by the Celery worker, in Indonesian.
    wait_for_mail(1)
    message = mail.outbox[0]
    assert message.to == ["rina@contoh.id"]
    assert "Konfirmasi" in message.subject or "konfirmasi" in message.body.lower()
    link = re.search(r"https?://[^/\s]+(/akun/confirm-email/[^\s]+/)", message.body).group(1)

    page = client.get(link)
    assert page.status_code == 200
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post("/akun/login/", {"login": "rina@contoh.id", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_sign_up_refuses_a_bad_phone_and_creates_nobody(client):
    response = client.post(
        "/akun/signup/",
        {
            "full_name": "Rina",
            "email": "rina@contoh.id",
            "phone": "12345",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "nomor HP Indonesia" in response.content.decode()
    assert not User.objects.filter(email="rina@contoh.id").exists()


@pytest.mark.django_db
def test_six_wrong_passwords_are_throttled(client):
    UserFactory(email="budi@contoh.id")
    for _ in range(5):
        response = client.post("/akun/login/", {"login": "budi@contoh.id", "password": "salah"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    # The sixth attempt is refused even with the right password.
    response = client.post("/akun/login/", {"login": "budi@contoh.id", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Terlalu banyak" in response.content.decode()


@pytest.mark.django_db
def test_admin_login_goes_through_the_throttled_form(client):
    UserFactory(email="staf@contoh.id", is_staff=True)
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get("/admin/login/?next=/admin/")
    assert login.status_code == 302
    assert login["Location"].startswith("/akun/login/")
    for _ in range(5):
        client.post("/akun/login/", {"login": "staf@contoh.id", "password": "salah"})
    response = client.post("/akun/login/", {"login": "staf@contoh.id", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_login_page_is_in_indonesian_by_default(client):
    html = client.get("/akun/login/").content.decode()
    assert 'lang="id"' in html
    assert "Masuk" in html
    assert "Layanan pengaduan konsumen" in html
