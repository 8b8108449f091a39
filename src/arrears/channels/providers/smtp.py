"""E-mail over SMTP (smtplib), the idempotency key in the Message-ID.

SMTP cannot be asked afterwards whether it took a message, so exactly once needs a copy the
sender can read: the **journal**. With `journal` (an address) and `journal_maildir` (the
Maildir that address is delivered to, as a regulated lender's archive usually is), every
message is one SMTP transaction to the debtor *and* the journal — the server stores both or
neither — and `status(key)` looks for the key's Message-ID in the journal. Without a journal,
`status` is UNKNOWN and a message in doubt after a crash is sent again under the same
Message-ID (docs/channels.md says what that means).

Settings: `host`, `port` (default 25), `sender` (From, required), `sender_name`, `journal`,
`journal_maildir`, `starttls` (default false), `username` with `password_env`, `timeout`
(default 30), `domain` (of the Message-ID; default the sender's).
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import re
import smtplib
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path
from typing import Any

from arrears.channels.config import secret
from arrears.channels.model import (
    Accepted,
    ConfigError,
    Message,
    PermanentError,
    Provider,
    Status,
    StatusUnavailable,
    TransientError,
)

_SAFE = re.compile(r"[A-Za-z0-9_-]")


def message_id(key: str, domain: str) -> str:
    """`<key@domain>` with every character of the key that is not a letter, digit, `_` or
    `-` written `=XX` (its UTF-8 bytes in hex): reversible and valid in a Message-ID."""
    local = "".join(
        c if _SAFE.fullmatch(c) else "".join(f"={b:02X}" for b in c.encode()) for c in key
    )
    return f"<{local}@{domain}>"


def _code_error(code: int, text: object, what: str) -> TransientError | PermanentError:
    reason = f"{what}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return TransientError(reason) if 400 <= code < 500 else PermanentError(reason)


class SmtpProvider(Provider):
    plugin = "smtp"
    channels = ("email",)

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        problems = [f"`{k}` is required" for k in ("host", "sender") if not settings.get(k)]
        if bool(settings.get("journal")) != bool(settings.get("journal_maildir")):
            problems.append("`journal` and `journal_maildir` go together")
        if problems:
            raise ConfigError("smtp: " + "; ".join(problems))
        self.host = str(settings["host"])
        self.port = int(settings.get("port", 25))
        self.sender = str(settings["sender"])
        self.sender_name = str(settings.get("sender_name") or "")
        self.domain = str(settings.get("domain") or self.sender.rpartition("@")[2] or "localhost")
        self.journal = str(settings.get("journal") or "") or None
        base = Path(str(settings.get("_base", ".")))
        maildir = settings.get("journal_maildir")
        self.journal_maildir = (base / str(maildir)) if maildir else None
        self.starttls = bool(settings.get("starttls", False))
        self.username = settings.get("username")
        self.password = secret(settings, "password") if self.username else None
        self.timeout = float(settings.get("timeout", 30))
        self._smtp: smtplib.SMTP | None = None
        self._seen: dict[str, str] = {}  # journal file -> its Message-ID
        self._ids: set[str] = set()

    # -- sending -----------------------------------------------------------------------------

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.starttls:
                smtp.starttls()
                smtp.ehlo()
            if self.username:
                smtp.login(str(self.username), self.password or "")
            self._smtp = smtp
        return self._smtp

    def compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage(policy=SMTP)
        mail["From"] = (
            Address(self.sender_name, addr_spec=self.sender) if self.sender_name else self.sender
        )
        mail["To"] = message.to
        mail["Subject"] = message.subject or "-"
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(message.key, self.domain)
        mail["X-Arrears-Key"] = message.key
        if message.language:
            mail["Content-Language"] = message.language
        mail.set_content(message.body, charset="utf-8")
        return mail

    def send(self, message: Message) -> Accepted:
        data = self.compose(message).as_bytes(policy=SMTP)
        try:
            smtp = self._session()
            code, text = smtp.mail(self.sender)
            if code != 250:
                smtp.rset()
                raise _code_error(code, text, "MAIL FROM refused")
            code, text = smtp.rcpt(message.to)
            if code not in (250, 251):
                smtp.rset()  # nothing stored: the journal is not asked for either
                raise _code_error(code, text, f"{message.to} refused")
            if self.journal:
                code, text = smtp.rcpt(self.journal)
                if code not in (250, 251):
                    smtp.rset()
                    raise TransientError(f"journal {self.journal} refused: {code} {text!r}")
            code, text = smtp.data(data)
            if code != 250:
                smtp.rset()  # the server may keep the failed transaction open
                raise _code_error(code, text, "message refused")
        except (TransientError, PermanentError):
            raise
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _code_error(exc.smtp_code, exc.smtp_error, "SMTP") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientError(f"SMTP {self.host}:{self.port}: {exc}") from None
        return Accepted(message_id(message.key, self.domain))

    # -- status ------------------------------------------------------------------------------

    def status(self, key: str) -> Status:
        if self.journal_maildir is None:
            return Status.UNKNOWN
        wanted = message_id(key, self.domain)
        if wanted not in self._ids:
            self._scan()
        return Status.ACCEPTED if wanted in self._ids else Status.NOT_FOUND

    def _scan(self) -> None:
        """Read the Message-ID of every journal file not read yet (headers only)."""
        assert self.journal_maildir is not None
        try:
            box = mailbox.Maildir(self.journal_maildir, create=False)
            box.keys()  # fails on a folder that is not a Maildir
        except (OSError, mailbox.Error) as exc:
            raise StatusUnavailable(f"journal {self.journal_maildir}: {exc}") from None
        for sub in ("new", "cur"):
            folder = self.journal_maildir / sub
            for name in os.listdir(folder):
                if name in self._seen:
                    continue
                found = _header(folder / name, "Message-ID")
                if found is None:  # moved between new/ and cur/ while read: next scan
                    continue
                self._seen[name] = found
                self._ids.add(found)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _header(path: Path, name: str) -> str | None:
    """One header's value from a message file, reading no further than the headers; None
    when the file is gone (moved from new/ to cur/ while the folder was read)."""
    head = bytearray()
    try:
        with open(path, "rb") as handle:
            for raw in handle:
                if raw in (b"\n", b"\r\n"):
                    break
                head += raw
    except FileNotFoundError:
        return None
    value = BytesHeaderParser().parsebytes(bytes(head)).get(name)
    return str(value).strip() if value is not None else ""
