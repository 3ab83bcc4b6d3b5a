"""Charts as server-rendered SVG: no script, no download from anywhere, readable offline.

Each function returns markup for an inline ``<svg>`` (every label escaped), with a
``<title>`` for screen readers and a ``data-chart`` attribute the browser tests look for.
Values are integers (fen, households); bars are scaled to the largest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037")
GOOD, BAD = "#2e7d32", "#c62828"
LABEL_W = 190
ROW_H = 26


def _svg(key: str, title: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(key)}" '
        f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bars(
    key: str,
    title: str,
    items: Sequence[tuple[str, int, str]],
    width: int = 720,
    colour: str = PALETTE[0],
) -> Markup:
    """Horizontal bars: (label, value, value as shown) per row."""
    top = max([v for _, v, _ in items] + [1])
    plot = width - LABEL_W - 140
    parts = []
    for i, (label, value, shown) in enumerate(items):
        y = 8 + i * ROW_H
        w = 0 if value <= 0 else max(1, round(plot * value / top))
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW_H - 8}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{LABEL_W + w + 6}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    return _svg(key, title, width, 16 + len(items) * ROW_H, "".join(parts))


def diverging(
    key: str,
    title: str,
    items: Sequence[tuple[str, int, int, str, str]],
    width: int = 720,
) -> Markup:
    """Two-sided bars per row: (label, up, down, up shown, down shown); up to the right
    in green (winners, gains), down to the left in red (losers, losses). A side that is
    zero shows no bar and no figure."""
    top = max([max(u, d) for _, u, d, _, _ in items] + [1])
    half = (width - LABEL_W - 20) // 2
    mid = LABEL_W + half
    parts = [f'<line x1="{mid}" y1="0" x2="{mid}" y2="{16 + len(items) * ROW_H}" stroke="#999"/>']
    for i, (label, up, down, up_shown, down_shown) in enumerate(items):
        y = 8 + i * ROW_H
        wu = 0 if up <= 0 else max(1, round((half - 110) * up / top))
        wd = 0 if down <= 0 else max(1, round((half - 110) * down / top))
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{mid - wd}" y="{y + 3}" width="{wd}" height="{ROW_H - 8}" fill="{BAD}">'
            f"<title>{escape(label)}: {escape(down_shown)}</title></rect>"
            f'<text x="{mid - wd - 4}" y="{y + 15}" text-anchor="end" font-size="11">'
            f"{escape(down_shown) if down > 0 else ''}</text>"
            f'<rect x="{mid}" y="{y + 3}" width="{wu}" height="{ROW_H - 8}" fill="{GOOD}">'
            f"<title>{escape(label)}: {escape(up_shown)}</title></rect>"
            f'<text x="{mid + wu + 4}" y="{y + 15}" font-size="11">'
            f"{escape(up_shown) if up > 0 else ''}</text>"
        )
    return _svg(key, title, width, 16 + len(items) * ROW_H, "".join(parts))


def lines(
    key: str,
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[date, int | None]]]],
    width: int = 720,
    height: int = 240,
) -> Markup:
    """A line per series over dates; a missing (suppressed) value breaks the line."""
    dates = sorted({d for _, points in series for d, _ in points})
    values = [v for _, points in series for _, v in points if v is not None]
    top = max([*values, 5])
    left, right, upper, lower = 50, 150, 12, 30
    plot_w, plot_h = width - left - right, height - upper - lower
    x_of = {d: left + (plot_w * i // max(len(dates) - 1, 1)) for i, d in enumerate(dates)}

    def y_of(v: int) -> int:
        return upper + plot_h - round(plot_h * v / top)

    parts = [
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{upper + 4}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{left - 6}" y="{upper + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    if dates:
        parts.append(
            f'<text x="{left}" y="{height - 8}" font-size="11">{dates[0].isoformat()}</text>'
            f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end" font-size="11">'
            f"{dates[-1].isoformat()}</text>"
        )
    for k, (name, points) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        run: list[str] = []
        runs = []
        for d, v in points:
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x_of[d]},{y_of(v)}")
        if run:
            runs.append(run)
        for r in runs:
            if len(r) == 1:
                x, y = r[0].split(",")
                parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(r)}"/>'
                )
        parts.append(
            f'<rect x="{width - right + 10}" y="{upper + k * 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{width - right + 26}" y="{upper + k * 18 + 9}" font-size="12">{escape(name)}</text>'
        )
    return _svg(key, title, width, height, "".join(parts))
