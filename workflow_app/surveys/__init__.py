"""Mass satisfaction (群众满意度): anonymous one-time-link surveys and phone spot checks."""
