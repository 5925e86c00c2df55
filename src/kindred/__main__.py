"""The `kindred` command: Django's manage.py with Kindred's settings preset.

`kindred allocate` and `kindred linkage` are answered by their engines without starting
Django: they touch no database, and their run times are measured (bench/allocation.py,
bench/linkage.py)."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["allocate"]:
        from kindred.allocation.cli import main as allocate

        sys.exit(allocate(sys.argv[2:]))
    if sys.argv[1:2] == ["linkage"]:
        from kindred.linkage.cli import main as linkage

        sys.exit(linkage(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
