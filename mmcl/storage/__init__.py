"""Result files (used by the command line, the sweeps and ColoredMNIST): atomic writes (:mod:`.atomic`) and JSON
records with their provenance (:mod:`.records`).
"""
