"""What every aid endpoint of the matrix can point at: the world's household (registered by
the user, so a referrer sees it) with an approved request of the user's for 2 winter
jackets (110, or 116) and 1 toy; the goods builder's shelf holds 5 jackets 110 and 10 toys."""

from kindred.aid.models import HelpRequest
from tests.aid.builders import help_request


def build(world, owner) -> None:
    org = world.org
    world.aid["household"] = world.household
    world.aid["request"] = help_request(
        org,
        world.household,
        [("child-winter-jacket", ["110", "116"], 2, 3), ("toy", [], 1, 1)],
        status=HelpRequest.Status.APPROVED,
        created_by=owner,
    )
