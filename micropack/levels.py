"""The granularity levels of pack and minify (micropack/expand.py keeps
what each one keeps); apart so the command line reads them without
importing the packer."""

GRANULARITIES = ("file", "unit", "package")
# Chosen by measurement on the application suite (README, "Granularity").
DEFAULT_GRANULARITY = "unit"
