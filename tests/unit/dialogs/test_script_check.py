"""A script is checked before any call: each kind of problem is reported with its line."""

from __future__ import annotations

from dataclasses import dataclass

from arrears.dialogs import ScriptError, check_script, load_script_text

# A minimal good script; the tests below change one thing each.
GOOD = """\
id: t
language: zh-CN
start: verify
nodes:
  verify:
    text: 请问您是{{ name }}本人吗？
    audience: third_party
    ask: true
    verify: true
    on:
      affirm: remind
      wrong_person: bye
    default: bye
  remind:
    text: 您的借款{{ amount_due }}已逾期。
    ask: true
    on:
      will_pay: thanks
    default: human
  thanks:
    text: 谢谢。
    end: rpc/promise
  human:
    handoff: true
    end: rpc
  bye:
    text: 打扰了，再见。
    audience: third_party
    end: wrong_party
"""


@dataclass(frozen=True)
class Catalog:
    """A template library in one language: id → safe for a third party."""

    safe: dict[str, bool]

    def third_party_safe(self, template_id: str) -> bool | None:
        return self.safe.get(template_id)


def problems(text: str, catalog: Catalog | None = None) -> list[tuple[int, str, str]]:
    """(line, severity, message) of every diagnostic, loading and checking."""
    try:
        script = load_script_text(text, "t.yaml")
    except ScriptError as exc:
        return [(d.line, d.severity, d.message) for d in exc.diagnostics]
    return [(d.line, d.severity, d.message) for d in check_script(script, catalog=catalog)]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


def test_the_minimal_script_has_no_problem():
    assert problems(GOOD) == []


def test_the_shipped_scripts_have_no_problem(scripts):
    for script in scripts.values():
        assert check_script(script) == []


def test_a_branch_to_an_unknown_node_is_an_error_at_the_branch():
    text = GOOD.replace("will_pay: thanks", "will_pay: thank")
    found = problems(text)
    [(line, severity, message)] = [x for x in found if "unknown node" in x[2]]
    assert (line, severity) == (line_of(text, "will_pay: thank"), "error")
    assert "unknown node 'thank'" in message and "did you mean 'thanks'" in message
    # what hung only from that branch is now out of reach, and said so
    assert (
        line_of(text, "  thanks:"),
        "error",
        "node 'thanks' is unreachable from 'verify'",
    ) in found


def test_an_unknown_default_next_or_start_is_an_error_on_its_line():
    text = GOOD.replace("default: human", "default: humans").replace(
        "start: verify", "start: hello"
    )
    found = problems(text)
    assert (line_of(text, "start: hello"), "error") in [(x[0], x[1]) for x in found]
    assert any(
        x[0] == line_of(text, "default: humans") and "unknown node 'humans'" in x[2] for x in found
    )


def test_an_unreachable_node_is_an_error_at_its_name():
    text = GOOD + "  orphan:\n    text: hi\n    audience: third_party\n    end: third_party\n"
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "orphan:")
    assert "unreachable" in message


def test_a_question_without_default_has_no_way_out():
    text = GOOD.replace("    default: human\n", "")
    [(line, _, message)] = [x for x in problems(text) if "no way out" in x[2]]
    assert line == line_of(text, "  remind:")
    assert "no way out" in message and "default" in message


def test_a_node_that_neither_asks_nor_goes_on_nor_ends_has_no_way_out():
    text = GOOD.replace("    text: 谢谢。\n    end: rpc/promise\n", "    text: 谢谢。\n")
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "  thanks:")
    assert "no way out" in message


def test_a_loop_that_never_ends_has_no_way_out():
    text = GOOD.replace("default: human", "default: loop") + (
        "  loop:\n    text: 嗯\n    ask: true\n    default: loop\n"
    )
    found = [x for x in problems(text) if "no way out" in x[2]]
    assert [x[0] for x in found] == [line_of(text, "  loop:")]
    assert "no path from it ends the call" in found[0][2]


def test_an_intent_the_recognizer_does_not_know_is_an_error_at_its_name():
    text = GOOD.replace("will_pay: thanks", "willpay: thanks")
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "willpay: thanks")
    assert "unknown intent 'willpay'" in message and "did you mean 'will_pay'" in message


def test_a_template_the_library_lacks_is_an_error_or_a_warning_with_a_fallback_text():
    text = GOOD.replace("    text: 谢谢。\n", "    say: robot_thanks\n")
    [(line, severity, message)] = problems(text, Catalog({}))
    assert (line, severity) == (line_of(text, "say: robot_thanks"), "error")
    assert "no template 'robot_thanks'" in message
    with_text = GOOD.replace("    text: 谢谢。\n", "    say: robot_thanks\n    text: 谢谢。\n")
    [(_, severity, message)] = problems(with_text, Catalog({}))
    assert severity == "warning" and "inline text is said instead" in message
    assert problems(text, Catalog({"robot_thanks": False})) == []


