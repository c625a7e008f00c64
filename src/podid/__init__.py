"""podid: least-privilege DNS automation on AKS, and a faithful local Azure + AKS sandbox."""

__all__ = ["__version__"]

__version__ = "0.1.0"
