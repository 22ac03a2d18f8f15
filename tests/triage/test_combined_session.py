"""The loaded risk models are scored with one onnxruntime run (``triage.combined_session``): one
graph built in memory from the verified model files. Every probability must be the one each
model's own session gives, bit for bit, over generated rows; graphs it cannot combine are left to
run one by one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from bench.triage import PATIENT, observations
from triage.combined_session import combined_run
from triage.onnx_combine import combine
from triage.ort import ort
from triage.patient import PatientContext
from triage.riskmodels import ModelSet, RiskModel, load_models


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _public(model: RiskModel, row: list[float]) -> float:
    (proba,) = model._session.run(model._outputs, {model._input: np.array([row], dtype=np.float32)})
    return float(proba[0, model._positive])


def test_the_loaded_models_are_scored_by_one_run(model_set: ModelSet) -> None:
    """A thread that scores a patient binds the combined session's buffers and none of the models'
    own: one run, not four."""
    assert model_set._combined is not None
    values: dict[str, float | str] = {o.code: o.numeric or str(o.value) for o in observations()}
    seen: dict[str, object] = {}

    def score() -> None:
        predictions = model_set.predict(PATIENT, values)
        seen["scored"] = sum(p.probability is not None for p in predictions)
        seen["own slots"] = [hasattr(m._local, "slot") for m in model_set.models.values()]
        seen["combined slot"] = hasattr(model_set._combined._local, "slot")  # type: ignore[union-attr]

    thread = threading.Thread(target=score)
    thread.start()
    thread.join()
    assert seen == {"scored": 4, "own slots": [False] * 4, "combined slot": True}


_ROWS: dict[str, st.SearchStrategy[list[float]]] = {}


def _row(model: RiskModel) -> st.SearchStrategy[list[float]]:
    """A row of the model's features, the strategy built once per model: Hypothesis validates each
    new strategy object it is given to draw from, which took longer than the draws themselves."""
    if model.name not in _ROWS:
        _ROWS[model.name] = _new_row(model)
    return _ROWS[model.name]


def _new_row(model: RiskModel) -> st.SearchStrategy[list[float]]:
    columns = []
    for spec in model.card.features:
        low, high = spec.range
        columns.append(
            st.one_of(
                st.floats(low, high),
                st.floats(low - 100, high + 100),
                st.just(float(spec.median)),
            )
        )
    return st.tuples(*columns).map(list)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_one_run_gives_each_models_own_probability_bit_for_bit(
    model_set: ModelSet, data: st.DataObject
) -> None:
    models = list(model_set.models.values())
    rows = [(i, data.draw(_row(m), label=m.name)) for i, m in enumerate(models)]
    # a subset too: the models not given keep their previous row and are not read
    chosen = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=4, unique_by=lambda r: r[0]))
    got = model_set._combined.score(chosen)  # type: ignore[union-attr]
    assert got == [models[i]._score(row) for i, row in chosen]
    assert got == [_public(models[i], row) for i, row in chosen]


def test_threads_scoring_at_once_each_get_their_own_rows_result(model_set: ModelSet) -> None:
    models = list(model_set.models.values())
    rows = [
        [float(s.range[0]) + k * (s.range[1] - s.range[0]) / 40 for s in m._specs]
        for k in range(40)
        for m in models
    ]
    jobs = [(k % 4, rows[k]) for k in range(len(rows))]
    combined = model_set._combined
    assert combined is not None
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda job: combined.score([job])[0], jobs * 5))
    assert got == [_public(models[i], row) for i, row in jobs] * 5


def test_set_predictions_equal_those_of_models_run_one_by_one(model_set: ModelSet) -> None:
    one_by_one = load_models()
    one_by_one._combined = None
    patients = [
        PatientContext(age=61, sex="female", on_antihypertensives=True, current_smoker=True, bmi=27.4),
        PatientContext(age=45, sex="male", diabetes=False, bmi=31.0),
        PatientContext(age=72, sex="male", ckd=False),
    ]
    values: list[dict[str, float | str]] = [
        {"sbp": 152.0, "dbp": 91.0, "glucose_random": 7.4, "creatinine": 104.0, "total_cholesterol": 6.2},
        {"sbp": 262.0, "dbp": 130.0, "glucose_fasting": 8.5, "urine_protein": "2+", "creatinine": 95.0},
        {"urine_sg": 1.015, "urine_protein": "trace", "hemoglobin": 141.0, "glucose_random": 11.0},
        {},
    ]
    for patient in patients:
        for given_values in values:
            assert model_set.predict(patient, given_values) == one_by_one.predict(patient, given_values)


def _plain(initializer: bool = False, opset: int = 17) -> bytes:
    """A one-node graph (X * 2 -> probabilities), with its factor as an initializer or a constant."""
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])
    y = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])
    two = helper.make_tensor("two", TensorProto.FLOAT, [1], [2.0])
    if initializer:
        nodes, inits = [helper.make_node("Mul", ["X", "two"], ["probabilities"])], [two]
    else:
        nodes = [
            helper.make_node("Constant", [], ["two"], value=two),
            helper.make_node("Mul", ["X", "two"], ["probabilities"]),
        ]
        inits = []
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=inits)
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8
    ).SerializeToString()


def test_plain_graphs_are_combined_and_others_are_left_to_run_alone() -> None:
    data = combine([(_plain(), "probabilities"), (_plain(), "probabilities")])
    assert data is not None
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["0/X", "1/X"]
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    a, b = session.run(None, {"0/X": np.array([[1, 2]], np.float32), "1/X": np.array([[3, 4]], np.float32)})
    assert a.tolist() == [[2, 4]] and b.tolist() == [[6, 8]]
    # an initializer, another operator set, an output the graph does not have, or bytes that are
    # no model: not combined (the models then run one by one)
    assert combine([(_plain(), "probabilities"), (_plain(initializer=True), "probabilities")]) is None
    assert combine([(_plain(), "probabilities"), (_plain(opset=15), "probabilities")]) is None
    assert combine([(_plain(), "probabilities"), (_plain(), "label")]) is None
    assert combine([(_plain(), "probabilities"), (b"\xff\xff", "probabilities")]) is None


def test_models_without_their_file_bytes_run_one_by_one(model_set: ModelSet) -> None:
    models = list(model_set.models.values())
    assert combined_run(models[:1]) is None  # one model: nothing to combine
    stripped = [RiskModel(m.card, m._session, m.golden_max_diff, m.path) for m in models]
    assert combined_run(stripped) is None
