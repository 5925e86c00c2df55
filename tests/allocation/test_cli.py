"""`kindred allocate` as a coordinator or a script runs it: a result file or standard output;
an invalid instance or a missing file gives one line in the reader's language, a non-zero
exit status and no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from kindred.allocation import check_feasible, parse_instance
from kindred.allocation.generate import generate, instance_json
from kindred.allocation.instance import result_from_dict
from tests.allocation.test_instance import EXAMPLE

KINDRED = shutil.which("kindred", path=os.path.dirname(sys.executable)) or "kindred"


def run(*args, language: str = "en", stdin: str | None = None):
    env = {**os.environ, "KINDRED_LANGUAGE": language}
    return subprocess.run(
        [KINDRED, "allocate", *args], capture_output=True, text=True, env=env, input=stdin
    )


def test_it_writes_the_result_to_a_file_or_to_standard_output(tmp_path):
    instance = generate(households=40, needs=120, stock_rows=12, seed=7)
    source = tmp_path / "instance.json"
    source.write_text(json.dumps(instance_json(instance)))
    out = tmp_path / "result.json"
    done = run(str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    result = result_from_dict(json.loads(out.read_text()))
    assert check_feasible(parse_instance(source.read_text()), result.allocations) == []
    assert result.allocations
    printed = run(str(source))
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == json.loads(out.read_text())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "The instance is not valid JSON: the error is at line 1, column 2."),
        (
            json.dumps({**EXAMPLE, "needs": [{**EXAMPLE["needs"][0], "urgency": 9}]}),
            "needs[0].urgency: unknown urgency 9 (the policy has 1, 2, 3).",
        ),
        (
            json.dumps({**EXAMPLE, "needs": EXAMPLE["needs"] * 2}),
            'needs[1].id: "N1" is used twice (first at needs[0]).',
        ),
        (
            json.dumps({**EXAMPLE, "stock": [{**EXAMPLE["stock"][0], "quantity": -2}]}),
            "stock[0].quantity must be a whole number of zero or more, not -2.",
        ),
    ],
)
def test_an_invalid_instance_is_one_clear_line_and_exit_status_2(tmp_path, content, message):
    source = tmp_path / "instance.json"
    source.write_text(content)
    done = run(str(source), "-o", str(tmp_path / "result.json"))
    assert done.returncode == 2
    assert done.stderr == f"kindred allocate: {message}\n"
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "result.json").exists()


def test_a_missing_file_is_exit_status_1(tmp_path):
    done = run(str(tmp_path / "nowhere.json"))
    assert done.returncode == 1
    assert done.stderr.startswith("kindred allocate: Cannot read ")
    assert "Traceback" not in done.stderr


def test_the_message_follows_the_language(tmp_path):
    source = tmp_path / "instance.json"
    source.write_text("{not json")
    swedish = run(str(source), language="sv")
    assert swedish.returncode == 2
    assert "inte giltig JSON" in swedish.stderr
    ukrainian = run(str(source), language="uk")
    assert "JSON" in ukrainian.stderr and "The instance" not in ukrainian.stderr


def test_the_engine_imports_nothing_from_django():
    code = (
        "import sys, kindred.allocation, kindred.allocation.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
