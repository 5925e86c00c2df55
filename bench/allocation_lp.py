"""The optimum of an allocation instance as a linear programme solved by HiGHS (scipy), run
in its own process: OR-Tools and HiGHS cannot share one Python process. Independent of the
engine: it reads the JSON itself and writes the format page's objective as an LP.

    python bench/allocation_lp.py INSTANCE.json   → prints the optimum

Variables: x[n, s] >= 0 units of stock row s to need line n (only where s fits n), and
y[h, k] in [0, 1], the k-th unit household h receives. Maximise
Σ v(n, s) x[n, s] + fairness_weight Σ y[h, k] / k subject to Σ_n x[n, s] <= quantity(s),
Σ_s x[n, s] <= quantity(n) and Σ_k y[h, k] = Σ_{n of h, s} x[n, s]. Its matrix is a network
matrix, so the LP optimum is the integral optimum.
"""

import json
import sys

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


def main(path: str) -> None:
    data = json.load(open(path, encoding="utf-8"))  # noqa: SIM115
    policy = data["policy"]
    weights = {str(k): float(v) for k, v in policy["urgency_weights"].items()}
    stock = data["stock"]
    needs = data["needs"]
    households = sorted({n["household"] for n in needs})
    hindex = {h: i for i, h in enumerate(households)}
    total_stock = sum(s["quantity"] for s in stock)

    cost, rows, cols, vals = [], [], [], []
    ub_rhs = []
    # Rows 0..S-1: stock capacities; S..S+N-1: need capacities. Equality rows per household.
    eq_rows, eq_cols, eq_vals = [], [], []
    var = 0
    for j, n in enumerate(needs):
        sizes = n.get("sizes") or []
        for i, s in enumerate(stock):
            if s["item_type"] != n["item_type"] or (sizes and s["size"] not in sizes):
                continue
            exact = not sizes or s["size"] == sizes[0]
            v = (
                weights[str(n["urgency"])]
                * (1.0 if exact else policy["substitute_value"])
                * (1.0 + policy["waiting_bonus_per_30_days"] * n.get("waiting_days", 0) / 30.0)
            )
            cost.append(-v)
            rows += [i, len(stock) + j]
            cols += [var, var]
            vals += [1.0, 1.0]
            eq_rows.append(hindex[n["household"]])
            eq_cols.append(var)
            eq_vals.append(1.0)
            var += 1
    demand = dict.fromkeys(households, 0)
    for n in needs:
        demand[n["household"]] += n["quantity"]
    for h in households:
        for k in range(1, min(demand[h], total_stock) + 1):
            cost.append(-policy["fairness_weight"] / k)
            eq_rows.append(hindex[h])
            eq_cols.append(var)
            eq_vals.append(-1.0)
            var += 1
    ub_rhs = [s["quantity"] for s in stock] + [n["quantity"] for n in needs]
    if var == 0:
        print(0.0)
        return
    a_ub = coo_matrix((vals, (rows, cols)), shape=(len(ub_rhs), var)).tocsr()
    a_eq = coo_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(households), var)).tocsr()
    n_x = len(cost) - sum(min(demand[h], total_stock) for h in households)
    bounds = np.array([(0, None)] * n_x + [(0, 1)] * (var - n_x), dtype=object)
    answer = linprog(
        np.array(cost),
        A_ub=a_ub,
        b_ub=np.array(ub_rhs, dtype=float),
        A_eq=a_eq,
        b_eq=np.zeros(len(households)),
        bounds=bounds.tolist(),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9},
    )
    if answer.status != 0:
        raise SystemExit(f"LP failed: {answer.message}")
    print(repr(-answer.fun))


if __name__ == "__main__":
    main(sys.argv[1])
