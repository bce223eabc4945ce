"""Daily per-school count tables and the dashboards that read only them (Zulip's analytics app)."""
