"""The four default consent purposes for every board that exists now; new boards get them on first use."""

from django.db import migrations

# Frozen copy of consent.services.DEFAULT_PURPOSES in the interface language (Dutch) at the time of writing.
DEFAULTS = [
    ("social_media", "Foto, film en geluid op de sociale media van de school",
     "Opnamen van schoolgerelateerde situaties waarin de persoon te zien of te horen is, op de socialemedia-accounts van de school."),
    ("website", "Foto, film en geluid op de website van de school",
     "Opnamen van schoolgerelateerde situaties waarin de persoon te zien of te horen is, op de website van de school."),
    ("newsletter", "Foto, film en geluid in de nieuwsbrief",
     "Opnamen van schoolgerelateerde situaties waarin de persoon te zien of te horen is, in de nieuwsbrief aan ouders/verzorgers."),
    ("education_accounts", "Socialemedia-accounts aanmaken voor onderwijsdoeleinden",
     "De school maakt voor de leerling een socialemedia-account aan voor de lessen, bijvoorbeeld voor mediawijsheid."),
]


def create_defaults(apps, schema_editor):
    Board = apps.get_model("portal", "Board")
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    for board in Board.objects.all():
        for ordering, (code, label, help_text) in enumerate(DEFAULTS, start=1):
            ConsentPurpose.objects.get_or_create(
                board=board, code=code, defaults={"label": label, "help_text": help_text, "ordering": ordering * 10},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("portal", "0002_notification"),
    ]

    operations = [
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]
