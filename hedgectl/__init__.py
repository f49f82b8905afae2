"""hedgectl: hedge against LLM providers vanishing overnight."""

__version__ = "0.1.0"
