"""The theory (paper §4–5 and Appendices B–D, chapters 3–8 and 12): what the theory predicts for a configuration —
rates, ``T₁``, Assumption 4.1 (:mod:`.predictions`); the Monte Carlo engine (:mod:`.montecarlo`) and the time-0
lemmas it checks (:mod:`.init_lemmas`); recorded training trajectories (:mod:`.trajectory`); the lemma checks of
stage 1 (:mod:`.stage1`) and stage 2 (:mod:`.stage2`); the verdict vocabulary and catalogue (:mod:`.verdicts`); the
audit of every check (:mod:`.audit`) and the theory chapters' figures (:mod:`.plots`).
"""
