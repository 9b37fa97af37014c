"""Scripts run from the repository root; the main job is the `dyngrad train` command."""
