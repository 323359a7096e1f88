"""ColoredMNIST (paper §6, Table 1; chapter 10): reading the MNIST files (:mod:`.mnist`), the coloured dataset
(:mod:`.dataset`), image augmentations (:mod:`.augment`), the batched encoders and losses (:mod:`.models`), training
and evaluation of the pipelines (:mod:`.training`), the linear probe (:mod:`.softmax_probe`), the colour–shape oracle
(:mod:`.oracle`), Table 1 and its ablations (:mod:`.table1`) and the chapter's figures (:mod:`.figures`).
"""
