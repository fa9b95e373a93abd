"""The default sanction catalogue, from protocols 000, 002 §10, 003 and 004 (rules 11, 12, 19)."""

# (subject kind, code, label, decided by the board, has an end date, lasts a number of days)
DEFAULT_CATALOGUE = [
    ("pupil", "talk", "Gesprek met de mentor", False, False, False),
    ("pupil", "warning", "Waarschuwing", False, False, False),
    ("pupil", "phone_confiscated", "Telefoon in beslag genomen", False, False, False),
    ("pupil", "network_suspended", "Toegang tot het schoolnetwerk ontzegd (tijdelijk)", False, True, False),
    ("pupil", "disciplinary", "Disciplinaire maatregel (straf)", False, False, False),
    ("pupil", "suspension", "Schorsing", False, False, True),
    ("pupil", "removal", "Verwijdering van school", True, False, False),
    ("guardian", "talk", "Gesprek", False, False, False),
    ("guardian", "warning", "Waarschuwing", False, False, False),
    ("staff", "talk", "Gesprek met de leidinggevende", False, False, False),
    ("staff", "warning", "Waarschuwing", False, False, False),
    ("staff", "reprimand", "Berisping", False, False, False),
    ("staff", "suspension", "Schorsing", False, False, True),
    ("staff", "dismissal", "Ontslag", True, False, False),
    ("staff", "summary_dismissal", "Ontslag op staande voet", True, False, False),
]


def install_catalogue(Measure, entries, *, board=None):
    """Create or update the measures of one catalogue: a board's own, or the default one (board None).
    ``entries`` are tuples as in DEFAULT_CATALOGUE; returns the (subject kind, code) pairs installed."""
    installed = set()
    for position, (kind, code, label, by_board, end_date, days) in enumerate(entries):
        Measure.objects.update_or_create(
            board=board, subject_kind=kind, code=code,
            defaults={"label": label, "needs_board_decision": by_board, "needs_end_date": end_date,
                      "needs_days": days, "position": position, "active": True},
        )
        installed.add((kind, code))
    return installed


def install_default_catalogue(Measure):
    install_catalogue(Measure, DEFAULT_CATALOGUE)
