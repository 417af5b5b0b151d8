"""armstui's benchmarks: `python -m benchmarks [NAME...] [--quick]` from the repository root.

Each prints one JSON object per line: {"name", "value", "unit", "baseline", "ratio",
"target", "ok"}. Every figure is a ratio against a baseline measured in the same run,
because these machines are noisy.
"""
