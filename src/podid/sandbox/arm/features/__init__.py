"""Microsoft.Features: preview feature registration per subscription."""
