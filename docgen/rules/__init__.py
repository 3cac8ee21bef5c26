"""Check stage: the guideline rules (guideline.py) and the member-change diff and rules (change.py)."""
