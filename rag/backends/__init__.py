"""Model backends: embedders and LLMs, one core method each, and where their weights come from."""
