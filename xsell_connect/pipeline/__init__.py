"""The decision pipeline (DESIGN §6): detect, enrich, decide, govern, act, learn."""
