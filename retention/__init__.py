"""Nomenclature of cases, retention clock, disposal lists, holds and acts.

Empty on purpose until the nomenclature issue lands: nothing here is imported yet, and no
retention decision is made anywhere else in the meantime.
"""
