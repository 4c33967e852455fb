"""Evaluation against gold Q&A: gold sets (gold.py), one definition per metric (metrics.py), the resumable runner
(runner.py) keyed by everything that can change a result (identity.py), and reports (report.py)."""
