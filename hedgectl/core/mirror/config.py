"""hedge.toml [mirror]: defaults for `hedgectl mirror` (flags and env still win).

[mirror]
endpoint_url = "http://127.0.0.1:8333"   # S3-compatible store; AWS_ENDPOINT_URL works too
region = "us-east-1"
addressing_style = "auto"                # auto (path when endpoint_url is set) | path | virtual
hub_endpoint = "https://huggingface.co"  # HF_ENDPOINT works too
concurrency = 8                          # parts in flight; memory ~ concurrency x part_size
part_size = "64MiB"
bandwidth_gbps = 1.0                     # for --dry-run time estimates
price_per_gb_month = 0.023               # USD, for --dry-run storage estimates
retry_attempts = 8                       # tries per request, Hub and S3 alike
retry_seconds = 300                      # and at most this long since its first failure
dest = "s3://models/hub"                 # mirror sync: where the watched repos go
watch = ["deepseek-v3.2", "moonshotai/Kimi-K2-Instruct@main"]   # mirror sync: presets or org/name[@rev]
"""

from __future__ import annotations

from dataclasses import dataclass

from hedgectl.config import FLOAT, INT, STR, STR_LIST, Spec, Where, check_choice, check_table
from hedgectl.core.mirror.model import DEFAULT_PART, MAX_PART, MIN_PART
from hedgectl.core.units import parse_size
from hedgectl.errors import UsageError

ADDRESSING = ("auto", "path", "virtual")
# S3 Standard, first 50 TB/month, us-east-1 (https://aws.amazon.com/s3/pricing/, 2026-11).
DEFAULT_PRICE = 0.023


@dataclass(frozen=True)
class MirrorSettings:
    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str = "auto"
    hub_endpoint: str | None = None
    concurrency: int = 8
    part_size: int = DEFAULT_PART
    bandwidth_gbps: float = 1.0
    price_per_gb_month: float = DEFAULT_PRICE
    retry_attempts: int = 8
    retry_seconds: float = 300.0
    dest: str | None = None
    watch: tuple[str, ...] = ()


def parse_mirror(table: object, where: Where) -> MirrorSettings:
    spec: Spec = {
        "endpoint_url": STR,
        "region": STR,
        "addressing_style": STR,
        "hub_endpoint": STR,
        "concurrency": INT,
        "part_size": STR,
        "bandwidth_gbps": FLOAT,
        "price_per_gb_month": FLOAT,
        "retry_attempts": INT,
        "retry_seconds": FLOAT,
        "dest": STR,
        "watch": STR_LIST,
    }
    t = check_table(table, spec, where)
    if "addressing_style" in t:
        check_choice(t["addressing_style"], ADDRESSING, where.child("addressing_style"))
    for key in ("endpoint_url", "hub_endpoint"):
        if key in t and not str(t[key]).startswith(("http://", "https://")):
            raise where.child(key).error("must be an http:// or https:// URL")
    if "concurrency" in t and not 1 <= t["concurrency"] <= 256:
        raise where.child("concurrency").error("must be between 1 and 256")
    if "part_size" in t:
        try:
            size = parse_size(t["part_size"])
        except UsageError as exc:
            raise where.child("part_size").error(str(exc)) from None
        if not MIN_PART <= size <= MAX_PART:
            raise where.child("part_size").error("must be between 5MiB and 5GiB")
        t["part_size"] = size
    if "dest" in t and not str(t["dest"]).startswith("s3://"):
        raise where.child("dest").error("must be an s3://bucket[/prefix] URL")
    if "watch" in t:
        for i, item in enumerate(t["watch"]):
            if not isinstance(item, str) or not item:
                raise where.child("watch").error(
                    f"item {i + 1} must be a preset or org/name[@revision]"
                )
        t["watch"] = tuple(t["watch"])
    if "retry_attempts" in t and not 1 <= t["retry_attempts"] <= 100:
        raise where.child("retry_attempts").error("must be between 1 and 100")
    for key in ("bandwidth_gbps", "price_per_gb_month", "retry_seconds"):
        if key in t:
            if t[key] < 0:
                raise where.child(key).error("must not be negative")
            t[key] = float(t[key])
    return MirrorSettings(**t)
