"""The `kindred` command: Django's manage.py with Kindred's settings preset.

`kindred allocate` is answered by the allocation engine without starting Django: it
touches no database, and its run time is measured (bench/allocation.py)."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["allocate"]:
        from kindred.allocation.cli import main as allocate

        sys.exit(allocate(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kindred.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
