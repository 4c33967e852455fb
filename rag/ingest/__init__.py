"""Ingestion: files to cables (parse/), cables to passages (passages.py), passages into a new index version
(build.py: the only writer of the index)."""
