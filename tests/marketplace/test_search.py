"""Search: PostgreSQL full text (`simple`, prefix) plus trigram word similarity for typos, over
product and shop names; safe with any input; a helpful page when there is nothing to show."""

import pytest

from marketplace.selectors import SearchTerms, product_search, search_corrections
from tests.marketplace.test_browse import (  # noqa: F401
    clear_cache,
    given_product,
    given_shop,
    main,
    media,
    names,
)

pytestmark = pytest.mark.django_db

SEARCH = "/cari/"


@pytest.fixture
def catalogue(categories):
    """Dapur Bu Siti (Kota Malang) sells snacks; Batik Tulis Jetis (Kabupaten Tuban) batik."""
    snacks, batik = categories["snacks"], categories["batik"]
    kitchen, cook = given_shop("3573", "Dapur Bu Siti")
    given_product(
        kitchen, cook, snacks, "Keripik Tempe Malang", price=25_000, description="Tempe pilihan."
    )
    given_product(
        kitchen,
        cook,
        snacks,
        "Kerupuk Udang",
        price=18_000,
        description="Renyah, cocok dengan nasi pecel dan keripik tempe.",
    )
    given_product(
        kitchen, cook, snacks, "Keripik Singkong Balado", price=15_000, description="Pedas manis."
    )
    weaver_shop, weaver = given_shop("3523", "Batik Tulis Jetis")
    given_product(weaver_shop, weaver, batik, "Kain Batik Tulis Tuban", description="Katun.")
    given_product(weaver_shop, weaver, batik, "Kemeja Batik Pria", description="Lengan pendek.")


def test_a_typo_finds_the_product(client, catalogue):
    response = client.get(SEARCH, {"q": "kripik tempe"})

    assert response.status_code == 200
    # (Kerupuk Udang says "keripik tempe" in its description.)
    assert names(response) == ["Keripik Tempe Malang", "Kerupuk Udang"]


def test_a_misspelt_single_word_finds_its_products(client, catalogue):
    found = names(client.get(SEARCH, {"q": "keripk"}))

    assert set(found) == {"Keripik Tempe Malang", "Keripik Singkong Balado", "Kerupuk Udang"}
    assert found[-1] == "Kerupuk Udang"  # in the description only


def test_a_partial_word_finds_by_prefix(client, catalogue):
    assert set(names(client.get(SEARCH, {"q": "kerip"}))) == {
        "Keripik Tempe Malang",
        "Keripik Singkong Balado",
        "Kerupuk Udang",  # "keripik" in its description
    }
    assert names(client.get(SEARCH, {"q": "kerip temp"})) == [
        "Keripik Tempe Malang",
        "Kerupuk Udang",
    ]


def test_the_name_ranks_above_the_description(client, catalogue):
    found = names(client.get(SEARCH, {"q": "keripik tempe"}))

    assert found == ["Keripik Tempe Malang", "Kerupuk Udang"]


def test_a_shop_name_finds_the_shops_products(client, catalogue):
    by_shop = names(client.get(SEARCH, {"q": "jetis", "sort": "price_asc"}))
    typo = names(client.get(SEARCH, {"q": "batik tlis jetis"}))

    assert set(by_shop) == {"Kain Batik Tulis Tuban", "Kemeja Batik Pria"}
    assert set(typo) == {"Kain Batik Tulis Tuban", "Kemeja Batik Pria"}


def test_nonsense_gets_a_helpful_page(client, catalogue):
    response = client.get(SEARCH, {"q": "zxqvw jjkkq"})
    html = response.content.decode()

    assert response.status_code == 200
    assert names(response) == []
    assert 'data-testid="no-results"' in html
    assert "zxqvw jjkkq" in html
    assert 'data-testid="category-list"' in html
    assert 'href="/kategori/makanan-minuman/"' in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_an_empty_query_invites_a_search_and_shows_categories_and_newest(client, catalogue):
    response = client.get(SEARCH, {"q": "   "})
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="search-prompt"' in html
    assert 'data-testid="category-list"' in html
    assert names(response)[0] == "Kemeja Batik Pria"  # the newest
    assert len(names(response)) == 5


@pytest.mark.parametrize(
    "query",
    [
        "tempe & | ! :* ( ) ' \\ <->",
        "tempe:*A",
        "'tempe' & !udang",
        "tempe" + "x" * 500,
        "🌶️ tempe",
        "\x00tempe",
        "%_tempe%",
    ],
)
def test_tsquery_syntax_and_odd_input_never_break_the_page(client, catalogue, query):
    response = client.get(SEARCH, {"q": query})

    assert response.status_code == 200


def test_query_syntax_is_stripped_to_words():
    terms = SearchTerms.parse("Kerip!! temp:* & (x) 'a'|b")

    assert terms.words == ("kerip", "temp", "x", "a", "b")
    assert terms.tsquery() == "kerip:* & temp:* & x & a & b"
    assert terms.tsquery({"kerip": ["keripik", "kerupuk"]}) == (
        "(kerip:* | keripik:* | kerupuk:*) & temp:* & x & a & b"
    )
    assert not SearchTerms.parse(" :* & | ! ")
    assert len(SearchTerms.parse("kata " * 50).words) == 8


def test_only_a_word_that_starts_no_known_word_is_corrected(catalogue):
    corrections = search_corrections(words=["kripik", "kerip", "tempe", "tlis", "zxqvw", "ke"])

    assert corrections == {"kripik": ["keripik"], "tlis": ["tulis"]}


def test_a_correct_word_gets_no_look_alikes(client, catalogue, categories):
    shop, seller = given_shop("3510", "Toko Oleh-oleh Banyuwangi")
    for name in ["Topi Arabika Anyaman", "Kopi Arabika Ijen"]:
        given_product(shop, seller, categories["crafts"], name, description="Oleh-oleh.")

    assert names(client.get(SEARCH, {"q": "kopi arabika"})) == ["Kopi Arabika Ijen"]
    assert names(client.get(SEARCH, {"q": "kopii arabika"})) == ["Kopi Arabika Ijen"]
    assert names(client.get(SEARCH, {"q": "topi"})) == ["Topi Arabika Anyaman"]


def test_the_query_is_cut_at_100_characters(client, catalogue):
    long_query = "keripik " + "a" * 200

    html = main(client.get(SEARCH, {"q": long_query}))  # (the header echoes what was sent)

    assert ("a" * 92) in html and ("a" * 93) not in html


def test_search_with_category_filter_and_sort(client, catalogue, categories):
    response = client.get(
        SEARCH, {"q": "keripik", "category": "makanan-minuman", "sort": "price_asc"}
    )

    # Kerupuk Udang says "keripik" in its description.
    assert names(response) == ["Keripik Singkong Balado", "Kerupuk Udang", "Keripik Tempe Malang"]
    assert names(client.get(SEARCH, {"q": "keripik", "category": "fesyen"})) == []


def test_selector_relevance_is_ignored_without_a_query(catalogue):
    page = product_search(sort="relevance")

    assert page.products[0].name == "Kemeja Batik Pria"
    assert page.total == 5 and not page.capped
