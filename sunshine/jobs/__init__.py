"""The jobs runner: one entry (``flask jobs run``) that runs every due job once."""
