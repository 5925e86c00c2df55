"""Build the benchmark's organisation: 50 members and an admin's API token, via the services.

Run by bench/throughput.py with DJANGO_SETTINGS_MODULE=kindred.settings against the database
it just migrated. Prints one JSON line: {"slug": ..., "token": ...}. The slug and e-mail
addresses carry a random suffix, so it also works on a PostgreSQL database that already holds
data (DATABASE_URL) — use a throwaway database all the same: the rows stay behind.
"""

from __future__ import annotations

import json
import secrets

MEMBERS = 50


def main() -> None:
    import django

    django.setup()

    from django_scopes import scope

    from kindred.core import services
    from kindred.core.models import User
    from kindred.core.roles import Role

    suffix = secrets.token_hex(3)
    slug = f"bench-{suffix}"
    domain = f"{slug}.example"
    # No password: the benchmark never logs in through a form, and hashing 50 Argon2
    # passwords would only slow the set-up.
    admin = User.objects.create_user(email=f"admin@{domain}", full_name="Bench Admin")
    org = services.create_organization(
        slug=slug,
        name=f"Benchmark {suffix}",
        country="DK",
        currency="DKK",
        admin=admin,
        actor=admin,
    )
    roles = list(Role)
    with scope(organization=org):
        for n in range(1, MEMBERS):
            user = User.objects.create_user(
                email=f"member{n:03d}@{domain}", full_name=f"Member {n:03d}"
            )
            services.add_member(org=org, user=user, role=roles[n % len(roles)], actor=admin)
        _token, raw = services.create_api_token(org=org, user=admin, name="make bench")
    print(json.dumps({"slug": slug, "token": raw}))


if __name__ == "__main__":
    main()
