"""The document pipeline: a file taken in, read page by page, archived and indexed.

`ingest` takes a file in all or nothing; `processing` plans and reads its pages and
finishes it; `manifest` writes the description kept beside it in storage; `indexing`
relays the outbox to the search index; `waiting` follows documents to a final state;
`documents` reads them back for people.
"""
