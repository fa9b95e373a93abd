"""A step has one name: the workflow's label (incidents.workflow.State). The shipped profiles restated all seven
in Dutch, with step 7 as "7. Evalueren" where the rest of the portal said "7. Evaluatie"; a profile now keeps
only the names its protocol words differently (the first step of 001 and 004)."""

from django.db import migrations

# What the profiles held before, where the workflow's Dutch label now says the same (or, for step 7, what it
# now says everywhere).
FORMER_LABELS = {
    "reported": "1. Melding", "gathering": "2. Informatie verzamelen", "assessing": "3. Strafbaarheid beoordelen",
    "containing": "4. Sneeuwbal stoppen", "informing": "5. Betrokkenen informeren", "communicating": "6. Communicatie",
    "evaluating": "7. Evalueren",
}


def drop_restated(apps, schema_editor):
    ProtocolProfile = apps.get_model("portal", "ProtocolProfile")
    for profile in ProtocolProfile.objects.all():
        labels = {state: label for state, label in (profile.step_labels or {}).items() if FORMER_LABELS.get(state) != label}
        if labels != profile.step_labels:
            profile.step_labels = labels
            profile.save(update_fields=["step_labels"])


def restate(apps, schema_editor):
    ProtocolProfile = apps.get_model("portal", "ProtocolProfile")
    for profile in ProtocolProfile.objects.all():
        profile.step_labels = {**FORMER_LABELS, **(profile.step_labels or {})}
        profile.save(update_fields=["step_labels"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0010_input_date_window_and_text_limits")]

    operations = [migrations.RunPython(drop_restated, restate)]
