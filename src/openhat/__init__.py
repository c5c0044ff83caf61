"""OpenHAT: clinic software for heroin-assisted treatment."""

__version__ = "0.1.0"
