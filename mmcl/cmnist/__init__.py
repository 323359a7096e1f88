"""ColoredMNIST (paper §6, Table 1; chapter 10): reading the MNIST files (:mod:`.mnist`), the coloured dataset
(:mod:`.dataset`), image augmentations (:mod:`.augment`), captions in words (:mod:`.captions`) and their tokenizer
and text encoder (:mod:`.text`), the batched encoders and losses (:mod:`.models`), the settings of a run
(:mod:`.config`), training and evaluation of the pipelines (:mod:`.training`), the linear probe
(:mod:`.softmax_probe`), the colour–shape oracle (:mod:`.oracle`), Table 1 and its ablations (:mod:`.table1`),
recorded grids of runs (:mod:`.grids`) and their intervals and figures (:mod:`.grid_figures`), and the chapter's
other figures (:mod:`.figures`).
"""
