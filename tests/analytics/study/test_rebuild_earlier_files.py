"""A rebuild into an --out folder used before removes the files the earlier rebuild wrote and this
one did not (a frame no longer in the study): they stayed beside the new report's, looking current.
Only files the earlier run recorded in written-files.json, unchanged since, are removed."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

from triage.cli import main
from triage.cli.paths import WRITTEN_MANIFEST, replace_earlier_outputs

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def _rebuild(data: Path, out: Path) -> str:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        assert main(["study", "rebuild", "--data", str(data), "--out", str(out)]) == 0
    return stdout.getvalue()


def test_a_frame_dropped_from_the_study_leaves_no_files_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(EXAMPLE, data)
    study = json.loads((data / "study.json").read_text(encoding="utf-8"))
    region = study["frames"][0]
    study["frames"].append(region | {"key": "older", "title": "an older frame"})
    (data / "study.json").write_text(json.dumps(study), encoding="utf-8")
    out = tmp_path / "out"
    _rebuild(data, out)
    older = sorted(p.name for p in out.iterdir() if "older" in p.name)
    assert "figure2_network_older.png" in older and "table_older.csv" in older
    (out / "my-notes.txt").write_text("the analyst's own file\n", encoding="utf-8")
    (out / "gof_degree_older.csv").write_text("edited by hand\n", encoding="utf-8")

    study["frames"] = [region]
    (data / "study.json").write_text(json.dumps(study), encoding="utf-8")
    printed = _rebuild(data, out)

    left = sorted(p.name for p in out.iterdir() if "older" in p.name)
    assert left == ["gof_degree_older.csv"]  # changed since: left, and said
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "the analyst's own file\n"
    assert (out / "figure2_network_region.png").is_file() and (out / "report.html").is_file()
    removed = [name for name in older if name != "gof_degree_older.csv"]
    assert f"removed {len(removed)} files an earlier rebuild wrote in {out} and this one did not" in printed
    assert "figure2_network_older.png" in printed
    assert f"left 1 file an earlier rebuild wrote in {out}, not written by this one, as they were" in printed
    recorded = json.loads((out / WRITTEN_MANIFEST).read_text(encoding="utf-8"))
    assert recorded["written_by"] == "triage study rebuild"
    assert "report.html" in recorded["files"] and not any("older" in name for name in recorded["files"])


def test_only_recorded_unchanged_files_inside_out_and_outside_the_input_are_removed(tmp_path: Path) -> None:
    out, data = tmp_path / "out", tmp_path / "out" / "mine"
    data.mkdir(parents=True)
    files = {name: out / name for name in ("a.csv", "b.png", "mine/input.csv", "link.csv")}
    for path in [*files.values(), tmp_path / "outside.csv"]:
        if path.name != "link.csv":
            path.write_text(path.name, encoding="utf-8")
    replace_earlier_outputs(out, [files["a.csv"], files["b.png"], files["mine/input.csv"]], "cmd")
    files["link.csv"].symlink_to(tmp_path / "outside.csv")
    recorded = json.loads((out / WRITTEN_MANIFEST).read_text(encoding="utf-8"))
    recorded["files"]["../outside.csv"] = recorded["files"]["a.csv"] = recorded["files"]["b.png"]
    recorded["files"]["link.csv"] = recorded["files"]["b.png"]
    (out / WRITTEN_MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    (tmp_path / "outside.csv").write_text("b.png", encoding="utf-8")  # the same bytes as b.png

    earlier = replace_earlier_outputs(out, [], "cmd", keep_under=data)

    assert earlier.removed == [files["b.png"]]  # a.csv's recorded digest is not its own: changed
    assert earlier.changed == [files["a.csv"]]
    assert (tmp_path / "outside.csv").is_file() and files["link.csv"].is_symlink()
    assert files["mine/input.csv"].is_file()  # under the run's input folder
