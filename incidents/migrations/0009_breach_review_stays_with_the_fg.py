from django.db import migrations, models


def flag_cases_under_review(apps, schema_editor):
    """A case whose privacy flag was cleared after the FG's review opened vanished from the FG's view while its
    review stayed in the queue and the register. Every case with a review is flagged again, so the FG sees it."""
    Incident = apps.get_model("incidents", "Incident")
    BreachAssessment = apps.get_model("incidents", "BreachAssessment")
    Incident.objects.filter(
        privacy_flag=False, pk__in=BreachAssessment.objects.values("incident_id"),
    ).update(privacy_flag=True)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0008_fewer_indexes_on_report_writes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='breachassessment',
            name='risk',
            field=models.CharField(blank=True, choices=[('no_breach', 'No data breach'), ('none', 'No risk'), ('risk', 'Risk'), ('high', 'High risk')], help_text='Is it a data breach, and if so, how great is the risk for the data subjects?', max_length=16, verbose_name='conclusion'),
        ),
        migrations.AlterField(
            model_name='historicalbreachassessment',
            name='risk',
            field=models.CharField(blank=True, choices=[('no_breach', 'No data breach'), ('none', 'No risk'), ('risk', 'Risk'), ('high', 'High risk')], help_text='Is it a data breach, and if so, how great is the risk for the data subjects?', max_length=16, verbose_name='conclusion'),
        ),
        # Not undone on the way back: the flags cleared by hand cannot be told apart afterwards, and clearing them
        # again would take those cases away from the FG once more.
        migrations.RunPython(flag_cases_under_review, migrations.RunPython.noop),
    ]
