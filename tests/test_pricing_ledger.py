"""Prices (Decimal, cache reads discounted, overridable) and the ledger's sums and budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from featureline.artifacts import Usage
from featureline.ledger import CallRecord, Ledger, LedgerEntry, price_calls
from featureline.models import DEFAULT_MODEL, HAIKU, OPUS
from featureline.pricing import (
    PriceFileError,
    UnknownModelPriceError,
    cost_usd,
    estimate_cost_usd,
    load_prices,
    maintained_price,
)

AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SONNET_45 = "claude-sonnet-4-5"
"""Arithmetic below uses Sonnet 4.5's list prices ($3 in, $15 out, $3.75 cache write,
$0.30 cache read per million tokens), which genai-prices carries."""
HAIKU_45 = "claude-haiku-4-5"  # $1 in, $5 out


def test_each_token_class_has_its_own_price() -> None:
    usage = Usage(
        input_tokens=1_000,
        output_tokens=2_000,
        cache_creation_input_tokens=10_000,
        cache_read_input_tokens=100_000,
    )
    # sonnet: $3 in, $15 out, $3.75 cache write, $0.30 cache read, per million tokens
    assert cost_usd(SONNET_45, usage) == Decimal("0.1005")
    assert isinstance(cost_usd(SONNET_45, usage), Decimal)


def test_cache_reads_cost_a_tenth_of_input() -> None:
    read = cost_usd(SONNET_45, Usage(cache_read_input_tokens=1_000_000))
    fresh = cost_usd(SONNET_45, Usage(input_tokens=1_000_000))
    write = cost_usd(SONNET_45, Usage(cache_creation_input_tokens=1_000_000))
    assert (read, fresh, write) == (Decimal("0.30"), Decimal("3"), Decimal("3.75"))
    assert read * 10 == fresh


@pytest.mark.parametrize(
    ("model", "input_price"),
    [
        ("claude-opus-4-1-20250805", "15"),  # genai-prices, once the date is dropped
        ("claude-opus-4-0", "15"),
        ("claude-3-5-haiku-20241022", "0.80"),
        ("claude-sonnet-4-5-20250929", "3"),
        ("featureline-builtin-1", "0"),  # the shipped table
    ],
)
def test_price_lookup_order(model: str, input_price: str) -> None:
    assert cost_usd(model, Usage(input_tokens=1_000_000)) == Decimal(input_price)


@pytest.mark.parametrize("model", [DEFAULT_MODEL, HAIKU, OPUS])
def test_the_aliases_are_priced_from_genai_prices(model: str) -> None:
    maintained = maintained_price(model)
    assert maintained is not None, f"genai-prices does not know {model}"
    assert cost_usd(model, Usage(output_tokens=1_000_000)) == maintained.output


def test_a_price_file_family_prices_an_id_nobody_knows(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(
        "families:\n  sonnet: {input: '7', output: '7', cache_write: '7', cache_read: '7'}\n",
        encoding="utf-8",
    )
    assert cost_usd("claude-sonnet-99", Usage(input_tokens=1_000_000), load_prices(path)) == 7
    with pytest.raises(UnknownModelPriceError, match="genai-prices"):
        cost_usd("claude-sonnet-99", Usage(input_tokens=1))


def test_unknown_model_has_no_silent_price() -> None:
    with pytest.raises(UnknownModelPriceError) as caught:
        cost_usd("gpt-4o", Usage(input_tokens=1))
    assert caught.value.exit_code == 2 and "gpt-4o" in str(caught.value)


def test_override_file_replaces_entries_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(
        "models:\n"
        f"  {SONNET_45}: {{input: '2', output: '10', cache_write: '2.5', cache_read: '0.2'}}\n"
        "  my-proxy-model: {input: '1', output: '1', cache_write: '1', cache_read: '1'}\n",
        encoding="utf-8",
    )
    prices = load_prices(path)
    usage = Usage(input_tokens=1_000_000, cache_read_input_tokens=1_000_000)
    assert cost_usd(SONNET_45, usage, prices) == Decimal("2.2")  # the file beats genai-prices
    assert cost_usd("my-proxy-model", usage, prices) == Decimal("2")
    assert cost_usd(HAIKU_45, Usage(input_tokens=1_000_000), prices) == Decimal("1")
    assert cost_usd(SONNET_45, usage) == Decimal("3.3")  # the default table is untouched


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- just a list\n", "expected a mapping"),
        (
            "models: {x: {input: '-1', output: '1', cache_write: '1', cache_read: '1'}}\n",
            "models.x.input",
        ),
        ("models: {x: {input: '1'}}\n", "models.x.output"),
        ("models: [\n", "not valid YAML"),
    ],
)
def test_bad_price_files(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PriceFileError) as caught:
        load_prices(path)
    assert problem in str(caught.value) and caught.value.exit_code == 2


def test_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="file not found"):
        load_prices(tmp_path / "nope.yaml")


def test_estimate_is_an_upper_bound() -> None:
    estimate = estimate_cost_usd(SONNET_45, 10_000, 16_000)
    actual = cost_usd(
        SONNET_45,
        Usage(input_tokens=2_000, cache_read_input_tokens=8_000, output_tokens=5_000),
    )
    assert estimate == Decimal("0.27") and actual < estimate


def _calls() -> list[CallRecord]:
    return [
        CallRecord(
            model=SONNET_45,
            usage=Usage(input_tokens=1_000, output_tokens=500, cache_creation_input_tokens=2_000),
            outcome="retried_validation",
            detail="it did not validate: tables: Field required",
        ),
        CallRecord(
            model=SONNET_45,
            usage=Usage(input_tokens=1_100, output_tokens=600, cache_read_input_tokens=2_000),
            outcome="ok",
        ),
    ]


def test_ledger_prices_every_call_and_sums_them() -> None:
    schema = price_calls(_calls(), run_id="r1", step="schema", attempt=1, at=AT)
    review = price_calls(
        [
            CallRecord(
                model=HAIKU_45,
                usage=Usage(input_tokens=4_000, output_tokens=400),
                outcome="ok",
                purpose="review:dba-reviewer",
            )
        ],
        run_id="r1",
        step="schema",
        attempt=1,
        at=AT,
        first_index=3,
    )
    design = price_calls(_calls()[1:], run_id="r1", step="design", attempt=2, at=AT)
    ledger = Ledger().add(*schema, *review, *design)

    assert [e.call for e in ledger.entries] == [1, 2, 3, 1]
    assert schema[0].cost_usd == Decimal("0.018")  # 1000*3 + 500*15 + 2000*3.75, per million
    assert schema[1].cost_usd == Decimal("0.0129")  # 1100*3 + 600*15 + 2000*0.30
    assert review[0].cost_usd == Decimal("0.006")
    by_step = ledger.by_step()
    assert by_step["schema"].calls == 3
    assert by_step["schema"].cost_usd == Decimal("0.0369")
    assert by_step["design"].cost_usd == Decimal("0.0129")
    assert ledger.by_model()[HAIKU_45].calls == 1
    assert ledger.by_outcome()["retried_validation"].calls == 1
    assert ledger.total().cost_usd == ledger.total_cost == Decimal("0.0498")
    assert ledger.total().cache_read_tokens == 4_000
    assert len(ledger.for_step("schema", attempt=1).entries) == 3


def test_budget_check() -> None:
    ledger = Ledger().add(*price_calls(_calls(), run_id="r1", step="schema", attempt=1, at=AT))
    assert ledger.total_cost == Decimal("0.0309")
    assert not ledger.would_exceed(None, Decimal("1000"))
    assert not ledger.would_exceed(Decimal("0.05"), Decimal("0.0191"))  # exactly at the budget
    assert ledger.would_exceed(Decimal("0.05"), Decimal("0.0192"))
    assert ledger.would_exceed(Decimal("0.03"))
    assert ledger.remaining(Decimal("0.05")) == Decimal("0.0191")


def test_ledger_round_trips_through_json() -> None:
    ledger = Ledger().add(*price_calls(_calls(), run_id="r1", step="schema", attempt=1, at=AT))
    stored = [e.model_dump(mode="json") for e in ledger.entries]
    text = json.dumps(stored)  # what a checkpoint holds
    assert stored[0]["cost_usd"] == "0.018" and isinstance(stored[0]["at"], str)
    again = Ledger.from_json(json.loads(text))
    assert again == ledger
    assert again.entries[1].usage == _calls()[1].usage
    assert isinstance(again.entries[0], LedgerEntry)