def test_a_debtor_template_before_the_identity_check_is_an_error():
    text = GOOD.replace(
        "    text: 请问您是{{ name }}本人吗？\n    audience: third_party\n",
        "    say: robot_hello\n",
    )
    [(line, _, message)] = problems(text, Catalog({"robot_hello": False}))
    assert line == line_of(text, "say: robot_hello")
    assert "not safe for a third party" in message
    assert problems(text, Catalog({"robot_hello": True})) == []


def test_an_inline_text_before_the_identity_check_must_be_marked_safe():
    text = GOOD.replace(
        "    text: 打扰了，再见。\n    audience: third_party\n", "    text: 打扰了，再见。\n"
    )
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "text: 打扰了")
    assert "audience: third_party" in message


def test_a_debt_detail_before_the_identity_check_is_an_error_even_when_marked_safe():
    text = GOOD.replace(
        "请问您是{{ name }}本人吗？", "{{ lender }}提醒：请问您是{{ name }}本人吗？"
    )
    text = text.replace("text: {{", 'text: "{{').replace("本人吗？\n", '本人吗？"\n', 1)
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "lender")
    assert "says lender" in message


def test_a_promise_or_a_right_party_outcome_before_the_identity_check_is_an_error():
    text = GOOD.replace(
        "      wrong_person: bye\n", "      wrong_person: bye\n      will_pay: thanks\n"
    )
    found = problems(text)
    assert (
        line_of(text, "end: rpc/promise"),
        "error",
        "node 'thanks' is reachable before the identity is checked: it cannot end as "
        "'rpc/promise' (a right-party contact)",
    ) in found
    capture = GOOD.replace(
        "    ask: true\n    on:\n      will_pay",
        "    ask: true\n    capture: promise\n    next: thanks\n    on:\n      will_pay",
    )
    capture = capture.replace(
        "      affirm: remind\n", "      affirm: remind\n      deny: remind\n"
    )
    assert any(
        x[0] == line_of(capture, "capture: promise")
        and "a promise can only be taken from the debtor" in x[2]
        for x in problems(capture)
    )


def test_leaving_the_identity_check_on_anything_but_yes_stays_unverified():
    text = GOOD.replace("      affirm: remind\n", "      affirm: remind\n      will_pay: remind\n")
    found = problems(text)
    assert (
        line_of(text, "您的借款"),
        "error",
        "node 'remind' is reachable before the identity is checked but its text says amount_due",
    ) in found


def test_an_identity_check_must_let_a_wrong_person_go():
    text = GOOD.replace("      wrong_person: bye\n", "")
    [(line, _, message)] = problems(text)
    assert line == line_of(text, "verify: true")
    assert "'wrong_person'" in message


def test_malformed_nodes_are_reported_together_with_their_lines():
    text = (
        GOOD.replace(
            "    ask: true\n    on:\n      will_pay", "    ask: yes\n    on:\n      will_pay"
        )
        .replace("end: rpc/promise", "end: rpc/maybe")
        .replace(
            "    audience: third_party\n    end: wrong_party",
            "    audeince: x\n    end: wrong_party",
        )
    )
    found = problems(text)
    assert [x[0] for x in found] == [
        line_of(text, "ask: yes"),
        line_of(text, "rpc/maybe"),
        line_of(text, "audeince"),
    ]
    assert "true or false" in found[0][2]
    assert "unknown outcome 'rpc/maybe'" in found[1][2]
    assert "did you mean 'audience'" in found[2][2]


def test_yaml_errors_and_duplicate_keys_point_at_their_line():
    [(line, _, message)] = problems(GOOD.replace("start: verify", "start: [verify"))
    assert "YAML syntax" in message and line >= 3
    dup = GOOD.replace("  thanks:\n", "  bye:\n    end: callback\n  thanks:\n")
    found = problems(dup)
    assert found[0][0] == line_of(dup, "  bye:", 2) and "duplicate key 'bye'" in found[0][2]


def test_on_is_a_key_not_a_yaml_1_1_boolean():
    script = load_script_text(GOOD)
    assert dict(script.nodes["verify"].on) == {"affirm": "remind", "wrong_person": "bye"}


def test_an_inline_text_takes_only_known_placeholders():
    text = GOOD.replace("谢谢。", "谢谢{{ nmae }}。{% if x %}")
    found = problems(text)
    assert [x[0] for x in found] == [line_of(text, "谢谢{{")] * 2
    assert any("did you mean 'name'" in x[2] for x in found)
    assert any("only {{ variable }} placeholders" in x[2] for x in found)


def test_the_example_in_the_docs_is_a_good_script():
    from pathlib import Path

    docs = (Path(__file__).parents[3] / "docs" / "dialogs.md").read_text("utf-8")
    block = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    script = load_script_text(block, "docs/dialogs.md")
    assert check_script(script) == []
    assert check_script(script, catalog=Catalog({"robot_m1_remind": False})) == []
