"""factlake: versioned, queryable datasets of facts extracted from news articles."""

__version__ = "0.1.0"
