"""Fuzzing of the public forms, the staff forms and the envelope parsers (`make fuzz`, docs/fuzzing.md)."""
