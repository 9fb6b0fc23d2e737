"""Outgoing e-mail: the bytes of a message (`Composer`) and one SMTP connection that sends many
(`Sender`), both built for the outbox worker's batches.

Flask-Mail's `Message` goes through the standard library's e-mail package for every e-mail, which
re-reads each header it writes; `Composer` writes the MIME directly: multipart/alternative of a
text and an HTML part in quoted-printable (7-bit, so any SMTP server takes it), wrapped in
multipart/mixed when there are attachments (base64). A header can carry no line break: the
subject is made one line and encoded (RFC 2047) when it is not plain ASCII, addresses with a
break or a control character are refused.

`Sender` keeps one connection for a batch and, when the server offers PIPELINING (RFC 2920),
sends a message's MAIL FROM, RCPT TO and DATA in one write with the message before it, and reads
the replies together: one round trip an e-mail instead of four. A refusal is what `smtplib`
raises (`SMTPSenderRefused`, `SMTPRecipientsRefused`, `SMTPDataError`: that message only; the
connection goes on), a broken connection an `OSError`. Without PIPELINING it is plain
`smtplib.sendmail`, one message after the other.

Every SMTP connection gives up after MAIL_TIMEOUT seconds: a server that accepts the connection
and never answers would otherwise hold the outbox worker, or a web process's delivery thread,
forever; the outbox then leaves the message queued and tries again later.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import smtplib
import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import formataddr, formatdate, parseaddr
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote

from flask import current_app
from flask_mail import Connection, Mail

DEFAULT_TIMEOUT = 30.0
CRLF = "\r\n"


class Attachment(NamedTuple):
    """A file sent with an e-mail; a plain (filename, content_type, data) tuple does as well."""

    filename: str
    content_type: str
    data: bytes


class Composed(NamedTuple):
    """A message ready for SMTP: the envelope and the bytes (CRLF line ends, 7-bit)."""

    sender: str  # the bare address, for MAIL FROM
    recipient: str  # the bare address, for RCPT TO
    data: bytes


_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
_FOLD_AT = 76  # characters a header line aims at (RFC 5322 asks for at most 78)
_WORD_BYTES = 45  # UTF-8 bytes an encoded word carries: 60 base64 characters, a word of 72


def one_line(text: str) -> str:
    """Headers are plain text without line breaks: any run of whitespace, every kind of break included
    (\v, \f, \x1c-\x1e, \x85, \u2028 too: the e-mail header encoder splits lines on them), becomes
    one space. Subjects are written with it (domain/emails.py), and every header goes through it again."""
    return " ".join(text.split())


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 encoded words (UTF-8, base64), none splitting a character."""
    words, chunk, size = [], [], 0
    for char in text:
        n = len(char.encode("utf-8"))
        if size + n > _WORD_BYTES and chunk:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += n
    if chunk:
        words.append("".join(chunk))
    return [f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words]


def _fold(name: str, words: list[str], joiner: str) -> str:
    """`name: ` and the words, folded between words at about _FOLD_AT characters."""
    lines, line = [], f"{name}:"
    for i, word in enumerate(words):
        sep = " " if i == 0 else joiner
        if i and len(line) + len(sep) + len(word) > _FOLD_AT:
            lines.append(line)
            line = " " + word
        else:
            line += sep + word
    lines.append(line)
    return CRLF.join(lines)


def subject_header(subject: str) -> str:
    """The Subject line: one line of text, plain when it can be, else encoded words (folded)."""
    subject = one_line(subject)
    if subject.isascii() and "=?" not in subject and not _BREAKS.search(subject):
        folded = _fold("Subject", subject.split(" "), " ")
        if all(len(line) <= 900 for line in folded.split(CRLF)):  # a run of letters cannot be folded
            return folded
    # Encoded words next to each other are read as one text: the whitespace between them is dropped.
    return _fold("Subject", _encoded_words(subject), " ")


def _address(address: str) -> str:
    """A bare address fit for a header and for SMTP; ValueError when it is not (a line break, a control
    character or a letter outside ASCII in the local part). The domain is written in IDNA."""
    address = address.strip()
    if not address or _BREAKS.search(address) or any(c in address for c in "<>\" ,;"):
        raise ValueError(f"not an address fit to send to: {address!r}")
    if not address.isascii():
        local, _, domain = address.rpartition("@")
        if not local or not local.isascii():
            raise ValueError(f"not an address fit to send to: {address!r}")
        address = f"{local}@{domain.encode('idna').decode('ascii')}"
    return address


