"""Reading instances: every way a file can be wrong gives one clear message naming the field,
and the format page's example reads as written."""

from __future__ import annotations

import copy
import json

import pytest

from kindred.allocation import InstanceError, parse_instance, solve
from kindred.allocation.instance import result_from_dict, result_json

EXAMPLE = {
    "format": "kindred-allocation/1",
    "policy": {
        "urgency_weights": {"1": 1.0, "2": 2.0, "3": 4.0},
        "substitute_value": 0.8,
        "waiting_bonus_per_30_days": 0.1,
        "fairness_weight": 1.0,
    },
    "stock": [{"sku": "S1", "item_type": "winter-jacket-child", "size": "110", "quantity": 12}],
    "needs": [
        {
            "id": "N1",
            "household": "H1",
            "item_type": "winter-jacket-child",
            "sizes": ["110", "116"],
            "quantity": 1,
            "urgency": 3,
            "waiting_days": 40,
        }
    ],
}


def changed(path: str, value) -> str:
    """The example with one field replaced (value None … deleted when `value` is DELETE)."""
    data = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key = int(last) if last.isdigit() else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return json.dumps(data)


DELETE = object()


def test_the_format_pages_example_reads_and_solves():
    instance = parse_instance(json.dumps(EXAMPLE))
    assert instance.needs[0].urgency == "3"
    assert instance.needs[0].sizes == ("110", "116")
    result = solve(instance)
    assert [(a.need, a.sku, a.quantity) for a in result.allocations] == [("N1", "S1", 1)]
    # 4 (urgency 3) * 1 (exact size) * (1 + 0.1 * 40 / 30) + H(1)
    assert result.objective == pytest.approx(4 * (1 + 0.1 * 40 / 30) + 1)
    body = result_json(result)
    assert body["format"] == "kindred-allocation-result/1"
    assert result_from_dict(json.loads(json.dumps(body))) == result


def test_the_policy_may_be_left_out_and_sizes_may_be_null_or_absent():
    data = copy.deepcopy(EXAMPLE)
    del data["policy"]
    data["stock"].append({"sku": "B", "item_type": "bed", "size": None, "quantity": 1})
    data["needs"].append(
        {"id": "N2", "household": "H2", "item_type": "bed", "quantity": 1, "urgency": "1"}
    )
    result = solve(parse_instance(json.dumps(data)))
    assert {(a.need, a.sku) for a in result.allocations} == {("N1", "S1"), ("N2", "B")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON: the error is at line 1, column 2"),
        ('{"format": "kindred-allocation/1",\n "stock": [,]}', "line 2, column 12"),
        ("[]", "must be one JSON object"),
        (changed("format", "kindred-allocation/2"), 'its "format" is "kindred-allocation/2"'),
        (changed("format", DELETE), 'its "format" is null'),
        (changed("stock", DELETE), "stock is missing"),
        (changed("needs", {}), "needs must be a list"),
        (changed("stock.0", "S1"), "stock[0] must be an object"),
        (changed("stock.0.quantity", -1), "stock[0].quantity must be a whole number of zero or "),
        (changed("needs.0.quantity", -3), "needs[0].quantity must be a whole number"),
        (changed("needs.0.quantity", 1.5), "not 1.5"),
        (changed("needs.0.quantity", True), "not true"),
        (changed("needs.0.quantity", "2"), 'not "2"'),
        (changed("needs.0.quantity", 10**13), "needs[0].quantity is too large"),
        (changed("needs.0.urgency", 5), "needs[0].urgency: unknown urgency 5"),
        (changed("needs.0.urgency", "high"), 'unknown urgency "high" (the policy has 1, 2, 3)'),
        (changed("needs.0.urgency", DELETE), "needs[0].urgency is missing"),
        (changed("needs.0.id", ""), "needs[0].id must be a text that is not empty"),
        (changed("needs.0.household", 7), "needs[0].household must be a text"),
        (changed("needs.0.sizes", "110"), "needs[0].sizes must be a list"),
        (changed("needs.0.sizes", ["110", 116]), "needs[0].sizes[1] must be a size"),
        (changed("stock.0.size", 110), "stock[0].size must be a size (a text) or null"),
        (changed("needs.0.waiting_days", -1), "needs[0].waiting_days must be a number of zero"),
        (changed("policy.fairness_weight", -0.5), "policy.fairness_weight must be a number"),
        (changed("policy.substitute_value", "x"), "policy.substitute_value must be a number"),
        (changed("policy.urgency_weights", {}), "must give a weight for at least one urgency"),
        (changed("policy.urgency_weights.3", None), "policy.urgency_weights.3 must be a number"),
    ],
)
def test_an_invalid_instance_names_its_problem(text, message):
    with pytest.raises(InstanceError) as error:
        parse_instance(text)
    assert message in str(error.value)


def test_a_duplicate_id_names_both_places():
    data = copy.deepcopy(EXAMPLE)
    data["stock"].append(dict(data["stock"][0]))
    with pytest.raises(InstanceError) as error:
        parse_instance(json.dumps(data))
    assert str(error.value) == 'stock[1].sku: "S1" is used twice (first at stock[0]).'
    data = copy.deepcopy(EXAMPLE)
    data["needs"].append(dict(data["needs"][0]))
    with pytest.raises(InstanceError) as error:
        parse_instance(json.dumps(data))
    assert str(error.value) == 'needs[1].id: "N1" is used twice (first at needs[0]).'
