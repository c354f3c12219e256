"""Use cases: each service does one job for a caller (CLI, web view, Celery task).

Grouped by what they serve: `pipeline` (a document from intake to the index), `records`
(nomenclature, filing, cases, pupils, transfers, the e-journal), `batch` (stacks, cover
sheets, bulk import, the hot folder), `disposal` (what is due, holds, acts, destruction,
object locks), `moving` (BagIt packages of a pupil or a whole school) and `admin`
(audit, labels, fixity, backups, moving an archive to servers). `zip_members` is the
one check every uploaded ZIP passes before it is unpacked.
"""
