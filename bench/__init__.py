"""Benchmarks. Each times our code against a floor measured in the same run and reports ratios."""
