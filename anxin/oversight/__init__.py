"""The bureau's side (issue #12): figures from count tables (``stats``), the scorecard and
supervision, online opinion and reports upward. Each sub-package is its own app."""
