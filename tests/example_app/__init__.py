"""A Kindred app that exists only for the tests: the worked example of docs/architecture.md.

It is a folder and a declaration (contrib.py), with no change to core, and
tests/core/test_declarations.py installs it to prove that its area, page, home card and demo
builder appear."""
