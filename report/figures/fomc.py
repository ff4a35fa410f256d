"""The next FOMC decision as seen from the edition date."""

from __future__ import annotations

import datetime as dt

from report.calendar import status
from report.figures.model import Context, Figure, make, unavailable
from report.i18n import date, date_range, days, per_lang


def days_to_decision(decision: dt.date, as_of: dt.date) -> int:
    """Days from the edition to the decision, the meeting's last day (0 on that day)."""
    return max(0, (decision - as_of).days)


def fomc(ctx: Context) -> list[Figure]:
    """Days to the next decision (the meeting's last day), whether the meeting has projections, the blackout
    window; never guesses past the data."""
    st = status(ctx.meetings, ctx.as_of)
    m = st.meeting
    if st.before_calendar:
        return [
            unavailable(
                "days_to_fomc", "days", ctx, reason_key="reason.calendar_starts", first=per_lang(date, st.first_known)
            )
        ]
    if m is None or st.days_to is None:
        return [
            unavailable(
                "days_to_fomc", "days", ctx, reason_key="reason.calendar_ended", last=per_lang(date, st.last_known)
            )
        ]
    to_decision = days_to_decision(m.end, ctx.as_of)
    if to_decision == 0:
        key = "text.fomc_decision_today"
    else:
        key = "text.fomc_under_way" if m.start <= ctx.as_of else "text.fomc_next"
    detail = {
        "start": m.start.isoformat(),
        "end": m.end.isoformat(),
        "decision": m.end.isoformat(),
        "projections": m.projections,
        "blackout_start": m.blackout_start.isoformat(),
        "blackout_end": m.blackout_end.isoformat(),
        "in_blackout": st.in_blackout,
        "pre_fomc": st.pre_fomc,
    }
    sep = ctx.cat.both("fomc.with_sep" if m.projections else "fomc.without_sep")
    blackout = ctx.cat.both(
        "fomc.in_blackout" if st.in_blackout else "fomc.blackout_from",
        start=per_lang(date, m.blackout_start),
        end=per_lang(date, m.blackout_end),
    )
    return [
        make(
            "days_to_fomc",
            to_decision,
            unit="days",
            sources=[],
            ctx=ctx,
            text_key=key,
            detail=detail,
            meeting=per_lang(date_range, m.start, m.end),
            days=per_lang(days, to_decision),
            decision=per_lang(date, m.end),
            sep=sep,
            blackout=blackout,
        )
    ]
