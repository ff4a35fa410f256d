"""Key figures of the brief: pure functions from observations to Figure records."""

from __future__ import annotations

from report.figures.bitcoin import difficulty, miner_cost, price, supply_in_loss
from report.figures.corridor import sofr_corridor
from report.figures.fomc import fomc
from report.figures.liquidity import balance_sheet, reserves, rmp_scenarios
from report.figures.macro import inflation, labour
from report.figures.model import Context, Data, Figure, Source, Status, check_plausible, outliers
from report.figures.money import m2
from report.figures.onchain import onchain
from report.figures.plumbing import plumbing
from report.figures.repo import repo_stress
from report.series import SERIES

INPUT_SERIES = tuple(SERIES)  # every catalogued series (report/series.py)

__all__ = ["INPUT_SERIES", "Context", "Data", "Figure", "Source", "Status", "compute_all"]


def compute_all(data: Data, ctx: Context) -> list[Figure]:
    """Every key figure, in the order of the brief; an unavailable input never stops the others, and a figure
    whose inputs are outside their plausible ranges is marked implausible instead of printed."""
    figures: list[Figure] = []
    for fn in (
        reserves,
        balance_sheet,
        rmp_scenarios,
        plumbing,
        m2,
        sofr_corridor,
        repo_stress,
        labour,
        inflation,
        price,
        miner_cost,
        difficulty,
        supply_in_loss,
        onchain,
    ):
        figures += fn(data, ctx)
    figures += fomc(ctx)
    bad = outliers(data)
    return [check_plausible(f, bad, ctx) for f in figures]
