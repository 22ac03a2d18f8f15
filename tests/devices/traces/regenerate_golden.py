"""Rewrite the golden files from the current code. Run only after a deliberate change, then
inspect every diff against the trace content before committing:

    .venv/bin/python -m tests.devices.traces.regenerate_golden
"""

from __future__ import annotations

import json

from tests.devices.traces.golden_io import GOLDEN, TRACES, golden_path, replay_summary


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for trace in TRACES:
        path = golden_path(trace)
        path.write_text(
            json.dumps(replay_summary(trace), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
