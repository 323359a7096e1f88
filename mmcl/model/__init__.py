"""The model and its training (paper §3, chapters 1–2 and 9): the configuration (:mod:`.config`), the data model of
eqs. (1), (2), (5) (:mod:`.data`), the ReLU encoder of eq. (3) (:mod:`.encoder`), the InfoMax losses of eqs. (4),
(6), (9) (:mod:`.losses`), their closed-form gradient steps, eqs. (7), (10) (:mod:`.dynamics`), the batched trainer
(:mod:`.trainer`), the downstream probe of §3.3 (:mod:`.probe`), the signal/noise decomposition of eq. (11)
(:mod:`.decomposition`), and small helpers the chapters use: the signal-to-noise ratio (:mod:`.snr`), the
initialisation strategies and the loss at initialisation (:mod:`.initialization`), the autograd check of the closed
forms (:mod:`.checks`) and the scaling of a configuration to another dimension (:mod:`.scaling`). Every other
subpackage builds on this one.
"""
