"""Answering: prompts, conversation (follow-ups), metadata answers, and the pipeline that streams an answer and
hands every sentence to the checking stage (rag/check) before it is shown."""
