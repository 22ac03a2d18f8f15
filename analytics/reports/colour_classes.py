"""Colour classes for a skewed measure on a map: the referral network's hospitals by standardized
in-degree.

A linear colour scale over a measure where one hub stands far above the rest (the generator's
provincial centre at 0.686, every other hospital at 0.171; a region's referral hospitals are
like that) gave nearly every hospital the same pale colour, the hub alone told apart. Here each
distinct value has a colour class of its own while there are at most :data:`MOST_CLASSES`; with
more, the classes are quantiles (each holds about the same number of hospitals), cut only between
distinct values, so equal values always share a class. The colours are evenly spaced, so two
classes are always told apart, and the colour bar says which kind of scale it is and labels each
class with the values in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FixedLocator

#: More classes than this are hard to tell apart on a sequential colour map.
MOST_CLASSES = 7


@dataclass(frozen=True)
class ColourClasses:
    """``index``: each value's class (0 the lowest; -1 for a value that is not a number);
    ``labels``: each class's values (``0.171`` or ``0.200-0.343``); ``scale``: how the classes were
    made, in the colour bar's words."""

    index: np.ndarray
    labels: tuple[str, ...]
    scale: str


def colour_classes(values: Sequence[float], noun: str, most: int = MOST_CLASSES) -> ColourClasses:
    """The classes of ``values`` (NaN: no class): one per distinct value up to ``most``, else
    ``most`` quantile classes (``noun``: what the values are of, for the scale's words)."""
    numbers = np.asarray(values, dtype=float)
    known = numbers[np.isfinite(numbers)]
    distinct = np.unique(known)
    if len(distinct) <= most:
        of_distinct = np.arange(len(distinct))
        # none: a map of no located hospital had a bar of classes that were not there
        scale = "one colour per value" if len(distinct) else f"no {noun} with a value"
    else:
        # a value's class from the share of values below it: equal values share a class, and a
        # class no value starts in is dropped (the numbering closes up)
        below = np.searchsorted(np.sort(known), distinct, side="left") / len(known)
        raw = np.minimum((below * most).astype(int), most - 1)
        of_distinct = np.unique(raw, return_inverse=True)[1]
        scale = f"quantile classes, about {math.ceil(len(known) / most)} {noun} each"
    index = np.full(len(numbers), -1)
    finite = np.isfinite(numbers)
    index[finite] = of_distinct[np.searchsorted(distinct, numbers[finite])]
    labels = []
    for k in range(int(of_distinct.max()) + 1 if len(distinct) else 0):
        inside = distinct[of_distinct == k]
        low, high = float(inside.min()), float(inside.max())
        labels.append(f"{low:.3f}" if low == high else f"{low:.3f}-{high:.3f}")
    return ColourClasses(index, tuple(labels), scale)


def class_colours(count: int, cmap: Any) -> ListedColormap:
    """``count`` evenly spaced colours of ``cmap`` from light (not white: a class must show on the
    white map) to dark."""
    spots = [0.6] if count == 1 else np.linspace(0.25, 0.95, count)
    return ListedColormap([cmap(float(s)) for s in spots])


def class_colour_bar(fig: Any, ax: Any, points: Any, classes: ColourClasses, label: str) -> Any:
    """A colour bar of one band per class, each labelled with its values, ``label`` followed by
    how the classes were made."""
    bar = fig.colorbar(points, ax=ax, label=f"{label}\n({classes.scale})")
    bar.ax.yaxis.set_major_locator(FixedLocator(list(range(len(classes.labels)))))
    bar.ax.set_yticklabels(list(classes.labels), fontsize=8)
    bar.ax.yaxis.set_minor_locator(FixedLocator([]))
    return bar
