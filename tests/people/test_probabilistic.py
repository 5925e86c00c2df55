"""The Fellegi-Sunter engine (people/matching/probabilistic.py): EM recovers known m and u,
blocking and scoring find a person whose name changed, explanations add up, common names
weigh less than rare ones, and the result does not depend on chance."""

import random

import numpy as np
import pytest

from kindred.people.matching import Record, prepare
from kindred.people.matching.probabilistic import (
    FIELDS,
    RULE_ORDER,
    candidate_pairs,
    candidate_pairs_by_rule,
    comparison_levels,
    find_pairs,
    fit,
    soundex,
)
from kindred.people.matching.probabilistic import (
    _Columns as Columns,
)

GIVEN = ["Anna", "Mette", "Lars", "Jens", "Sofie", "Karin", "Olena", "Ivan", "Maria", "Peter"]
GIVEN += ["Henrik", "Camilla", "Rasmus", "Ida", "Freja", "Emil", "Nikolaj", "Signe", "Mikkel"]
FAMILY = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Larsen", "Kowalenko", "Berg"]
FAMILY += ["Holm", "Dahl", "Lund", "Moller", "Bruun", "Vestergaard", "Kristoffersen", "Skov"]
STREETS = ["Vestergade", "Nørregade", "Skovvej", "Strandvejen", "Bakkevej", "Kirkegade"]


def population(size: int, seed: int = 7) -> tuple[list[Record], set[tuple[str, str]]]:
    """Persons with random facts, a fifth registered again with one or two changes."""
    rng = random.Random(seed)
    records: list[Record] = []
    truth = set()
    for n in range(size):
        person = Record(
            id=f"r{n:05}",
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            birth_date=f"{rng.randint(1940, 2015)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
            phone=f"+45{rng.randint(20_000_000, 99_999_999)}",
            street=f"{rng.choice(STREETS)} {rng.randint(1, 150)}",
            postcode=str(rng.randint(1000, 9990)),
            national_id=f"{rng.randint(10**9, 10**10 - 1)}",
        )
        records.append(person)
        if rng.random() < 0.2:
            changes = {}
            for _ in range(rng.randint(1, 2)):
                kind = rng.choice(["phone", "given", "street", "birth", "national_id"])
                if kind == "phone":
                    changes["phone"] = ""
                elif kind == "given":
                    changes["given_name"] = person.given_name[:-1]
                elif kind == "street":
                    changes["street"] = f"{rng.choice(STREETS)} {rng.randint(1, 150)}"
                elif kind == "birth":
                    changes["birth_date"] = person.birth_date[:4]
                else:
                    changes["national_id"] = ""
            copy = Record(**{**person.__dict__, "id": f"d{n:05}", **changes})
            records.append(copy)
            truth.add(tuple(sorted((person.id, copy.id))))
    return records, truth


@pytest.fixture(scope="module")
def data():
    records, truth = population(3000)
    pairs, model = find_pairs(records)
    return records, truth, pairs, model


def test_duplicates_in_a_synthetic_registry_are_found(data):
    _, truth, pairs, _ = data
    found = {(a, b) for a, b, _ in pairs}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision >= 0.98
    assert recall >= 0.98


def test_em_recovers_the_m_and_u_it_was_generated_with():
    """Pairs drawn from two known classes: EM must find lambda, m and u back. (With the
    default prior on m, anchored on high-confidence pairs, m is drawn towards those.)"""
    rng = np.random.default_rng(3)
    size = 40_000
    lam = 0.2
    truth_m = {"exact": 0.9, "different": 0.1}
    truth_u = {"exact": 0.05, "different": 0.95}
    is_match = rng.random(size) < lam
    levels = np.zeros((size, len(FIELDS)), dtype=np.int8)
    for f, name in enumerate(FIELDS):
        last = len(FIELDS[name]) - 1
        agree = np.where(
            is_match, rng.random(size) < truth_m["exact"], rng.random(size) < truth_u["exact"]
        )
        levels[:, f] = np.where(agree, 1, last)
    # The records only feed u's starting point (random pairs) and the name frequencies.
    records, _ = population(200)
    prepared = [prepare(r) for r in records]
    pairs = np.zeros((size, 2), dtype=np.int64)
    model = fit(prepared, pairs, levels=levels, prior_strength=0.0)  # plain EM
    assert model.lam == pytest.approx(lam, abs=0.02)
    for name in FIELDS:
        assert model.m[name][1] == pytest.approx(truth_m["exact"], abs=0.03)
        assert model.m[name][-1] == pytest.approx(truth_m["different"], abs=0.03)
        assert model.u[name][1] == pytest.approx(truth_u["exact"], abs=0.03)
        assert model.u[name][-1] == pytest.approx(truth_u["different"], abs=0.03)


