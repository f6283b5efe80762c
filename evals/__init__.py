"""Eval suites (datasets, evaluators, runners, reports) and benchmarks: see the README's "Tests, evals and
benchmarks"."""
