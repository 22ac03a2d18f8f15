"""Versioned ONNX risk models (``models/<name>/<version>/``) and their reproducible training code."""

from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
