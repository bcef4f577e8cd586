"""Monthly totals of closed months, so a year of metrics reads 12 × the units' rows instead of every visit.

``metrics_month`` holds one row per (local month, unit) with the counts ``api.metrics.counts`` would compute for
that month; ``unit`` 0 is the whole district (a joint visit once). ``metrics_month_state`` says whether a month's
rows are current: a trigger (``models.metrics_trigger``) adds 1 to ``version`` whenever a visit, a visit's unit,
a scan or a non-site record of that month changes, and the rows count only while ``rolled`` equals ``version``.
``metrics_cache`` keeps the rows of the slow warning queries over closed months the same way.
"""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Varchar
from piccolo.table import Table

ALL_UNITS = 0


class MetricsMonth(Table, tablename="metrics_month"):
    id = Serial(primary_key=True)
    month = Varchar(length=10, index=True)  # 'YYYY-MM-01', local (Asia/Shanghai)
    unit = Integer(default=ALL_UNITS)  # a unit's id, or ALL_UNITS
    onsite = Integer(default=0)
    joint = Integer(default=0)
    checked_out = Integer(default=0)
    scanned = Integer(default=0)
    nonsite = Integer(default=0)


class MetricsMonthState(Table, tablename="metrics_month_state"):
    id = Serial(primary_key=True)
    month = Varchar(length=10, unique=True)
    version = Integer(default=0)  # changes of the month's inputs so far
    rolled = Integer(default=-1)  # the version ``metrics_month``'s rows were counted at


class MetricsCache(Table, tablename="metrics_cache"):
    """The rows of a warning query over closed months (caps, low yield, frequency), with the months' versions then.

    Valid while every month it read still has the version recorded in ``versions``.
    """

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    versions = Text(default="")
    body = Text(default="")


METRICS_TABLES = [MetricsMonth, MetricsMonthState, MetricsCache]
