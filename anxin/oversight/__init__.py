"""The bureau's side of the campaign: oversight apps (opinion register, reports upward, …)."""
