"""Text utilities shared by every stage: the word tokenizer, sentence splitting, token windows, cable jargon."""
