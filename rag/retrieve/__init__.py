"""Retrieval: question analysis (cable IDs, paragraphs, filters in words) and hybrid dense + BM25 fusion."""
