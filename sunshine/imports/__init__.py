"""Imports of uploaded tables (CSV/XLSX): reading files and recording each batch."""
