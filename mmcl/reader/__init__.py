"""The reader's tools, used by every chapter: notebook set-up (:mod:`.notebook`), the figures of the synthetic
chapters (:mod:`.plot`), the interactive explorers of chapters 2, 9 and 11 (:mod:`.explorers`) and the automatic
checks of the exercises (:mod:`.exercises`). ``mmcl.notebook``, ``mmcl.plot``, ``mmcl.explorers`` and
``mmcl.exercises`` are these modules.
"""
