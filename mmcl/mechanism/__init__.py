"""The paper's mechanism measured (chapter 13): per-neuron synchronisation of the two encoders' signal signs
(Lemma D.3) and how it depends on the correlation between the modalities and on the initialisation.

:mod:`.sign_classes` reads the sign classes of ``(⟨w_r, μ⟩, ⟨w̃_r, μ̃⟩)``, synchronisation times, which half flips
and the activation-pattern agreement from a run or a recorded sweep cell; :mod:`.initialisation` turns a cell into
per-seed measures (pre-synchronisation length, stage-1 end against Lemma 5.4's ``T₁``, final coefficients, OOD
accuracy) and compares strategies seed by seed with Benjamini–Hochberg; :mod:`.figures` draws them;
:mod:`.explorer` replays one run's sign classes for a chosen strategy. The strategies themselves are in
:mod:`mmcl.model.initialization` (the trainer needs them).
"""
