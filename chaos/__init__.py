"""Faults under load: `make chaos` (python -m chaos.run). See docs/chaos.md."""
