"""Helpers of bench/networks.py and bench/verdicts.py: the planted worlds (worlds.py), truth metrics
(metrics.py) and time/memory measurement (perf.py)."""
