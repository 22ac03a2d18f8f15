"""Imbalance and impact reports from pooled de-identified referral exports (DuckDB or Spark)."""
