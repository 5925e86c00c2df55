"""The suite builds its test database straight from the models (`--no-migrations`: six
seconds less per worker, more on PostgreSQL). These tests make that safe: the models need
no migration that is not written, and the migrations build exactly the schema the tests
use, on a fresh database of the same kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import postgres_params
from tests.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def _fresh_database(tmp_path) -> tuple[str, callable]:
    """A DATABASE_URL for an empty database of the test database's kind, and its cleanup."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}", lambda: None
    url = os.environ["DATABASE_URL"]
    name = f"kindred_migrations_{os.getpid()}"
    params = postgres_params(url)

    def run(sql: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as maintenance:
            maintenance.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}", lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> dict:
    """One Python process, outside the test database and its coverage tracing, on a fresh
    database: `makemigrations --check`, then `migrate`, then the schema (tests/schema.py)."""
    tmp_path = tmp_path_factory.mktemp("migrations")
    url, drop = _fresh_database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KINDRED_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "kindred.settings",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.schema"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        drop()
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_models_need_no_migration_that_is_not_written(migrated):
    assert migrated["unwritten"] == ""


def test_the_migrations_build_the_schema_the_tests_use(migrated, db):
    built = dict(migrated["schema"])
    built.pop("django_migrations")

    assert {"core_organization", "goods_movement", "aid_helprequest"} <= set(built)
    assert built == schema(connection)
