"""Benchmarks for leader-quiz (see bench/README.md)."""