def test_a_person_whose_name_changed_completely_is_found(data):
    records, _, _, model = data
    before = Record(
        id="x1",
        given_name="Halyna",
        family_name="Shevchenko",
        birth_date="1987-06-14",
        street="Solbakken 77",
        postcode="4321",
        national_id="1406871234",
    )
    after = Record(
        id="x2",
        given_name="Mette",
        family_name="Mortensen",
        birth_date="1987-06-14",
        street="Solbakken 77",
        postcode="8000",
        national_id="1406871234",
    )
    prepared = [prepare(r) for r in [*records, before, after]]
    pairs = {tuple(p) for p in candidate_pairs(prepared).tolist()}
    assert (len(records), len(records) + 1) in pairs  # blocking compares them
    explanation = model.explain(prepare(before), prepare(after))
    assert explanation.probability >= 0.5  # and scoring finds them
    levels = {fw.field: fw.level for fw in explanation.fields}
    assert levels["given_name"] == "different"
    assert levels["national_id"] == "exact"
    found, _ = find_pairs([*records, before, after], model=model)
    assert ("x1", "x2") in {(a, b) for a, b, _ in found}


def test_an_explanation_adds_up_to_the_pair_weight_and_probability(data):
    records, _, pairs, model = data
    by_id = {r.id: r for r in records}
    for a, b, probability in pairs[:50]:
        explanation = model.explain(prepare(by_id[a]), prepare(by_id[b]))
        assert sum(fw.weight for fw in explanation.fields) == pytest.approx(explanation.weight)
        assert explanation.probability == pytest.approx(probability)
        assert explanation.probability == pytest.approx(
            1 / (1 + 2 ** -(explanation.prior + explanation.weight))
        )
        assert {fw.field for fw in explanation.fields} == set(FIELDS)


def test_a_common_name_agreeing_weighs_less_than_a_rare_one(data):
    records, _, _, model = data
    common = Record(id="c1", given_name="Anna", family_name="Zyxwabc")
    rare = Record(id="r1", given_name="Quirina", family_name="Zyxwabc")
    weight = {}
    for record in (common, rare):
        # The rare name occurs once in the registry; the common one in a tenth of it.
        trained = fit([prepare(r) for r in [*records, record]])
        explanation = trained.explain(prepare(record), prepare(record))
        weight[record.given_name] = next(
            fw.weight for fw in explanation.fields if fw.field == "given_name"
        )
    assert weight["Anna"] < weight["Quirina"]
    assert model.frequency["given_name"][prepare(common).given_text] < 0


def test_the_same_records_give_the_same_pairs_and_model():
    records, _ = population(800, seed=11)
    first, model_a = find_pairs(records)
    second, model_b = find_pairs(list(records))
    assert first == second
    assert model_a.lam == model_b.lam
    for name in FIELDS:
        assert np.array_equal(model_a.m[name], model_b.m[name])


def test_comparison_levels_of_names_and_birth_dates():
    def levels(a: Record, b: Record) -> dict[str, str]:
        columns = Columns.of([prepare(a), prepare(b)])
        row = comparison_levels(columns, np.array([0]), np.array([1]))[0]
        return {name: FIELDS[name][level] for name, level in zip(FIELDS, row, strict=True)}

    anna = Record(id="1", given_name="Anna", family_name="Nielsen", birth_date="1985-03-02")
    assert levels(anna, anna)["given_name"] == "exact"
    swapped = Record(id="2", given_name="Nielsen", family_name="Anna", birth_date="1985-02-03")
    assert levels(anna, swapped)["given_name"] == "swapped"
    assert levels(anna, swapped)["birth_date"] == "day_month_swapped"
    typo = Record(id="3", given_name="Anan", family_name="Nielsen", birth_date="1986-03-02")
    assert levels(anna, typo)["given_name"] == "close"
    assert levels(anna, typo)["birth_date"] == "one_digit_off"
    initial = Record(id="4", given_name="A", family_name="Nielsen", birth_date="1985")
    assert levels(anna, initial)["given_name"] == "initial"
    assert levels(anna, initial)["birth_date"] == "year"
    unknown = Record(id="5", family_name="Nielsen")
    assert levels(anna, unknown)["given_name"] == "missing"
    assert soundex("robert") == soundex("rupert") == "r163"


