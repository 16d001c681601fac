"""The mechanisms of PeaceModel, one per file; each registers itself (see base.py)."""
