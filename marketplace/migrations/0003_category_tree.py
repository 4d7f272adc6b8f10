"""The starting category tree (Dinas staff edit it in the admin afterwards). Idempotent by slug.

Processed food for sale needs a P-IRT (home industry) or BPOM MD/ML registration; jamu and body
care need BPOM. Commission rates are the starting defaults, in basis points."""

from django.db import migrations

PIRT_OR_BPOM, BPOM = "pirt_or_bpom", "bpom"

TREE = [
    (
        "Makanan & Minuman",
        "makanan-minuman",
        500,
        "",
        [
            ("Keripik & Camilan", "keripik-camilan", PIRT_OR_BPOM),
            ("Sambal & Bumbu", "sambal-bumbu", PIRT_OR_BPOM),
            ("Kopi & Teh", "kopi-teh", PIRT_OR_BPOM),
            ("Kue & Roti", "kue-roti", PIRT_OR_BPOM),
        ],
    ),
    (
        "Fesyen",
        "fesyen",
        600,
        "",
        [
            ("Batik", "batik", ""),
            ("Tenun & Songket", "tenun-songket", ""),
            ("Busana Muslim", "busana-muslim", ""),
            ("Sepatu & Sandal", "sepatu-sandal", ""),
            ("Tas & Dompet", "tas-dompet", ""),
            ("Aksesoris", "aksesoris", ""),
        ],
    ),
    (
        "Kerajinan",
        "kerajinan",
        600,
        "",
        [
            ("Anyaman", "anyaman", ""),
            ("Ukiran Kayu", "ukiran-kayu", ""),
            ("Gerabah", "gerabah", ""),
        ],
    ),
    (
        "Kecantikan & Kesehatan",
        "kecantikan-kesehatan",
        700,
        "",
        [
            ("Jamu", "jamu", BPOM),
            ("Perawatan Tubuh", "perawatan-tubuh", BPOM),
        ],
    ),
    (
        "Pertanian",
        "pertanian",
        300,
        "",
        [
            ("Buah Segar", "buah-segar", ""),
            ("Sayur & Bibit", "sayur-bibit", ""),
        ],
    ),
    (
        "Perabot",
        "perabot",
        500,
        "",
        [
            ("Mebel Kayu", "mebel-kayu", ""),
            ("Dekorasi Rumah", "dekorasi-rumah", ""),
        ],
    ),
    (
        "Oleh-oleh khas daerah",
        "oleh-oleh-khas-daerah",
        500,
        "",
        [
            ("Oleh-oleh Malang", "oleh-oleh-malang", PIRT_OR_BPOM),
            ("Oleh-oleh Madura", "oleh-oleh-madura", PIRT_OR_BPOM),
            ("Oleh-oleh Banyuwangi", "oleh-oleh-banyuwangi", PIRT_OR_BPOM),
        ],
    ),
]


def load(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    for position, (name, slug, commission, requirement, children) in enumerate(TREE, start=1):
        parent, _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "position": position,
                "commission_bp": commission,
                "required_certificate": requirement,
            },
        )
        for child_position, (child_name, child_slug, child_requirement) in enumerate(children, 1):
            Category.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "position": child_position,
                    "commission_bp": commission,
                    "required_certificate": child_requirement,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_moderator_permissions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
