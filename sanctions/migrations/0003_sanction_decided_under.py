"""A sanction keeps the measure's label and rules it was proposed under.

Existing sanctions get the label their measure has now (the catalogue kept no older wording), the board
rule of that measure, and the guardians rule of the protocol version the board had adopted when the
sanction was proposed (the strictest rules when it had none). Reversing drops the columns again.
"""

from django.db import migrations, models


def fill_snapshot(apps, schema_editor):
    Sanction = apps.get_model("sanctions", "Sanction")
    HistoricalSanction = apps.get_model("sanctions", "HistoricalSanction")
    ProtocolVersion = apps.get_model("portal", "ProtocolVersion")
    versions = {}
    for version in ProtocolVersion.objects.select_related("profile").order_by("created_at", "pk"):
        versions.setdefault(version.board_id, []).append(version)
    for sanction in Sanction.objects.select_related("measure", "person", "school").iterator():
        in_force = [v for v in versions.get(sanction.school.board_id, []) if v.created_at <= sanction.proposed_at]
        guardians_rule = in_force[-1].profile.guardians_before_pupil_measure if in_force else True
        snapshot = {"measure_label": sanction.measure.label, "board_decides": sanction.measure.needs_board_decision,
                    "guardians_first": sanction.person.kind == "pupil" and guardians_rule}
        Sanction.objects.filter(pk=sanction.pk).update(**snapshot)
        HistoricalSanction.objects.filter(id=sanction.pk).update(**snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0002_default_catalogue"),
        ("portal", "0008_fewer_indexes_on_report_writes"),
    ]

    operations = [
        migrations.AddField(
            model_name="sanction", name="measure_label",
            field=models.CharField(default="", max_length=120, verbose_name="measure as decided"), preserve_default=False,
        ),
        migrations.AddField(
            model_name="sanction", name="board_decides",
            field=models.BooleanField(default=False, verbose_name="decided by the board"),
        ),
        migrations.AddField(
            model_name="sanction", name="guardians_first",
            field=models.BooleanField(default=False, verbose_name="takes effect after contact with the guardians"),
        ),
        migrations.AddField(
            model_name="historicalsanction", name="measure_label",
            field=models.CharField(default="", max_length=120, verbose_name="measure as decided"), preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalsanction", name="board_decides",
            field=models.BooleanField(default=False, verbose_name="decided by the board"),
        ),
        migrations.AddField(
            model_name="historicalsanction", name="guardians_first",
            field=models.BooleanField(default=False, verbose_name="takes effect after contact with the guardians"),
        ),
        migrations.RunPython(fill_snapshot, migrations.RunPython.noop),
    ]
