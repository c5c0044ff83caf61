"""The dosing station's services: the only writers of sessions, doses and adverse events."""
