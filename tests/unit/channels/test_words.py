"""Which replies opt out: the five words, whatever their case, width and padding, and nothing
else."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from arrears.channels.words import OPT_OUT_WORDS, is_opt_out, normalize

PADDING = st.text(alphabet=" \t\n\u3000.。!！?？", max_size=4)
WORDS = st.sampled_from(["STOP", "退订", "TD", "T", "unsubscribe"])


def variants(word: str, flips: list[bool], wide: bool) -> str:
    cased = "".join(
        c.upper() if f else c.lower()
        for c, f in zip(word, flips + [False] * len(word), strict=False)
    )
    if wide:  # full-width Latin letters, as some phones send them
        cased = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in cased)
    return cased


@given(WORDS, st.lists(st.booleans(), max_size=12), st.booleans(), PADDING, PADDING)
def test_an_opt_out_word_opts_out_in_any_case_width_and_padding(
    word: str, flips: list[bool], wide: bool, before: str, after: str
) -> None:
    assert is_opt_out(before + variants(word, flips, wide) + after)


@given(st.text(max_size=30))
def test_a_reply_opts_out_only_when_it_is_one_of_the_words(text: str) -> None:
    assert is_opt_out(text) == (normalize(text) in OPT_OUT_WORDS)
    if is_opt_out(text):
        core = unicodedata.normalize("NFKC", text).casefold().strip()
        assert any(w in core for w in OPT_OUT_WORDS)


@given(WORDS, st.text(alphabet="abcxyz请问么", min_size=1, max_size=6))
def test_a_sentence_that_contains_a_word_is_left_for_a_person(word: str, more: str) -> None:
    assert not is_opt_out(f"{word} {more}")
    assert not is_opt_out(f"{more}{word}")


def test_examples() -> None:
    assert is_opt_out(" Stop ") and is_opt_out("退订。") and is_opt_out("ＴＤ") and is_opt_out("t")
    assert is_opt_out("UNSUBSCRIBE!") and not is_opt_out("T恤") and not is_opt_out("don't stop")
    assert not is_opt_out("") and not is_opt_out(None)