def _quoted_printable(text: str) -> bytes:
    """Text as quoted-printable lines ending in CRLF (the C codec; trailing spaces encoded)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", b"\r\n")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _parameter(name: str, value: str) -> str:
    """A MIME parameter: quoted when ASCII, RFC 2231 (percent-encoded UTF-8) when not; a name longer
    than 120 characters keeps its first 100 and last 20 (the extension), so the line stays short."""
    value = one_line(_BREAKS.sub(" ", value)) or "attachment"
    if len(value) > 120:
        value = value[:100] + value[-20:]
    if value.isascii():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{name}="{escaped}"'
    return f"{name}*=utf-8''{quote(value, safe='')}"


class Composer:
    """Builds the bytes of outgoing e-mails from one sender (MAIL_DEFAULT_SENDER), fast.

        composer = Composer("Progress Billings <billing@example.com>")
        composed = composer.compose("dana@vendor.example", "Subject", text, html,
                                    attachments=[("claim.pdf", "application/pdf", pdf_bytes)])
    """

    def __init__(self, sender: str | tuple[str, str], reply_to: str | None = None,
                 list_unsubscribe: str | None = None) -> None:
        name, address = sender if isinstance(sender, tuple) else parseaddr(sender)
        self.sender = _address(address)
        self._from = formataddr((one_line(name), self.sender), charset="utf-8")
        self._domain = self.sender.rpartition("@")[2] or "localhost"
        self._reply_to = _address(reply_to) if reply_to else None
        self._list_unsubscribe = list_unsubscribe

    def message_id(self) -> str:
        return f"<{time.time_ns()}.{secrets.token_hex(8)}@{self._domain}>"

    def compose(self, to: str, subject: str, text: str, html: str,
                attachments: list[Attachment] | list[tuple[str, str, bytes]] | tuple[()] = (),
                *, list_unsubscribe: str | None = None) -> Composed:
        recipient = _address(to)
        boundary = f"=_{secrets.token_hex(12)}"  # "=_" never occurs in quoted-printable nor base64
        headers = [
            f"From: {self._from}",
            f"To: {recipient}",
            subject_header(subject),
            f"Date: {formatdate(localtime=True)}",
            f"Message-ID: {self.message_id()}",
        ]
        if self._reply_to:
            headers.append(f"Reply-To: {self._reply_to}")
        unsubscribe = list_unsubscribe or self._list_unsubscribe
        if unsubscribe:
            if _BREAKS.search(unsubscribe) or not unsubscribe.isascii():
                raise ValueError("List-Unsubscribe must be one ASCII line")
            headers.append(f"List-Unsubscribe: <{unsubscribe}>")
        headers.append("MIME-Version: 1.0")
        alternative = b"".join((
            f"--{boundary}a{CRLF}".encode(),
            f'Content-Type: text/plain; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}".encode(),
            _quoted_printable(text),
            f"{CRLF}--{boundary}a{CRLF}".encode(),
            f'Content-Type: text/html; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}".encode(),
            _quoted_printable(html),
            f"{CRLF}--{boundary}a--{CRLF}".encode(),
        ))
        if not attachments:
            headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}a"')
            head = (CRLF.join(headers) + CRLF + CRLF).encode("ascii")
            return Composed(self.sender, recipient, head + alternative)
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}m"')
        parts = [(CRLF.join(headers) + CRLF + CRLF).encode("ascii"),
                 f"--{boundary}m{CRLF}Content-Type: multipart/alternative; "
                 f'boundary="{boundary}a"{CRLF}{CRLF}'.encode(), alternative]
        for filename, content_type, data in attachments:
            content_type = content_type if _CONTENT_TYPE.match(content_type or "") else "application/octet-stream"
            parts.append(
                f"{CRLF}--{boundary}m{CRLF}Content-Type: {content_type}; {_parameter('name', filename)}{CRLF}"
                f"Content-Transfer-Encoding: base64{CRLF}"
                f"Content-Disposition: attachment; {_parameter('filename', filename)}{CRLF}{CRLF}".encode())
            parts.append(_base64(data))
        parts.append(f"{CRLF}--{boundary}m--{CRLF}".encode())
        return Composed(self.sender, recipient, b"".join(parts))


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA of a message: a line starting with "." gets another, then the lone "." that ends it."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


T = TypeVar("T")


class Sender:
    """One SMTP connection for many messages:

        with Sender(mail.settings()) as sender:
            for key, refusal in sender.send_all((key, composed) for ...):
                ...  # refusal is None when the server took the message

    With PIPELINING, a message's envelope (MAIL FROM, RCPT TO, DATA) goes in the same write as the
    message before it, so each message costs one round trip: the replies to the previous message's
    data and to this envelope come back together. With MAIL_SUPPRESS_SEND (tests, a dry run)
    nothing connects and every message is taken."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = False

    def __enter__(self) -> Sender:
        if not self.state.suppress:
            self.smtp = connect(self.state)
            self.smtp.ehlo_or_helo_if_needed()
            self.pipelining = bool(self.smtp.has_extn("pipelining"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.smtp is not None:
            try:
                if self.smtp.sock is not None:
                    self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass  # the connection was already gone: what was sent is counted already
            finally:
                self.smtp.close()
                self.smtp = None

    def send(self, message: Composed) -> None:
        """Send one message; raises its refusal, or OSError when the connection is gone."""
        for _, refusal in self.send_all([(None, message)]):
            if refusal is not None:
                raise refusal

    def send_all(self, items: Iterable[tuple[T, Composed]],
                 stop: Callable[[], bool] = lambda: False) -> Iterator[tuple[T, Exception | None]]:
        """Send each message in turn, yielding its key and its refusal (None: taken), in order. `stop()`
        is asked before each message after the first: True leaves the rest of `items` unread and unsent.
        A broken connection raises OSError (smtplib's errors are OSErrors); the message whose outcome
        was not yielded yet may or may not have reached the server."""
        items = iter(items)

        def following(first: bool = False) -> tuple[T, Composed] | None:
            return None if not first and stop() else next(items, None)

        if self.smtp is None:  # suppressed
            item = following(True)
            while item is not None:
                yield item[0], None
                item = following()
            return
        if not self.pipelining:
            yield from self._one_at_a_time(following)
            return
        yield from self._pipelined(following)

    def _one_at_a_time(self, following: Callable[..., Any]) -> Iterator[tuple[Any, Exception | None]]:
        item = following(True)
        while item is not None:
            key, message = item
            try:
                self._connected().sendmail(message.sender, [message.recipient], message.data)
            except smtplib.SMTPServerDisconnected:
                raise
            except smtplib.SMTPException as refusal:  # refused, or asked for what the server lacks
                yield key, refusal
            else:
                yield key, None
            item = following()

    def _pipelined(self, following: Callable[..., Any]) -> Iterator[tuple[Any, Exception | None]]:
        item = following(True)
        if item is None:
            return
        self._connected().send(self._envelope(item[1]))
        while item is not None:
            key, message = item
            smtp = self._connected()
            mail_from, rcpt_to, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
            if data[0] != 354 or mail_from[0] != 250 or rcpt_to[0] not in (250, 251):
                yield key, self._refused_envelope(message, mail_from, rcpt_to, data)
                item = following()
                if item is not None:
                    self._connected().send(self._envelope(item[1]))
                continue
            item = following()  # its envelope goes with this message's data
            smtp.send(_dot_stuffed(message.data) + (self._envelope(item[1]) if item is not None else b""))
            reply = smtp.getreply()
            if reply[0] == 421:
                smtp.close()  # the server is going away: the next envelope is not answered
            yield key, None if reply[0] == 250 else smtplib.SMTPDataError(*reply)

    def _connected(self) -> smtplib.SMTP:
        if self.smtp is None or self.smtp.sock is None:
            raise smtplib.SMTPServerDisconnected("the SMTP connection was closed")
        return self.smtp

    def _envelope(self, message: Composed) -> bytes:
        size = f" SIZE={len(message.data)}" if self._connected().has_extn("size") else ""
        return f"MAIL FROM:<{message.sender}>{size}\r\nRCPT TO:<{message.recipient}>\r\nDATA\r\n".encode("ascii")

    def _refused_envelope(self, message: Composed, mail_from: tuple[int, bytes], rcpt_to: tuple[int, bytes],
                          data: tuple[int, bytes]) -> Exception:
        """End the refused transaction (a 421 ends the connection) and say why, as smtplib would."""
        smtp = self._connected()
        if data[0] == 354:  # DATA taken despite a refused envelope (RFC 2920 asks servers not to)
            smtp.send(b".\r\n")  # an empty message to no one
            smtp.getreply()
        if 421 in (mail_from[0], rcpt_to[0], data[0]):
            smtp.close()
        else:
            smtp.rset()
        if mail_from[0] != 250:
            return smtplib.SMTPSenderRefused(mail_from[0], mail_from[1], message.sender)
        if rcpt_to[0] not in (250, 251):
            return smtplib.SMTPRecipientsRefused({message.recipient: rcpt_to})
        return smtplib.SMTPDataError(*data)


def connect(state: Any) -> smtplib.SMTP:
    """An SMTP connection as the app's MAIL_* settings ask, every step bounded by MAIL_TIMEOUT."""
    timeout = state.timeout
    host: smtplib.SMTP
    if state.use_ssl:
        host = smtplib.SMTP_SSL(state.server, state.port, timeout=timeout)
    else:
        host = smtplib.SMTP(state.server, state.port, timeout=timeout)
    host.set_debuglevel(int(state.debug))
    if state.use_tls:
        host.starttls()
    if state.username and state.password:
        host.login(state.username, state.password)
    return host


class TimedConnection(Connection):
    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        return connect(self.mail)


class TimedMail(Mail):
    """`mail.connect()` and `mail.send()` as in Flask-Mail, over a connection with a timeout; and
    `mail.settings()`, what `Sender` and `Composer` work from."""

    def init_mail(self, config: Any, debug: bool | int = False, testing: bool = False) -> Any:
        state = super().init_mail(config, debug, testing)
        state.timeout = float(config.get("MAIL_TIMEOUT", DEFAULT_TIMEOUT))
        return state

    def settings(self) -> Any:
        app = getattr(self, "app", None) or current_app
        return app.extensions["mail"]

    def connect(self) -> Connection:
        return TimedConnection(self.settings())
