"""One ONNX graph holding several verified single-input models, so one onnxruntime run scores them all.

``ModelSet.predict`` scored the four shipped models with four onnxruntime runs per patient; each
run pays onnxruntime's fixed cost (about 19 K instructions of ~77 K for the four). :func:`combine`
builds, in memory and at load time, one model whose graph holds each model's nodes side by side,
their tensors renamed ``<index>/<name>`` so they cannot meet: input ``<index>/X`` and the
probability output ``<index>/<output>`` of model ``index``. Nothing is computed differently: the
same nodes with the same attributes (the coefficients live in them) run on the same rows, and
``ModelSet`` uses the combined session only when it gives each model's own session's
probabilities bit for bit (``triage.riskprediction``).

The shipped files are not touched: each is read, its sha256, card, feature contract, golden vectors
and manifest checked by ``triage.riskmodels.load_model``, and only then combined here.

It is a protobuf codec of the few ONNX messages needed (``onnx.proto``: ModelProto, GraphProto,
NodeProto, ValueInfoProto), written here because serving does not install the ``onnx`` package.
A graph with anything beyond nodes, one input and outputs (initializers, value_info, functions,
sparse initializers, training info), or models whose IR version or operator sets differ, is not
combined: :func:`combine` returns ``None`` and each model runs on its own, as before.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

# field numbers (onnx.proto)
_MODEL_IR_VERSION, _MODEL_GRAPH, _MODEL_OPSET = 1, 7, 8
_MODEL_KEPT = {2, 3, 4, 5, 6, 14}  # producer, domain, version, doc string, metadata: dropped, harmless
_GRAPH_NODE, _GRAPH_NAME, _GRAPH_DOC, _GRAPH_INPUT, _GRAPH_OUTPUT = 1, 2, 10, 11, 12
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME = 1, 2, 3
_VALUE_NAME = 1
_VARINT, _BYTES = 0, 2

Field = tuple[int, int, int | bytes]  # (number, wire type, varint value or payload)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(data: bytes) -> list[Field]:
    """The top-level fields of one protobuf message, in order (varints and length-delimited only:
    the ONNX messages read here have no other wire type at the levels this module walks)."""
    out: list[Field] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, at = _varint(data, at)
            out.append((number, wire, value))
        elif wire == _BYTES:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ValueError("truncated field")
            out.append((number, wire, data[at : at + size]))
            at += size
        else:
            raise ValueError(f"wire type {wire} of field {number} is not read here")
    return out


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode(fields: Sequence[Field]) -> bytes:
    out = bytearray()
    for number, wire, value in fields:
        out += _encode_varint(number << 3 | wire)
        if isinstance(value, int):
            out += _encode_varint(value)
        else:
            out += _encode_varint(len(value)) + value
    return bytes(out)


def _text(number: int, text: str) -> Field:
    return (number, _BYTES, text.encode("utf-8"))


def _renamed(message: bytes, names: set[int], prefix: str) -> bytes:
    """``message`` with its string fields numbered ``names`` prefixed (an empty name, an optional
    input left out, stays empty)."""
    return _encode(
        [
            (n, w, (prefix.encode() + v if v else v) if n in names and isinstance(v, bytes) else v)
            for n, w, v in _fields(message)
        ]
    )


def _name(value_info: bytes) -> str:
    for n, _, v in _fields(value_info):
        if n == _VALUE_NAME and isinstance(v, bytes):
            return v.decode("utf-8")
    return ""


def combine(models: Sequence[tuple[bytes, str]]) -> bytes | None:
    """One ONNX model scoring every ``(model bytes, probability output name)`` at once: model
    ``i``'s input is ``f"{i}/{its input name}"`` and its output ``f"{i}/{output}"``. ``None`` when
    a model is not the plain single-input graph this combines (see the module docstring)."""
    ir_versions: set[int] = set()
    opsets: list[bytes] | None = None
    nodes: list[Field] = []
    inputs: list[Field] = []
    outputs: list[Field] = []
    try:
        for index, (data, output) in enumerate(models):
            prefix = f"{index}/"
            graph: bytes | None = None
            model_opsets: list[bytes] = []
            for n, _, v in _fields(data):
                if n == _MODEL_IR_VERSION and isinstance(v, int):
                    ir_versions.add(v)
                elif n == _MODEL_GRAPH and isinstance(v, bytes):
                    graph = v
                elif n == _MODEL_OPSET and isinstance(v, bytes):
                    model_opsets.append(v)
                elif n not in _MODEL_KEPT:
                    return None  # functions, training info, anything newer: not combined
            if graph is None or (opsets is not None and sorted(model_opsets) != sorted(opsets)):
                return None
            opsets = model_opsets
            graph_inputs, found = [], False
            for n, _, v in _fields(graph):
                if not isinstance(v, bytes):
                    return None
                if n == _GRAPH_NODE:
                    nodes.append((n, _BYTES, _renamed(v, {_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME}, prefix)))
                elif n == _GRAPH_INPUT:
                    graph_inputs.append(v)
                elif n == _GRAPH_OUTPUT:
                    if _name(v) == output:
                        outputs.append((n, _BYTES, _renamed(v, {_VALUE_NAME}, prefix)))
                        found = True
                elif n not in (_GRAPH_NAME, _GRAPH_DOC):
                    return None  # initializers, value_info, sparse initializers: not combined
            if len(graph_inputs) != 1 or not found:
                return None
            inputs.append((_GRAPH_INPUT, _BYTES, _renamed(graph_inputs[0], {_VALUE_NAME}, prefix)))
    except (ValueError, UnicodeDecodeError):
        return None
    if len(ir_versions) != 1 or opsets is None:
        return None
    graph_fields = [*nodes, _text(_GRAPH_NAME, "combined"), *inputs, *outputs]
    return _encode(
        [
            (_MODEL_IR_VERSION, _VARINT, ir_versions.pop()),
            *[(_MODEL_OPSET, _BYTES, o) for o in opsets],
            (_MODEL_GRAPH, _BYTES, _encode(graph_fields)),
        ]
    )
