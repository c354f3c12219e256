"""Disposal (выделение к уничтожению): each case's retention read from the catalog, the
year's list of what is due and what is held back, and holds. Acts and destruction build
on these."""
