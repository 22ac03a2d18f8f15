"""The rebuild's HTML report: tables, figures (embedded PNG), comparison and hypotheses."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.study.generator import ATTRIBUTION, SYNTHETIC_NOTICE
from analytics.study.hypothesis import HypothesisCheck

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.banner{background:#fde8ea;border:2px solid #b00020;padding:.75rem 1rem;font-weight:600}
.ok{color:#1b5e20;font-weight:600}.no{color:#b00020;font-weight:600}
img{max-width:100%;border:1px solid #ddd;margin:.5rem 0}
.note{color:#555;font-size:.85rem}
.verdicts table{font-size:.8rem}.verdicts th,.verdicts td{padding:.2rem .3rem}
.verdicts td:last-child{min-width:13em;text-align:left}
"""


@dataclass(frozen=True)
class ReportSection:
    title: str
    html: str


def table_html(frame: pd.DataFrame, index: bool = True) -> str:
    """The table as HTML; a named index ("term") heads its column in the header row, where pandas
    had given it a row of its own, empty but for that name."""
    if index and frame.index.name:
        frame = frame.rename_axis(index=None, columns=str(frame.index.name))
    # a line may break after an underscore: unbroken, headers such as paper_in_rebuilt_ci95 had
    # pushed the comparison table past the page's right edge, cutting off its verdicts
    return frame.to_html(index=index, border=0, escape=True, na_rep="").replace("_", "_<wbr>")


def image_html(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def hypotheses_html(checks: list[HypothesisCheck]) -> str:
    rows = "".join(
        f"<tr><td>{c.hypothesis}</td><td>{html.escape(c.statement)}</td><td>{html.escape(c.paper_says)}</td>"
        f'<td class="{"ok" if c.supported else "no"}">{"supported" if c.supported else "NOT supported"}</td>'
        f"<td>{html.escape(c.evidence)}</td></tr>"
        for c in checks
    )
    return (
        "<table><tr><th>hypothesis</th><th>statement</th><th>the paper says</th><th>this rebuild says</th>"
        f"<th>rebuild's evidence</th></tr>{rows}</table>"
    )


def render(
    path: Path,
    title: str,
    synthetic: bool,
    sections: list[ReportSection],
    attribution: str = ATTRIBUTION,
    notice: str = SYNTHETIC_NOTICE,
) -> Path:
    """Write the report; ``notice`` is the SYNTHETIC banner's text (shown when ``synthetic``)."""
    banner = f'<p class="banner">{html.escape(notice)}</p>' if synthetic else ""
    body = "".join(f"<h2>{html.escape(s.title)}</h2>{s.html}" for s in sections)
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{banner}{body}"
        f"<h2>Data sources and attribution</h2><p class='note'>{html.escape(attribution)}</p>"
        # at the bottom too (as the regional report's), under the hypotheses' verdicts
        f"{banner}</body></html>"
    )
    path.write_text(document, encoding="utf-8")
    return path
