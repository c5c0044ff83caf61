"""Synthetic clinics for demos, load tests and reports. Every person here is invented."""
