"""ERGM engine: statnet-style formulas fitted by exact MLE (dyad-independent) or MCMC-MLE."""
