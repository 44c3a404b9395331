"""Evaluation against the gold question sets: the sets read (gold), each answer scored (score),
a run's figures and their gates (metrics), run folders and comparisons (runs), the written
report in text, Markdown and HTML (render) and its figures (plots), and the decision refit
(calibrate)."""
