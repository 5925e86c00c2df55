"""The database's schema as plain data, to compare the one the migrations build with the
one the test suite builds straight from the models (`--no-migrations`)."""

from __future__ import annotations

import json
import sys


def schema(connection) -> dict[str, dict]:
    """Tables → their columns (name, null) and constraints (columns, kind, target), without
    the constraints' generated names."""
    with connection.cursor() as cursor:
        introspection = connection.introspection
        tables = {}
        for table in sorted(introspection.table_names(cursor)):
            if table.startswith("sqlite_"):
                continue
            columns = sorted(
                (c.name, bool(c.null_ok))
                for c in introspection.get_table_description(cursor, table)
            )
            constraints = sorted(
                json.dumps(
                    [
                        list(found["columns"] or []),
                        bool(found["primary_key"]),
                        bool(found["unique"]),
                        bool(found["check"]),
                        bool(found["index"]) and not found["unique"],
                        list(found["foreign_key"] or []),
                    ]
                )
                for found in introspection.get_constraints(cursor, table).values()
            )
            tables[table] = {"columns": columns, "constraints": constraints}
    return json.loads(json.dumps(tables))


def check_and_migrate() -> dict:
    """What `makemigrations --check` finds unwritten (empty if nothing), then the schema the
    migrations build."""
    import io

    from django.core.management import call_command
    from django.db import connection

    found = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=found, verbosity=1)
        unwritten = ""
    except SystemExit:  # exit status 1: a model changed without its migration
        unwritten = found.getvalue() or "makemigrations --check failed"
    call_command("migrate", verbosity=0, interactive=False)
    return {"unwritten": unwritten, "schema": schema(connection)}


if __name__ == "__main__":  # `python -m tests.schema`: the above on DATABASE_URL, as JSON
    import django

    django.setup()
    json.dump(check_and_migrate(), sys.stdout)
