"""Everything ``anxin demo`` generates beyond the organisation (the project's demo generators go here)."""
