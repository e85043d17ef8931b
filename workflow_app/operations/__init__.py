"""Operations: what an IT office runs and watches (backup and restore, health, metrics,
logs). One module per concern."""
