"""report/render/narrative.py: each named threshold decides the verdict, tried on both sides."""

from __future__ import annotations

import pytest

from report.figures import Figure
from report.render import narrative as n

TEXT = {"en": "", "zh-Hant": ""}


def fig(key: str, value: float | None) -> Figure:
    status = "ok" if value is not None else "unavailable"
    return Figure(key, value, "count", None, (), status, TEXT, TEXT)


def figs(**values: float | None) -> dict[str, Figure]:
    return {k: fig(k, v) for k, v in values.items()}


@pytest.mark.parametrize(
    ("above", "at_iorb", "stress"),
    [
        (n.STRESS_DAYS_ABOVE_RANGE - 1, n.STRESS_DAYS_AT_OR_ABOVE_IORB - 1, False),
        (n.STRESS_DAYS_ABOVE_RANGE, 0, True),
        (0, n.STRESS_DAYS_AT_OR_ABOVE_IORB, True),
        (None, None, False),  # unavailable says nothing of strain
    ],
)
def test_funding_stress(above, at_iorb, stress):
    assert n.funding_stress(figs(sofr_days_above_range=above, sofr_days_at_or_above_iorb=at_iorb)) is stress


@pytest.mark.parametrize(
    ("declines", "avg3", "weak"),
    [
        (n.WEAK_PAYROLL_DECLINES_7M - 1, n.WEAK_PAYROLL_3M_AVG, False),
        (n.WEAK_PAYROLL_DECLINES_7M, n.WEAK_PAYROLL_3M_AVG, True),
        (0, n.WEAK_PAYROLL_3M_AVG - 1, True),
        (None, None, False),
    ],
)
def test_labour_weak(declines, avg3, weak):
    assert n.labour_weak(figs(payroll_declines_7m=declines, payroll_3m_avg=avg3)) is weak


@pytest.mark.parametrize(
    ("p2c", "loss", "stress"),
    [
        (n.STRESS_PRICE_TO_COST, n.STRESS_SUPPLY_IN_LOSS_SHARE - 0.1, False),
        (n.STRESS_PRICE_TO_COST - 0.01, 0.0, True),
        (3.0, n.STRESS_SUPPLY_IN_LOSS_SHARE, True),
        (None, None, False),
    ],
)
def test_miner_stress(p2c, loss, stress):
    assert n.miner_stress(figs(btc_price_to_cost=p2c, supply_in_loss_share=loss)) is stress
