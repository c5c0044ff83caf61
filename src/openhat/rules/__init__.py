"""The dosing-safety rules engine: pure Python, no Django, no app imports (see .importlinter).

The engine itself (presets with sources, eligibility, dosing decisions) is built by its own issue;
this package exists now so that the import contract guards it from the first line.
"""
