from django.db import migrations


def install(apps, schema_editor):
    from sanctions.catalogue import install_default_catalogue

    install_default_catalogue(apps.get_model("sanctions", "Measure"))


class Migration(migrations.Migration):
    dependencies = [("sanctions", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
