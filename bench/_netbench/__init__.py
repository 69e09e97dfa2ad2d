"""Helpers of bench/networks.py: truth metrics (metrics.py) and time/memory measurement (perf.py)."""
