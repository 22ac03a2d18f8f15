"""Dyadic covariates from geography and culture: pure functions over node tables."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
#: GeoProx = GEO_SCALE_KM / great-circle distance, i.e. the inverse of the distance in 100 km.
GEO_SCALE_KM = 100.0

FloatMatrix = npt.NDArray[np.float64]


def great_circle_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatMatrix:
    """Pairwise haversine distances (km) between points given in degrees."""
    lon_r = np.radians(np.asarray(lon, dtype=float))
    lat_r = np.radians(np.asarray(lat, dtype=float))
    dlat = lat_r[:, None] - lat_r[None, :]
    dlon = lon_r[:, None] - lon_r[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_r)[:, None] * np.cos(lat_r)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geographic_proximity(lon: npt.ArrayLike, lat: npt.ArrayLike, floor_km: float = 1.0) -> FloatMatrix:
    """GeoProx_ij = 100 km / distance_ij (distances below ``floor_km`` count as ``floor_km``).

    The diagonal is 0 (no self-ties). Seats are GCJ-02 coordinates; the datum offset
    (under 1 km) is irrelevant at this scale.
    """
    dist = great_circle_km(lon, lat)
    prox = GEO_SCALE_KM / np.maximum(dist, floor_km)
    np.fill_diagonal(prox, 0.0)
    return prox


def cultural_proximity(dialect: npt.ArrayLike) -> FloatMatrix:
    """CulProx_ij = 1 when units i and j share a dialect region (empty values never match)."""
    values = np.asarray(dialect, dtype=object)
    known = np.array([isinstance(v, str) and v != "" for v in values])
    same = (values[:, None] == values[None, :]) & known[:, None] & known[None, :]
    out = same.astype(float)
    np.fill_diagonal(out, 0.0)
    return out
