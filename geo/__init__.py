"""Domain code for the Baoding map: boundaries, datums, indicators, maps."""
