"""Mapping OpenHAT records to FHIR R4 resources, built and validated by fhir.resources.R4B."""
