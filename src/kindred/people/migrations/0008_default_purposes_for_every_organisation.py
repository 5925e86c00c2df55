"""Default consent purposes for organisations that never had them.

They used to be created when a page first listed purposes; now the organisation gets them
when it is created, and a read never writes (issue 13). This gives older organisations
theirs once. The texts are the English source strings, translated when shown."""

from django.db import migrations

# A copy, not an import: a migration must not change when the code does.
DEFAULT_PURPOSES = {
    "help-records": {
        "name": "Help records",
        "description": (
            "Registering the person, their household and the help they receive. The basis "
            "is usually legitimate interest, or vital interest in an emergency."
        ),
        "wording": (
            "We keep a record of you, your household and the help you receive from us, so "
            "that we can help fairly and follow up. You can ask to see, correct or delete "
            "what we keep about you at any time."
        ),
    },
    "campaign-contact": {
        "name": "Contact about campaigns",
        "description": (
            "Contacting the person about campaigns and seasonal help, such as Christmas "
            "help or summer camps."
        ),
        "wording": (
            "May we contact you by phone, text message or e-mail about our campaigns, such "
            "as Christmas help or summer camps? You can say no at any time."
        ),
    },
    "newsletter": {
        "name": "Newsletter",
        "description": "Sending the organisation's newsletter by e-mail.",
        "wording": "May we send you our newsletter by e-mail? You can unsubscribe at any time.",
    },
}


def create_missing(apps, schema_editor):
    Organization = apps.get_model("core", "Organization")
    ConsentPurpose = apps.get_model("people", "ConsentPurpose")
    for org in Organization.objects.all():
        have = set(ConsentPurpose.objects.filter(organization=org).values_list("key", flat=True))
        for key, texts in DEFAULT_PURPOSES.items():
            if key not in have:
                ConsentPurpose.objects.create(organization=org, key=key, **texts)


class Migration(migrations.Migration):
    dependencies = [("people", "0007_person_keys_related")]

    operations = [migrations.RunPython(create_missing, migrations.RunPython.noop)]
