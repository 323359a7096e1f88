"""Sweeps over the synthetic task (chapters 9 and 11): grids of configurations (:mod:`.grid`) trained batched and
resumable (:mod:`.runner`), in this process or on a Dask cluster (:mod:`.cluster`), into JSON-lines results files
(:mod:`.results`), the phase diagram's surfaces and derived quantities (:mod:`.phase`), chapter 11's figures
(:mod:`.figures`), the (τ, σ₀) sensitivity map of chapter 9 (:mod:`.sensitivity`), the robustness of chapter 11's
findings over (τ, σ₀) (:mod:`.robustness`), and the statistics over seeds that every verdict uses — t intervals and
tests, the bootstrap, Benjamini–Hochberg, binomial intervals (:mod:`.stats`).
"""
