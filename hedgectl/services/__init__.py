"""One function per command: a request dataclass in, the result the reporters render out.

This is the layer `hedgectl.audit(...)` and friends call (see hedgectl/api.py) and the CLI
wraps. It owns the settings precedence (flags > HEDGECTL_* env > hedge.toml > defaults, in
settings.py), wires adapters (imported lazily, so `hedgectl --help` and `hedgectl audit` do not
load boto3, huggingface_hub or httpx) and runs the core. No typer or rich here: progress and
warnings reach the caller through plain callbacks.
"""
