"""An e-mail's subject is its first line when the template says `Subject:` / `主题：`."""

from __future__ import annotations

from arrears.channels.compose import split_subject
from arrears.channels.providers.smtp import message_id


def test_the_subject_line_is_split_off_in_either_language() -> None:
    assert split_subject("主题：还款提醒\n\n尊敬的客户") == ("还款提醒", "尊敬的客户")
    assert split_subject("Subject: Payment reminder\nDear") == ("Payment reminder", "Dear")
    assert split_subject("Dear customer\nSubject: no") == ("", "Dear customer\nSubject: no")


def test_a_message_id_carries_the_key_reversibly() -> None:
    assert message_id("20261130-A1-m1.sms-P1", "lender.example") == (
        "<20261130-A1-m1=2Esms-P1@lender.example>"
    )
    assert message_id("a/键", "x") == "<a=2F=E9=94=AE@x>"
