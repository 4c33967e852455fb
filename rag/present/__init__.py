"""How records are shown: plain text with citation labels (text.py), JSON (json.py: one serializer per record),
HTML for the chat (html.py) and conversation exports (export.py). Pure functions; everything from a cable is data."""
