"""Old import paths of the early warnings, which are their own app now (anxin.warnings, same label).

Kept for what stores or names these paths and is not ours to change yet: queued task rows name
``anxin.ledgers.warnings.tasks.evaluate_warnings`` (tasks.py), and tests of core and demo import the
models from here (models.py). Nothing new should import this package.
"""
