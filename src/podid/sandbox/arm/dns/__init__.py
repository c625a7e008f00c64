"""Microsoft.Network: public DNS zones and their record sets."""
