"""One purpose for "accounts for educational use" per board.

Boards that adopted a protocol profile got `edu_accounts` next to the default `education_accounts`.
Every answer (grants, refusals, withdrawals) of `edu_accounts` moves to `education_accounts`, and so do
the history rows of the purpose itself; a history row on the kept purpose records the merge. As with
any later answer, the newest answer of the two counts for a person from then on. A board
that only has `edu_accounts` keeps it under the code `education_accounts`.

Not reversible: after the merge the answers of the two purposes are one history, and the current answer
is derived from all of them together. Reversing leaves the merged purpose as it is.
"""

from django.db import migrations
from django.utils import timezone

DUPLICATE, KEPT = "edu_accounts", "education_accounts"


def merge(apps, schema_editor):
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    HistoricalConsentPurpose = apps.get_model("consent", "HistoricalConsentPurpose")
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    for duplicate in ConsentPurpose.objects.filter(code=DUPLICATE).order_by("pk"):
        kept = ConsentPurpose.objects.filter(board_id=duplicate.board_id, code=KEPT).first()
        if kept is None:
            duplicate.code = KEPT
            duplicate.save(update_fields=["code"])
            reason = f"Code '{DUPLICATE}' gewijzigd in '{KEPT}' (één doel voor onderwijsaccounts)."
            kept = duplicate
        else:
            ConsentRecord.objects.filter(purpose_id=duplicate.pk).update(purpose_id=kept.pk)
            HistoricalConsentPurpose.objects.filter(id=duplicate.pk).update(id=kept.pk)
            kept.active = kept.active or duplicate.active
            kept.ordering = min(kept.ordering, duplicate.ordering)
            kept.save(update_fields=["active", "ordering"])
            reason = (f"Samengevoegd met doel #{duplicate.pk} '{duplicate.label}' ({DUPLICATE}): "
                      "de antwoorden en de geschiedenis staan nu bij dit doel.")
            duplicate.delete()
        HistoricalConsentPurpose.objects.create(
            id=kept.pk, board_id=kept.board_id, code=kept.code, label=kept.label, help_text=kept.help_text,
            ordering=kept.ordering, active=kept.active, history_date=timezone.now(), history_type="~",
            history_change_reason=reason,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_default_purposes"),
        ("portal", "0009_profiles_name_consent_purposes_by_code"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
