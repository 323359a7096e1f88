"""Project tools: notebook execution of record (:mod:`tools.execute_notebooks`) and a Sphinx helper."""