def test_each_candidate_pair_belongs_to_the_most_specific_rule_that_found_it():
    records = [
        Record(
            id="a", given_name="Anna", family_name="Holm", phone="+4520202020", street="Skovvej 3"
        ),
        Record(
            id="b", given_name="Lars", family_name="Holm", phone="+4520202020", street="Skovvej 3"
        ),
        Record(id="c", given_name="Lars", family_name="Holm", street="Skovvej 3"),
    ]
    prepared = [prepare(r) for r in records]
    pairs, rules = candidate_pairs_by_rule(prepared)
    found = {
        (prepared[i].id, prepared[j].id): RULE_ORDER[r]
        for (i, j), r in zip(pairs.tolist(), rules.tolist(), strict=True)
    }
    assert found == {("a", "b"): "phone", ("a", "c"): "street+house", ("b", "c"): "street+house"}
    assert np.array_equal(pairs, candidate_pairs(prepared))


def household_and_namesakes(seed: int = 11) -> tuple[list[Record], set[tuple[str, str]]]:
    """Households of relatives (one family name, street, phone and e-mail; their own given
    names and birth dates), namesakes elsewhere, and some persons registered twice."""
    rng = random.Random(seed)
    records: list[Record] = []
    truth = set()
    for h in range(60):
        family = rng.choice(FAMILY)
        street = f"{rng.choice(STREETS)} {rng.randint(1, 150)}"
        phone = f"+45{rng.randint(20_000_000, 99_999_999)}"
        postcode = str(rng.randint(1000, 9990))
        for k, given in enumerate(rng.sample(GIVEN, 3)):
            person = Record(
                id=f"h{h:03}-{k}",
                given_name=given,
                family_name=family,
                birth_date=f"{rng.randint(1950, 2015)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
                phone=phone,
                email=f"{family.lower()}{h}@example.org",
                street=street,
                postcode=postcode,
            )
            records.append(person)
            # a namesake: same names and birth year, nothing else in common
            records.append(
                Record(
                    id=f"n{h:03}-{k}",
                    given_name=given,
                    family_name=family,
                    birth_date=f"{person.birth_date[:4]}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
                    phone=f"+45{rng.randint(20_000_000, 99_999_999)}",
                    street=f"{rng.choice(STREETS)} {rng.randint(151, 300)}",
                    postcode=str(rng.randint(1000, 9990)),
                )
            )
            if rng.random() < 0.3:
                copy = Record(**{**person.__dict__, "id": f"d{h:03}-{k}", "phone": ""})
                records.append(copy)
                truth.add(tuple(sorted((person.id, copy.id))))
    return records, truth


def test_relatives_sharing_address_phone_and_email_are_not_one_person():
    records, truth = household_and_namesakes()
    prepared = [prepare(r) for r in records]
    columns = Columns.of(prepared)
    pairs, rules = candidate_pairs_by_rule(prepared)
    levels = comparison_levels(columns, pairs[:, 0], pairs[:, 1])
    model = fit(prepared, pairs, levels=levels, columns=columns, rules=rules, min_rule_pairs=0)
    assert model.by_rule  # the rules with relatives have a model of their own
    probability = model.probabilities(columns, pairs, levels, rules)
    found = {
        tuple(sorted((prepared[i].id, prepared[j].id)))
        for (i, j), p in zip(pairs.tolist(), probability.tolist(), strict=True)
        if p >= 0.5
    }
    relatives = {(a, b) for a, b in found if a.startswith("h") and b.startswith("h")}
    assert relatives == set()
    assert found >= truth
    # the explanation is the rule's model's too
    k = next(
        k
        for k, (i, j) in enumerate(pairs.tolist())
        if {prepared[i].id, prepared[j].id} == {"h000-0", "h000-1"}
    )
    explanation = model.explain(prepared[pairs[k, 0]], prepared[pairs[k, 1]])
    assert explanation.probability == pytest.approx(probability[k])
    assert explanation.probability < 0.5
