"""Retention: how long each record is kept, and what happens when its time is up.

`rules` holds the law as pure functions of dates and periods (the clock starts on
1 January after a case closes; «постоянно», ДМН and ЭПК never come due by themselves);
`nomenclature` reads, checks and writes the nomenclature of cases as a document (YAML,
XLSX); `default_nomenclature.yaml` is the default that covers every carrier of the
schools' regulations. The due lists, holds, disposal acts and destruction are built here,
beside the rules they apply, as services over the archive's ports.
"""
