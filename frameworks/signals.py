from django.dispatch import Signal

# Sent inside the publishing transaction, after the new version is marked
# published and the previous one archived. Arguments: framework (the new
# version), previous (the archived one, or None) and level_map (previous
# level id -> new Level with the same code). Apps that point at levels (people)
# re-point their rows here; a receiver that raises aborts the whole publish.
# frameworks may not import those apps (DESIGN.md import direction), hence a signal.
framework_published = Signal()
