"""Network statistics and tier-imbalance reports."""
