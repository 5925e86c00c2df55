"""Where registering a family leads: an app above people contributes the next step to the
extension point "people.after_family" (aid: the new help request for the household), so
people links forward without importing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kindred.core.roles import Action


@dataclass(frozen=True)
class NextStep:
    """A page taking `?household=<id>`, offered to members who may do `needs`."""

    url_name: str
    label: Any  # a lazy translation
    needs: Action
