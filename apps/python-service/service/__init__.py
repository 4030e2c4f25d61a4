"""Sample service deployed by distroless-platform, standard library only."""

__version__ = "1.0.0"
