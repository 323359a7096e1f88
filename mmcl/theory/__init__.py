"""The theory (paper §4–5 and Appendices B–D, chapters 3–8 and 12): what the theory predicts for a configuration —
rates, ``T₁``, Assumption 4.1 (:mod:`.predictions`); the Monte Carlo engine (:mod:`.montecarlo`, :mod:`.probability`)
and the time-0 lemmas it checks (Appendix B in :mod:`.appendix_b`, C in :mod:`.init_single`, D in :mod:`.init_multi`,
all verdicts in :mod:`.init_lemmas`); recorded training trajectories (:mod:`.trajectory`); the lemma checks of
stage 1 (shared quantities in :mod:`.stage1`, single-modal in :mod:`.stage1_single`, multi-modal in
:mod:`.stage1_multi`) and stage 2 (:mod:`.stage2`); the downstream embedding of Theorems 4.2–4.3
(:mod:`.downstream`); the verdict vocabulary and catalogue (:mod:`.verdicts`); the audit of every check
(:mod:`.audit`) and the theory chapters' figures (:mod:`.plots`). Multi-modal side: the reference point of the
stage-2 proofs (:mod:`.reference`), the errata of Appendix D settled by computation (:mod:`.errata_multi`), the
conserved quantity of synchronisation (:mod:`.conservation`) and the stage verdicts over seeds (:mod:`.seeds_multi`).
Single-modal side and theorems: Lemma 5.1 checked against plain gradient descent (:mod:`.recursion`), the single-modal
errata and Lemma 5.4's noise bound settled by computation (:mod:`.errata`), the single-modal stage verdicts over seeds
(:mod:`.over_seeds`), Theorems 4.2–4.3 measured over seeds and sizes (:mod:`.theorems`) and the lemma dependency
graph (:mod:`.dependencies`).
"""
