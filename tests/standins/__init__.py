"""Loopback stand-ins for outside services, built to the providers' published API shapes."""
