"""Protocol profiles name their consent purposes by code; the wording lives with the consent app's
purposes (consent.services.PURPOSES), so one purpose has one code on every board."""

from django.db import migrations

# The profiles' own wording before this migration, to put back when it is reversed.
FORMER_ENTRIES = {
    "social_media": ["social_media", "Foto's, film en geluid op sociale media van de school",
                     "Beeld- en geluidsopnamen van schoolsituaties waarop de leerling te zien of te horen is."],
    "website": ["website", "Foto's en film op de website van de school", ""],
    "newsletter": ["newsletter", "Foto's in de nieuwsbrief", ""],
    "education_accounts": ["edu_accounts", "Sociale-media-accounts voor onderwijsdoeleinden", "Aanmaken van accounts voor gebruik in de les."],
    "personal_social_media": ["personal_social_media", "Foto's, film en geluid op persoonlijke sociale media van medewerkers",
                              "Alleen schoolgerelateerde situaties (protocol 000, A5)."],
}
RENAMED = {"edu_accounts": "education_accounts"}


def to_codes(apps, schema_editor):
    ProtocolProfile = apps.get_model("portal", "ProtocolProfile")
    for profile in ProtocolProfile.objects.all():
        codes = [entry[0] if isinstance(entry, (list, tuple)) else entry for entry in profile.consent_purposes]
        profile.consent_purposes = [RENAMED.get(code, code) for code in codes]
        profile.save(update_fields=["consent_purposes"])


def to_entries(apps, schema_editor):
    ProtocolProfile = apps.get_model("portal", "ProtocolProfile")
    for profile in ProtocolProfile.objects.all():
        profile.consent_purposes = [FORMER_ENTRIES.get(code, [code, code, ""]) for code in profile.consent_purposes]
        profile.save(update_fields=["consent_purposes"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_fewer_indexes_on_report_writes")]

    operations = [migrations.RunPython(to_codes, to_entries)]
