"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched.

Colours are SVG presentation attributes (not style attributes), which the CSP allows.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#1d4f91", "#a4161a", "#1e6b35", "#7a4b00", "#6a1b9a", "#00695c", "#37474f", "#ad1457"]


def trend_chart(
    series: list[tuple[str, dict[int, int | None]]],
    years: list[int],
    *,
    title: str,
    year_label=lambda y: f"{y}-{y + 1}",
    width: int = 720,
    height: int = 320,
) -> str:
    """A line chart of scores (0–100 %) per school year, one line per series (school).

    Without a single score it draws nothing (an empty string): an empty grid says nothing, and
    the page says in words that there are no scores yet. The same numbers go in a table beside
    the chart (``trend_table``)."""
    if not any(value is not None for _name, values in series for value in values.values()):
        return ""
    left, right, top, bottom = 48, 190, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="chart-title" '
        f'class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]

    def x_of(index: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(years) - 1)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / 100)

    for tick in range(0, 101, 25):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="#d4d8de" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#555">{tick}%</text>'
        )
    for index, year in enumerate(years):
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{height - bottom + 20}" text-anchor="middle" '
            f'font-size="12" fill="#555">{escape(year_label(year))}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [
            (x_of(i), y_of(values[year]))
            for i, year in enumerate(years)
            if values.get(year) is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
        legend_y = top + 18 * number + 6
        parts.append(
            f'<rect x="{width - right + 16}" y="{legend_y - 9}" width="12" height="12" '
            f'fill="{colour}"/><text x="{width - right + 34}" y="{legend_y + 1}" '
            f'font-size="12" fill="#1c1c1c">{escape(_fit(name, 21))}</text>'
        )
    if not series or not years:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'font-size="14" fill="#555">–</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above


def trend_table(
    series: list[tuple[str, dict[int, int | None]]],
    years: list[int],
    *,
    year_label=lambda y: f"{y}-{y + 1}",
) -> dict:
    """The numbers of ``trend_chart`` for a table: ``{"names": [series names], "rows":
    [(year label, [score or None per series])]}``, only years with at least one score."""
    rows = [
        (year_label(year), [values.get(year) for _name, values in series])
        for year in years
        if any(values.get(year) is not None for _name, values in series)
    ]
    return {"names": [name for name, _values in series], "rows": rows}


def bar(value: int | None) -> str:
    """A small horizontal bar for a percentage, for tables."""
    if value is None:
        return ""
    colour = "#1e6b35" if value >= 80 else "#7a4b00" if value >= 60 else "#a4161a"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10" width="100" height="10" '
        f'aria-hidden="true" class="bar"><rect width="100" height="10" fill="#e4e7ec"/>'
        f'<rect width="{int(value)}" height="10" fill="{colour}"/></svg>'
    )


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def bar_chart(
    rows: list[tuple[str, int | None]],
    *,
    title: str,
    chart_id: str,
    unit: str = "count",
    width: int = 420,
    bar_height: int = 22,
) -> str:
    """A horizontal bar chart, one bar per (label, value) row; percentages run to 100, counts
    to the largest value. The same numbers are always printed beside the chart as a table, so
    the chart is decoration for those who would rather look (``aria-hidden`` is not used: the
    title names what it shows)."""
    # Room for 22 characters at 12 px: longer school names are cut with an ellipsis (the table
    # beside the chart has them whole), never clipped at the left edge.
    label_w, value_w, gap = 172, 48, 6
    plot_w = width - label_w - value_w
    height = max(len(rows), 1) * (bar_height + gap) + gap
    top = max((value or 0 for _label, value in rows), default=0)
    scale = 100 if unit == "percent" else max(top, 1)
    suffix = "%" if unit == "percent" else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{escape(chart_id)}" '
        f'class="chart chart--bars">',
        f'<title id="{escape(chart_id)}">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = 0 if value is None else max(plot_w * value / scale, 1 if value else 0)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'font-size="12" fill="#1c1c1c">{escape(_fit(str(label), 22))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_height}" fill="#eef1f5"/>'
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + plot_w + 6}" y="{y + bar_height * 0.7:.1f}" font-size="12" '
            f'fill="#1c1c1c">{"–" if value is None else f"{value}{suffix}"}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above
