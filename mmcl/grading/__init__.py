"""Grading a class (``python -m mmcl grade``): the exercises of the instructor notebooks and their points
(:mod:`.catalog`), one student's chapter graded in a fresh kernel (:mod:`.runner`), the grader's side inside that
kernel, with the traps that catch an answer calling the reference implementation (:mod:`.sandbox`), and the class's
CSV and feedback files (:mod:`.report`). The instructor guide's section "Grading a class" describes its use.
"""
