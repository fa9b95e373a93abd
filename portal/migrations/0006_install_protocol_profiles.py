from django.db import migrations


def install(apps, schema_editor):
    from meldpunt.protocols import profiles_install

    profiles_install(apps.get_model("portal", "ProtocolProfile"))


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_protocol_profiles")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
