"""A real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS from a self-signed certificate made here, and AUTH."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "mailer", "s3cret-pass"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool
    tls: bool


@dataclass
class Handler:
    refuse: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    delay: float = 0.0  # seconds before the 250 that accepts a message (a slow server: a window to be cut in)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.content,
                bool(session.authenticated),
                session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False for a refusal: aiosmtpd then answers 535, as a real server does (with its default, handled=True,
    # a refused client hears nothing and waits out its timeout)
    return AuthResult(success=ok, handled=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """``with SmtpServer(tmp_path) as srv``: srv.port, srv.cafile, srv.handler.messages."""

    def __init__(self, folder: Path, starttls: bool = True, implicit_tls: bool = False, smtputf8: bool = True) -> None:
        self.handler = Handler()
        self.cafile, key = make_certificate(folder)
        self.port = free_port()
        kwargs: dict = {"authenticator": authenticator, "auth_require_tls": starttls, "enable_SMTPUTF8": smtputf8}
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cafile, key)
        if implicit_tls:
            kwargs.update(ssl_context=ctx, auth_require_tls=False)
        elif starttls:
            kwargs.update(tls_context=ctx, require_starttls=True)
        else:
            kwargs["auth_require_tls"] = False
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def brief_env(srv: SmtpServer, data_dir: Path, out_dir: Path, **extra: str) -> dict[str, str]:
    """The settings that point brief at ``srv`` (plain SMTP with the test login, no pacing) and at its folders."""
    return {
        "BRIEF_DATA_DIR": str(data_dir),
        "BRIEF_OUT_DIR": str(out_dir),
        "BRIEF_SMTP_HOST": "127.0.0.1",
        "BRIEF_SMTP_PORT": str(srv.port),
        "BRIEF_SMTP_SECURITY": "plain",
        "BRIEF_SMTP_USER": USER,
        "BRIEF_SMTP_PASSWORD": PASSWORD,
        "BRIEF_SEND_PACE": "0",
        **extra,
    }
