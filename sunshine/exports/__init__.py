"""Excel exports: asked for by an admin, written by a job, downloaded for a limited time."""
