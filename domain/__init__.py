"""Domain layer: models, money, statuses, services. No Flask request objects in here."""
