"""Server-side SVG charts: no JavaScript, no CDN, readable under a strict CSP. Each chart has a
<title> and <desc> and the page shows the same figures as a table (text equivalent)."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join

WIDTH, HEIGHT = 560, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 28, 12
COLORS = {
    "critical": "#842029",
    "high": "#d63384",
    "medium": "#b38600",
    "low": "#198754",
    "gaps": "#dc3545",
    "overdue": "#fd7e14",
    "expiries": "#6f42c1",
    "reviews": "#0d6efd",
}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list[int]


def _scale(max_value: int) -> int:
    return max(1, max_value)


def bar_chart(labels: list[str], series: list[Series], *, title: str, desc: str) -> str:
    """Grouped (stacked when several series) vertical bars, one group per label."""
    n = max(1, len(labels))
    plot_w = WIDTH - PAD_LEFT - 8
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _scale(max(totals, default=0))
    slot = plot_w / n
    bar_w = slot * 0.6
    rects = []
    for i, label in enumerate(labels):
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        y_base = PAD_TOP + plot_h
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y_base -= h
            rects.append(
                (x, y_base, bar_w, h, COLORS.get(s.key, "#6c757d"), f"{label}: {value} {s.label}")
            )
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        ((_n(x), _n(y), _n(w), _n(h), color, text) for x, y, w, h, color, text in rects),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        (
            (_n(PAD_LEFT + i * slot + slot / 2), HEIGHT - 10, label)
            for i, label in enumerate(labels)
        ),
    )
    axis = format_html(
        '<text x="4" y="{}" font-size="10">{}</text><text x="4" y="{}" font-size="10">0</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>',
        PAD_TOP + 8,
        top,
        PAD_TOP + plot_h,
        PAD_LEFT,
        PAD_TOP + plot_h,
        WIDTH - 8,
        PAD_TOP + plot_h,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'class="chart" aria-labelledby="{}-t {}-d"><title id="{}-t">{}</title>'
        '<desc id="{}-d">{}</desc>{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        _id(title),
        _id(title),
        _id(title),
        title,
        _id(title),
        desc,
        axis,
        bars,
        ticks,
    )


def line_chart(labels: list[str], series: list[Series], *, title: str, desc: str) -> str:
    n = len(labels)
    plot_w = WIDTH - PAD_LEFT - 8
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    top = _scale(max((v for s in series for v in s.values), default=0))
    step = plot_w / max(1, n - 1)

    def point(i, v):
        return f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h - plot_h * v / top:.1f}"

    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}">'
        "<title>{}</title></polyline>",
        (
            (
                COLORS.get(s.key, "#6c757d"),
                " ".join(point(i, v) for i, v in enumerate(s.values)),
                s.label,
            )
            for s in series
            if s.values
        ),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {}</title></circle>',
        (
            (*point(i, v).split(","), COLORS.get(s.key, "#6c757d"), s.label, v)
            for s in series
            for i, v in enumerate(s.values)
        ),
    )
    first_last = format_html(
        '<text x="{}" y="{}" font-size="10">{}</text><text x="{}" y="{}" font-size="10" '
        'text-anchor="end">{}</text>',
        PAD_LEFT,
        HEIGHT - 10,
        labels[0] if labels else "",
        WIDTH - 8,
        HEIGHT - 10,
        labels[-1] if labels else "",
    )
    axis = format_html(
        '<text x="4" y="{}" font-size="10">{}</text><text x="4" y="{}" font-size="10">0</text>',
        PAD_TOP + 8,
        top,
        PAD_TOP + plot_h,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" class="chart" '
        'aria-labelledby="{}-t {}-d"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>'
        "{}{}{}{}</svg>",
        WIDTH,
        HEIGHT,
        _id(title),
        _id(title),
        _id(title),
        title,
        _id(title),
        desc,
        axis,
        lines,
        dots,
        first_last,
    )


def _n(value: float) -> str:
    return f"{value:.1f}"


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
