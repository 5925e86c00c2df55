"""What every goods endpoint of the matrix can point at: the world's site with two
locations (`shelf`, `bin`), the default catalogue and some stock on the shelf."""

from django_scopes import scope

from tests.conftest import item_type, make_location, stock


def build(world, owner) -> None:
    org = world.org
    shelf = make_location(org, world.site, "Shelf A", kind="shelf")
    bin_ = make_location(org, world.site, "Bin 1", kind="bin")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 10, "unsorted-textiles": 40}})
    with scope(organization=org):
        world.goods.update(
            shelf=shelf,
            bin=bin_,
            jacket=item_type(org, "child-winter-jacket"),
            toy=item_type(org, "toy"),
            sack=item_type(org, "unsorted-textiles"),
        )
