"""advisory.entropy's estimate: a function of a value's format and length, so one value has one verdict."""

from __future__ import annotations

import math
import secrets
import uuid

import pytest

from e2e.checks import CheckFailed
from e2e.checks.tokens import CUID_RANDOM_BITS, check_entropy, entropy

MIN_BITS = 128
CUID = "cjld2cjxh0000qzrmn831i7rn"  # the cuid README's example: c + time + counter + fingerprint + random


def verdict(value: str) -> bool:
    return entropy(value).bits >= MIN_BITS


# fixed ids: pytest-xdist workers must collect the same tests, so random values may not name them
@pytest.mark.parametrize(
    "value",
    [
        str(uuid.uuid4()),
        "aaaaaaaa-aaaa-4aaa-aaaa-aaaaaaaaaaaa",
        CUID,
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        secrets.token_hex(4),
    ],
    ids=["uuid4", "uuid4-repeating", "cuid", "base64url", "hex64", "hex8"],
)
def test_the_same_value_always_gets_the_same_verdict(value):
    assert len({entropy(value) for _ in range(50)}) == 1


def test_values_of_one_format_get_one_verdict_whatever_their_characters():
    """The old per-value Shannon estimate flipped around 128 bits on UUIDs; by format there is one answer."""
    uuids = [str(uuid.uuid4()) for _ in range(500)] + [
        "00000000-0000-4000-8000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
    ]
    assert {entropy(u) for u in uuids} == {entropy(uuids[0])}
    assert {entropy(secrets.token_urlsafe(32)).bits for _ in range(500)} == {258}
    assert {entropy(secrets.token_hex(32)).bits for _ in range(500)} == {256}


def test_a_uuid4_carries_122_bits():
    assert entropy(str(uuid.uuid4()))[:2] == ("uuid4", 122)
    assert entropy(str(uuid.uuid4()).upper())[:2] == ("uuid4", 122)
    assert not verdict(str(uuid.uuid4()))


def test_other_uuid_versions_say_so():
    assert entropy(str(uuid.uuid1()))[:2] == ("uuid1", 14)
    assert entropy("01890a5d-ac96-774b-bcce-b302099a8057")[:2] == ("uuid7", 74)
    assert entropy(str(uuid.uuid5(uuid.NAMESPACE_DNS, "cal.com")))[:2] == ("uuid5", 0)
    assert entropy(str(uuid.UUID(int=0)))[:2] == ("uuid-nil", 0)
    assert "time-based" in entropy(str(uuid.uuid1())).assumption


def test_43_base64url_characters_carry_258_bits():
    value = secrets.token_urlsafe(32)
    assert len(value) == 43 and entropy(value)[:2] == ("base64url", 258)
    assert entropy("A" * 21 + "-_" + "z" * 20).bits == 258


def test_hex_carries_4_bits_a_character():
    assert entropy(secrets.token_hex(32))[:2] == ("hex", 256)
    assert entropy("0123456789ABCDEF" * 4).bits == 256
    assert entropy("deadbeef")[:2] == ("hex", 32) and entropy("0a1b2c3d").bits == 32  # the short-codes fault's
    # (token_hex(4) is all digits 2% of the time: then read as decimal, ~27 bits, the same verdict)


def test_a_cuid_is_well_under_128_bits():
    found = entropy(CUID)
    assert found.kind == "cuid" and found.bits == CUID_RANDOM_BITS
    assert 41 < found.bits < 42 and found.bits < MIN_BITS / 2
    assert "8 random base36" in found.assumption


def test_other_classes_take_their_alphabet_size():
    assert entropy("9" * 39).bits == pytest.approx(39 * math.log2(10))
    assert entropy("abcdefghijklmnopqrstuvwxyz")[0] == "base36"
    assert entropy("ab+/" * 11 + "==").bits == 44 * 6
    assert entropy("a!b" * 10)[:2] == ("ascii", 30 * math.log2(94))


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_value_is_0_bits_absent(value):
    assert entropy(value)[:2] == ("absent", 0)
    with pytest.raises(CheckFailed) as failed:
        check_entropy("access jti", value, MIN_BITS)
    assert failed.value.reason == "access jti carries 0 bits (it is absent), expected >= 128"


def test_the_message_says_what_was_assumed():
    with pytest.raises(CheckFailed) as failed:
        check_entropy("code", str(uuid.uuid4()), MIN_BITS)
    assert failed.value.rule.id == "advisory.entropy"
    assert failed.value.reason == "code carries 122 bits (a UUIDv4 has 122 random bits), expected >= 128"
    with pytest.raises(CheckFailed) as failed:
        check_entropy("code", "deadbeef", MIN_BITS)
    assert failed.value.reason == "code carries 32 bits (8 hex characters at 4 bits each), expected >= 128"
    assert check_entropy("code", secrets.token_urlsafe(32), MIN_BITS).bits == 258
