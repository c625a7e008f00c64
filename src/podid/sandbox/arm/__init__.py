"""The ARM front door and one package per resource provider."""
