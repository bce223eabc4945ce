"""The demo city ``anxin demo`` generates: the organisation (city.py), the cases (cases/) and the
ledgers (ledgers.py). Made-up people only. The top floor of the house: it may import every app,
and no app imports it."""
