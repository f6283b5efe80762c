"""Benchmarks, each runnable as ``python -m evals.benchmarks.<name>``; figures go in the README, never in asserts."""
