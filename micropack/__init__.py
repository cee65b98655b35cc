"""micropack: turn a container into a microcontainer holding only the files it uses."""

__version__ = "0.1.0"
