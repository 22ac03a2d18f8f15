"""clinic-triage: published clinical scores and ONNX risk models that route primary-care patients."""

__version__ = "0.1.0"
