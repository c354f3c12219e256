"""The school's records: the nomenclature of cases, filing documents into cases and
their volumes, metadata proposals read from the text, and the pupils the records are
about.
"""
