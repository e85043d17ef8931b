"""Loopback stand-ins for outside services, built to their published API shapes."""
