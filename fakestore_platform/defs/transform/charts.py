"""The marts' charts as PNG images in markdown metadata, so an asset's page shows the figure itself.

Drawn on matplotlib's Figure with the Agg canvas directly (no pyplot, no global backend), so it
needs no display and no state shared between runs. matplotlib is imported when a chart is drawn,
not with the definitions: it was a quarter of every code server's and run worker's load.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE_INCHES = (10, 4)
DPI = 100


def _new_figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")


def _markdown(figure: Figure, title: str) -> dg.MetadataValue:
    """The figure as a PNG in a data URI, the way Dagster's own examples embed images."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return dg.MetadataValue.md(f"![{title}](data:image/png;base64,{encoded})")


def daily_revenue_chart(rows: Sequence[tuple[date, Decimal, Decimal]]) -> dg.MetadataValue:
    """Revenue by day as bars, its 7-day moving average as a line: (day, revenue, average) rows."""
    figure = _new_figure()
    axes = figure.add_subplot()
    days = [row[0] for row in rows]
    axes.bar(days, [float(row[1]) for row in rows], color="#9ecae1", label="revenue")
    axes.plot(days, [float(row[2]) for row in rows], color="#08519c", label="7-day moving average")
    axes.set_title("Revenue by day")
    axes.set_ylabel("revenue")
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    return _markdown(figure, "Revenue by day and its 7-day moving average")


def category_revenue_chart(rows: Sequence[tuple[date, str, Decimal]]) -> dg.MetadataValue:
    """Revenue by month as bars stacked by category: (month, category, revenue) rows."""
    months = sorted({row[0] for row in rows})
    categories = sorted({row[1] for row in rows})
    revenue = {(row[0], row[1]): float(row[2]) for row in rows}
    figure = _new_figure()
    axes = figure.add_subplot()
    labels = [month.strftime("%Y-%m") for month in months]
    bottom = [0.0] * len(months)
    for category in categories:
        heights = [revenue.get((month, category), 0.0) for month in months]
        axes.bar(labels, heights, bottom=bottom, label=category)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title("Revenue by category and month")
    axes.set_ylabel("revenue")
    axes.legend(loc="upper left", fontsize="small")
    axes.tick_params(axis="x", labelrotation=45)
    return _markdown(figure, "Revenue by category and month")
