"""Charts drawn on the server as SVG (no JavaScript, nothing from a CDN): plain data in, markup
out. Every bar and point carries its number in `data-value` (and a <title> a browser shows on
hover); each page also lists the same numbers in a table beside the chart."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 44
PALETTE = ("#1d6fb8", "#d9822b", "#2f9e44", "#c2255c", "#7048e8", "#0c8599", "#e8590c", "#5c940d")


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _axis(ticks: Sequence[tuple[float, str]], plot_h: float) -> list[str]:
    parts = []
    for fraction, text in ticks:
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">{escape(text)}</text>'
        )
    return parts


def _ticks(top: float, *, percent: bool) -> list[tuple[float, str]]:
    if percent:
        return [(f, f"{int(f * 100)}%") for f in (0, 0.25, 0.5, 0.75, 1.0)]
    step = max(1, -(-int(top) // 4))
    return [(v / top, str(v)) for v in range(0, int(top) + 1, step)] if top else [(0, "0")]


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    name: str,
    percent: bool = False,
    color: str = PALETTE[0],
) -> Markup:
    """Vertical bars, one per (label, value); with `percent` the values are shares 0-1."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = 1.0 if percent else max([value for _, value in bars] + [1])
    parts = [
        f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_axis(_ticks(top, percent=percent), plot_h),
    ]
    slot = plot_w / max(len(bars), 1)
    every = max(1, -(-len(bars) // 10))  # at most ~10 labels under the axis
    for index, (label, value) in enumerate(bars):
        height = plot_h * (value / top if top else 0)
        x = LEFT + index * slot + slot * 0.15
        shown = f"{value * 100:.0f}%" if percent else _number(value)
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{color}" data-label="{escape(label)}" data-value="{_number(value)}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="10" fill="#57606a">{escape(label[-5:] if len(label) == 10 else label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    name: str,
) -> Markup:
    """One line per (series name, shares 0-1 or None where there is nothing yet) over `labels`."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        *_axis(_ticks(1.0, percent=True), plot_h),
    ]
    step = plot_w / max(len(labels) - 1, 1)
    every = max(1, -(-len(labels) // 8))
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(
                f'<text x="{LEFT + index * step:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="10" fill="#57606a">{escape(label[-5:] if len(label) == 10 else label)}</text>'
            )
    for number, (series_name, values) in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        points = [
            (LEFT + index * step, TOP + plot_h * (1 - value), label, value)
            for index, (label, value) in enumerate(zip(labels, values, strict=True))
            if value is not None
        ]
        parts.append(f'<g class="series" data-series="{escape(series_name)}">')
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, label, value in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" data-label="{escape(label)}" '
                f'data-value="{value:.4f}"><title>{escape(series_name)}, {escape(label)}: '
                f"{value * 100:.0f}%</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def legend_color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]
