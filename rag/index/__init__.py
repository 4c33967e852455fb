"""The index on disk: a versioned folder (manifest, SQLite store, FAISS, BM25) and its read-only loader."""
