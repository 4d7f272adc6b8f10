"""Indonesian banks a shop's payouts can go to: the code is Bank Indonesia's clearing (sandi) code,
which bulk-transfer files of the payouts issue need."""

BANKS: list[tuple[str, str]] = [
    ("002", "Bank Rakyat Indonesia (BRI)"),
    ("008", "Bank Mandiri"),
    ("009", "Bank Negara Indonesia (BNI)"),
    ("014", "Bank Central Asia (BCA)"),
    ("451", "Bank Syariah Indonesia (BSI)"),
    ("200", "Bank Tabungan Negara (BTN)"),
    ("114", "Bank Jatim"),
    ("022", "CIMB Niaga"),
    ("013", "Bank Permata"),
    ("011", "Bank Danamon"),
    ("016", "Maybank Indonesia"),
    ("028", "OCBC Indonesia"),
    ("019", "Bank Panin"),
    ("426", "Bank Mega"),
    ("213", "SMBC Indonesia (Jenius)"),
    ("542", "Bank Jago"),
    ("535", "SeaBank Indonesia"),
    ("490", "Bank Neo Commerce"),
    ("147", "Bank Muamalat"),
    ("111", "Bank DKI"),
]

BANK_NAMES: dict[str, str] = dict(BANKS)
