"""Figure 7: standardized in-degree centrality, the top units' bars (named in Chinese where a CJK
font is installed) beside the map of every unit."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from matplotlib.colors import SymLogNorm
from matplotlib.ticker import FixedLocator, FuncFormatter

from analytics.study.dataset import Frame
from analytics.study.figures import png
from analytics.study.figures.colour_scales import centrality_norm
from analytics.study.figures.fonts import cjk_font_family
from analytics.study.figures.map_axes import LAT_LABEL, LON_LABEL, map_ticks


def unit_labels(centrality: pd.DataFrame) -> tuple[list[str], str | None]:
    """Bar labels "name code" with a CJK font (returned too), else the codes alone."""
    family = cjk_font_family()
    if family is None or "name" not in centrality:
        return [str(i) for i in centrality["id"]], None
    return [f"{name} {code}" for name, code in zip(centrality["name"], centrality["id"], strict=True)], family


def in_degree_centrality(frame: Frame) -> pd.DataFrame:
    """Standardized in-degree centrality C_i = indegree_i / (n - 1) (Freeman), per unit."""
    graph = nx.DiGraph()
    graph.add_nodes_from(frame.nodes["id"])
    graph.add_edges_from(zip(frame.edges["source"], frame.edges["target"], strict=True))
    centrality = nx.in_degree_centrality(graph)
    out = (
        frame.nodes[["id", "name", "lon", "lat"]].copy()
        if "name" in frame.nodes
        else frame.nodes[["id", "lon", "lat"]].copy()
    )
    out["in_degree"] = [graph.in_degree(i) for i in out["id"]]
    out["std_in_degree"] = [centrality[i] for i in out["id"]]
    return out.sort_values("std_in_degree", ascending=False).reset_index(drop=True)


#: The rim of Figure 7's points, so a unit coloured as 0 (cream) still shows on the white map.
MARKER_RIM = "#777777"


def centrality_figure(frame: Frame, centrality: pd.DataFrame, top: int = 20) -> plt.Figure:
    """Figure 7: standardized in-degree centrality, top units (named where a CJK font allows) and the map."""
    fig, (bars, ax) = plt.subplots(1, 2, figsize=(13, 5.5))
    head = centrality.head(top).iloc[::-1]
    labels, family = unit_labels(head)
    bars.barh(range(len(head)), head["std_in_degree"], color="#2ca02c")
    bars.set_yticks(range(len(head)), labels, fontsize=9)
    if family is not None:
        for label in bars.get_yticklabels():
            label.set_fontfamily([family, "DejaVu Sans"])
    bars.set_xlabel("standardized in-degree (in-degree / (n - 1))")
    # "top 20" over a frame of 12 units had promised bars that were not there
    bars.set_title(f"top {top} receiving units" if len(centrality) > top else f"all {len(head)} units")
    values = centrality["std_in_degree"].astype(float)
    norm = centrality_norm(values, len(centrality))
    # a thin grey rim: magma_r's 0 (no tie received) is cream, all but invisible on the white map
    points = ax.scatter(
        centrality["lon"],
        centrality["lat"],
        c=values,
        cmap="magma_r",
        s=22,
        norm=norm,
        edgecolors=MARKER_RIM,
        linewidths=0.5,
    )
    if isinstance(norm, SymLogNorm):
        bar = fig.colorbar(
            points, ax=ax, label=f"standardized in-degree (log scale above {norm.linthresh:.2g}, one tie)"
        )
        highest = float(values.max())
        ticks = [0.0] + [
            t
            for t in (k * 10.0**e for e in range(-4, 1) for k in (1, 2, 5))
            if norm.linthresh <= t <= highest
        ]
        bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        bar.ax.yaxis.set_minor_locator(FixedLocator([]))
    else:
        fig.colorbar(points, ax=ax, label="standardized in-degree")
    ax.set_aspect("equal", adjustable="datalim")
    map_ticks(ax)
    ax.set_xlabel(LON_LABEL)
    ax.set_ylabel(LAT_LABEL)
    # titled as the bars beside it and Figure 6's maps are: it had none
    ax.set_title(f"standardized in-degree of all {len(centrality)} units")
    fig.suptitle(f"Figure 7 - {frame.title}")
    fig.tight_layout()
    return fig


def centrality_chart(frame: Frame, centrality: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """Figure 7 as a PNG file."""
    return png.save(centrality_figure(frame, centrality, top), path, frame.source, frame.stamp)
