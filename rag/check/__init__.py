"""Citation checking: find citations in text (citations.py), score support (support.py), and decide verdicts
sentence by sentence (attribution.py) for chat answers and for `cables check` alike."""
