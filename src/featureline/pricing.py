"""What tokens cost: Anthropic's prices from ``genai-prices`` (a maintained price database),
a price file to override or extend them (``--prices``), and exact Decimal arithmetic.

Lookup order for a model id: the price file's ``models`` (exact, without a date suffix,
longest prefix), then genai-prices' Anthropic models, then the file's ``families``. A
model none of them knows is an error that says how to add it, never a silent zero. The
shipped table (``pricing_table.yaml``) holds only the offline providers, at zero.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from featureline.artifacts import Usage
from featureline.errors import UserInputError
from featureline.models import model_family

PRICE_TABLE_RESOURCE = "pricing_table.yaml"
_DATE_SUFFIX = re.compile(r"-\d{8}$")


class PriceFileError(UserInputError):
    """A price file that cannot be read or does not have the expected shape."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"price file {self.path}: {problem}")


class UnknownModelPriceError(UserInputError):
    """No price for a model: neither the price file nor genai-prices knows it."""

    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(
            f"no price for model {model!r} (genai-prices {_genai_version()} does not list it): "
            "add it under `models:` in a price file and pass it with --prices"
        )


class ModelPrice(BaseModel):
    """USD per million tokens for one model or family."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cache_write: Decimal = Field(ge=0, description="5-minute ephemeral cache write")
    cache_read: Decimal = Field(ge=0)


class PriceTable(BaseModel):
    """Prices by exact model id and by family, with the lookup order documented in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = "USD"
    per_tokens: int = Field(default=1_000_000, gt=0)
    families: dict[str, ModelPrice] = Field(default_factory=dict)
    models: dict[str, ModelPrice] = Field(default_factory=dict)

    def price_for(self, model: str) -> ModelPrice:
        """Exact id, id without date suffix, longest id prefix, family (only a price file
        names families), then genai-prices; else an error. A price file therefore always
        wins over the maintained prices."""
        for candidate in (model, _DATE_SUFFIX.sub("", model)):
            if candidate in self.models:
                return self.models[candidate]
        prefixes = [name for name in self.models if model.startswith(name)]
        if prefixes:
            return self.models[max(prefixes, key=len)]
        family = model_family(model)
        if family is not None and family in self.families:
            return self.families[family]
        maintained = maintained_price(model)
        if maintained is not None:
            return maintained
        raise UnknownModelPriceError(model)

    def merged(self, override: PriceTable) -> PriceTable:
        return PriceTable(
            currency=override.currency,
            per_tokens=override.per_tokens,
            families={**self.families, **override.families},
            models={**self.models, **override.models},
        )


def _genai_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genai-prices")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        return "(not installed)"


@lru_cache(maxsize=128)
def maintained_price(model: str) -> ModelPrice | None:
    """Anthropic's current price for ``model`` from genai-prices' bundled snapshot (no
    network), at its base tier (requests under 200k input tokens, which ours are)."""
    from genai_prices import data_snapshot

    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(model, None, "anthropic", None)
    except LookupError:
        return None
    prices = info.get_prices(datetime.now(UTC))

    def per_mtok(value: object) -> Decimal | None:
        base = getattr(value, "base", value)
        return Decimal(str(base)) if base is not None else None

    input_price = per_mtok(prices.input_mtok)
    output_price = per_mtok(prices.output_mtok)
    if input_price is None or output_price is None:
        return None
    return ModelPrice(
        input=input_price,
        output=output_price,
        # absent cache prices: the uncached price bounds them from above
        cache_write=per_mtok(prices.cache_write_mtok) or input_price,
        cache_read=per_mtok(prices.cache_read_mtok) or input_price,
    )


def _parse_table(raw: Any, source: str) -> PriceTable:
    if not isinstance(raw, dict):
        raise PriceFileError(source, "expected a mapping with `models:` and/or `families:`")
    try:
        return PriceTable.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PriceFileError(source, f"{where}: {first['msg']}") from exc


@lru_cache(maxsize=1)
def default_prices() -> PriceTable:
    """The table shipped with featureline (read once)."""
    import yaml  # here: reading a run's ledger needs no price table

    text = resources.files("featureline").joinpath(PRICE_TABLE_RESOURCE).read_text("utf-8")
    return _parse_table(yaml.safe_load(text), PRICE_TABLE_RESOURCE)


def load_prices(override: Path | None = None) -> PriceTable:
    """The shipped table, with the entries of ``override`` (a YAML file) replacing its own."""
    import yaml

    base = default_prices()
    if override is None:
        return base
    try:
        text = override.read_text("utf-8")
    except FileNotFoundError as exc:
        raise PriceFileError(override, "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceFileError(override, f"cannot be read ({exc})") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PriceFileError(override, "not valid YAML") from exc
    return base.merged(_parse_table(raw, str(override)))


def cost_usd(model: str, usage: Usage, prices: PriceTable | None = None) -> Decimal:
    """Exact cost of one usage: each token class at its own price (cache reads discounted)."""
    table = prices or default_prices()
    price = table.price_for(model)
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_input_tokens * price.cache_write
        + usage.cache_read_input_tokens * price.cache_read
    )
    return total / Decimal(table.per_tokens)


def estimate_cost_usd(
    model: str, input_tokens: int, max_output_tokens: int, prices: PriceTable | None = None
) -> Decimal:
    """An upper bound for a call not made yet: all input uncached, the whole output budget used."""
    return cost_usd(
        model, Usage(input_tokens=input_tokens, output_tokens=max_output_tokens), prices
    )


__all__ = [
    "ModelPrice",
    "PriceFileError",
    "PriceTable",
    "UnknownModelPriceError",
    "cost_usd",
    "default_prices",
    "estimate_cost_usd",
    "load_prices",
    "maintained_price",
]
