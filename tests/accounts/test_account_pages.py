import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from komeji.accounts.models import User
from komeji.common.models import OutgoingEmail
from komeji.common.tasks import email_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send_queued_emails() -> None:
    """What the worker does; run inline here (the worker itself is covered elsewhere)."""
    for pk in OutgoingEmail.objects.filter(status="pending").values_list("pk", flat=True):
        email_send.run(pk)


def test_password_reset_by_email(client):
    user = UserFactory(email="lupa@contoh.id")
    mail.outbox.clear()
    response = client.post("/akun/password/reset/", {"email": "lupa@contoh.id"})
    assert response.status_code == 302
    send_queued_emails()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/akun/password/reset/key/[^\s]+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1))["Location"]
    new_password = "kata-Sandi-Baru-2026"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_email_changes_nothing(client):
    mail.outbox.clear()
    response = client.post("/akun/password/reset/", {"email": "tidakada@contoh.id"})
    assert response.status_code == 302
    send_queued_emails()
    # allauth tells an unknown address that it has no account (no account is created), so the
    # page does not reveal which addresses are registered.
    assert [m.to for m in mail.outbox] == [["tidakada@contoh.id"]]
    assert "/akun/password/reset/key/" not in mail.outbox[0].body
    assert not EmailAddress.objects.filter(email="tidakada@contoh.id").exists()
    assert not User.objects.filter(email="tidakada@contoh.id").exists()


def test_change_of_email_needs_verification_of_the_new_address(client):
    user = UserFactory(email="lama@contoh.id")
    client.force_login(user)
    mail.outbox.clear()
    response = client.post("/akun/email/", {"action_add": "", "email": "baru@contoh.id"})
    assert response.status_code == 302
    send_queued_emails()
    assert [m.to for m in mail.outbox] == [["baru@contoh.id"]]
    user.refresh_from_db()
    assert user.email == "lama@contoh.id"  # unchanged until the new address is verified
    assert not EmailAddress.objects.get(email="baru@contoh.id").verified


@pytest.mark.parametrize(
    "path",
    ["/akun/login/", "/akun/signup/", "/akun/password/reset/", "/bantuan/pengaduan/", "/"],
)
def test_public_pages_render_in_indonesian(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="id"' in html
    assert "Layanan pengaduan konsumen" in html
    assert "Sign In" not in html and "Sign Up" not in html


def test_profile_update_and_bad_phone_is_refused(client):
    user = UserFactory(full_name="Lama", phone="+6281200000001")
    client.force_login(user)
    response = client.post("/akun/profil/", {"full_name": "Nama Baru", "phone": "0812 9999 0000"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Nama Baru", "+6281299990000")

    response = client.post("/akun/profil/", {"full_name": "Lain", "phone": "999"})
    assert response.status_code == 200
    assert "nomor HP Indonesia" in response.content.decode()
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Nama Baru", "+6281299990000")
