"""Synthetic data and benchmarks at a million tips (docs/benchmarks.md)."""
