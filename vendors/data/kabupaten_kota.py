"""Kabupaten/kota codes of Indonesia (Kemendagri, the first 4 digits of a NIK): province code →
the kabupaten (01-) and kota (71-) numbers in use. A NIK keeps the code of the place it was
issued, so an East Java seller may hold a KTP from anywhere in Indonesia.

The Papua provinces were split in 2022 (new codes 92-96); KTPs with both the old and the new codes
are in circulation, so for 91-96 every number a kabupaten or kota there can have is accepted.
"""


def _numbers(*spans: tuple[int, int] | int) -> frozenset[int]:
    out: set[int] = set()
    for span in spans:
        if isinstance(span, int):
            out.add(span)
        else:
            out.update(range(span[0], span[1] + 1))
    return frozenset(out)


KABUPATEN_KOTA: dict[int, frozenset[int]] = {
    11: _numbers((1, 18), (71, 75)),  # Aceh
    12: _numbers((1, 25), (71, 78)),  # Sumatera Utara
    13: _numbers((1, 12), (71, 77)),  # Sumatera Barat
    14: _numbers((1, 10), 71, 73),  # Riau
    15: _numbers((1, 9), (71, 72)),  # Jambi
    16: _numbers((1, 13), (71, 74)),  # Sumatera Selatan
    17: _numbers((1, 9), 71),  # Bengkulu
    18: _numbers((1, 13), (71, 72)),  # Lampung
    19: _numbers((1, 6), 71),  # Kepulauan Bangka Belitung
    21: _numbers((1, 5), (71, 72)),  # Kepulauan Riau
    31: _numbers(1, (71, 75)),  # DKI Jakarta
    32: _numbers((1, 18), (71, 79)),  # Jawa Barat
    33: _numbers((1, 29), (71, 76)),  # Jawa Tengah
    34: _numbers((1, 4), 71),  # DI Yogyakarta
    35: _numbers((1, 29), (71, 79)),  # Jawa Timur
    36: _numbers((1, 4), (71, 74)),  # Banten
    51: _numbers((1, 8), 71),  # Bali
    52: _numbers((1, 8), (71, 72)),  # Nusa Tenggara Barat
    53: _numbers((1, 21), 71),  # Nusa Tenggara Timur
    61: _numbers((1, 12), (71, 72)),  # Kalimantan Barat
    62: _numbers((1, 13), 71),  # Kalimantan Tengah
    63: _numbers((1, 11), (71, 72)),  # Kalimantan Selatan
    64: _numbers((1, 5), 9, 11, (71, 72), 74),  # Kalimantan Timur
    65: _numbers((1, 4), 71),  # Kalimantan Utara
    71: _numbers((1, 11), (71, 74)),  # Sulawesi Utara
    72: _numbers((1, 12), 71),  # Sulawesi Tengah
    73: _numbers((1, 18), 22, (25, 26), (71, 73)),  # Sulawesi Selatan
    74: _numbers((1, 15), (71, 72)),  # Sulawesi Tenggara
    75: _numbers((1, 5), 71),  # Gorontalo
    76: _numbers((1, 6)),  # Sulawesi Barat
    81: _numbers((1, 9), (71, 72)),  # Maluku
    82: _numbers((1, 8), (71, 72)),  # Maluku Utara
    # Papua, Papua Barat and the provinces split from them in 2022.
    91: _numbers((1, 36), 71),
    92: _numbers((1, 12), 71),
    93: _numbers((1, 4)),
    94: _numbers((1, 36), 71),
    95: _numbers((1, 8)),
    96: _numbers((1, 6), 71),
}


def is_kabupaten_kota_code(code: str) -> bool:
    if len(code) != 4 or not code.isdigit():
        return False
    return int(code[2:]) in KABUPATEN_KOTA.get(int(code[:2]), frozenset())
