"""The dosing station's services: the only writers of sessions and administrations."""
