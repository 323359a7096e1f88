"""Project tools: notebook execution of record (:mod:`tools.execute_notebooks`), the student edition
(:mod:`tools.make_student`), local copies of CDN scripts for the browser test (:mod:`tools.cdn_copies`) and three
Sphinx helpers (:mod:`tools.sphinx_dedupe`, :mod:`tools.sphinx_paper_numbers`, :mod:`tools.sphinx_page_fixes`)."""
