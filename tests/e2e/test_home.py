import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_language_switch_and_complaint_contact(page: Page, live_server, settings):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Belanja langsung")

    footer = page.get_by_test_id("complaint-contact")
    expect(footer).to_contain_text("Layanan pengaduan konsumen")
    expect(footer).to_contain_text(settings.KOMEJI_COMPLAINT_EMAIL)
    expect(footer).to_contain_text(settings.KOMEJI_COMPLAINT_WHATSAPP)

    # The page fits a 360 px phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Shop directly")
    expect(footer).to_contain_text("Consumer complaint service")
    expect(footer).to_contain_text(settings.KOMEJI_COMPLAINT_EMAIL)

    page.get_by_test_id("language-id").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
