"""Evaluation against the gold question sets: each answer scored (score), a run's figures
(metrics), run folders, comparisons and threshold gates (runs), the written report in text,
Markdown and HTML (render) and its figures (plots), and the decision refit (calibrate)."""
