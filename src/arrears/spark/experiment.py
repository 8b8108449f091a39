"""Champion/challenger arms on Spark, bit for bit the local engine's (`strategy/experiment.py`).

The arm is `fnv1a64(salt + ":" + account_id) % 10000` against the arms' cumulative weights.
Spark has no FNV, and its 64-bit integers are signed and (in ANSI mode, Spark 4's default)
raise on overflow, so the hash is carried as two unsigned 32-bit halves in 64-bit integers:
every product stays below 2**42 and nothing ever overflows. One `aggregate` over the key's
UTF-8 bytes, no Python UDF.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from arrears.hashing import FNV_OFFSET, FNV_PRIME
from arrears.strategy.experiment import SLOTS, arm_thresholds
from arrears.strategy.model import CHAMPION, Experiment

_MASK32 = 0xFFFFFFFF
_PRIME_HI, _PRIME_LO = int(FNV_PRIME) >> 32, int(FNV_PRIME) & _MASK32  # 0x100, 0x1B3
_OFFSET_HI, _OFFSET_LO = int(FNV_OFFSET) >> 32, int(FNV_OFFSET) & _MASK32
_TWO_32_MOD_SLOTS = (1 << 32) % SLOTS


def _utf8_bytes(text: Column) -> Column:
    """The UTF-8 bytes of `text` as integers 0..255 (null for a null text): Spark cannot turn
    a binary into an array, so the bytes are read back from its hex digits, two at a time."""
    digits = F.hex(F.encode(text, "UTF-8"))
    return F.transform(
        F.sequence(F.lit(1), F.length(digits), F.lit(2)),
        lambda p: F.conv(digits.substr(p, F.lit(2)), 16, 10).cast(T.LongType()),
    )


def _step(acc: Column, byte: Column) -> Column:
    """One FNV-1a round, h = (h ^ byte) * prime mod 2**64, on (hi, lo) 32-bit halves."""
    lo = acc["lo"].bitwiseXOR(byte)
    low_product = lo * _PRIME_LO  # < 2**41
    carry = F.shiftright(low_product, 32)
    hi = (acc["hi"] * _PRIME_LO + lo * _PRIME_HI + carry).bitwiseAND(F.lit(_MASK32))
    return F.struct(hi.alias("hi"), low_product.bitwiseAND(F.lit(_MASK32)).alias("lo"))


def fnv1a64_slot(text: Column) -> Column:
    """`fnv1a64(text) % 10000` (`arrears.hashing`), null for a null text."""
    start = F.struct(
        F.lit(_OFFSET_HI).cast(T.LongType()).alias("hi"),
        F.lit(_OFFSET_LO).cast(T.LongType()).alias("lo"),
    )
    h = F.aggregate(_utf8_bytes(text), start, _step)
    # (hi * 2**32 + lo) mod SLOTS, without forming the 64-bit number.
    return ((h["hi"] % SLOTS) * _TWO_32_MOD_SLOTS + h["lo"] % SLOTS) % SLOTS


def arm_column(experiment: Experiment | None, account_id: Column | None = None) -> Column:
    """The arm of each account (string), as `assign_arms`; a null id gets a null arm."""
    account_id = F.col("account_id") if account_id is None else account_id
    if experiment is None:
        return F.lit(CHAMPION).alias("arm")
    ids = account_id.cast(T.StringType())
    slot = fnv1a64_slot(F.concat(F.lit(experiment.salt + ":"), ids))
    chain = None
    for arm, upper in zip(experiment.arms, arm_thresholds(experiment), strict=True):
        chain = (F if chain is None else chain).when(slot < upper, F.lit(arm.id))
    assert chain is not None, "an experiment has arms"
    return F.when(ids.isNotNull(), chain).alias("arm")
