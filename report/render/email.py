"""The e-mail newsletter: multipart/alternative with a plain-text part and a multipart/related HTML part whose
charts are PNG images referenced by cid:, optionally with the PDF attached. Building the message is pure.
"""

from __future__ import annotations

import base64
import copy
import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any, cast

from report.errors import RenderError, UsageError
from report.i18n import Catalogue
from report.render.templating import EMAIL, render_template

if TYPE_CHECKING:
    from jinja2 import Environment

    from report.charts import Chart

EMAIL_CHARTS = ("balance_sheet", "sofr", "payrolls", "btc_cost")
GMAIL_CLIP_BYTES = 102 * 1024  # Gmail clips an HTML part larger than this
MAX_MESSAGE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class MailSettings:
    """Who the newsletter comes from and how a reader leaves the list."""

    sender: str
    reply_to: str | None = None
    public_url: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None


def cid_for(chart_id: str, edition: str, domain: str) -> str:
    """A Content-ID (without angle brackets) for a chart of an edition."""
    return f"{chart_id}.{edition}@{domain}"


def domain_of(address: str) -> str:
    """The domain of an address, for Message-IDs and Content-IDs."""
    return email.utils.parseaddr(address)[1].rpartition("@")[2] or "localhost"


def view_url(mail: MailSettings, edition: str, html_name: str) -> str | None:
    """The web edition's address when editions are published at ``public_url``."""
    if not mail.public_url:
        return None
    return f"{mail.public_url.rstrip('/')}/editions/{edition}/{html_name}"


def subject(
    cat: Catalogue,
    langs: Sequence[str],
    *,
    date_text: Mapping[str, str],
    days: Mapping[str, str] | None,
    demo: bool = False,
) -> str:
    """The subject in the edition's languages: date and days to the FOMC decision; a demo edition says so first."""
    parts = [
        cat.t("email.subject", lang, date=date_text[lang], days=days[lang])
        if days
        else cat.t("email.subject_unknown", lang, date=date_text[lang])
        for lang in langs
    ]
    if demo:  # each language's half says it is a demonstration
        parts = [cat.t("ui.demo_mark", lang) + part for lang, part in zip(langs, parts, strict=True)]
    return " | ".join(parts)


def plain_text(
    context: Mapping[str, Any], cat: Catalogue, *, langs: Sequence[str], url: str | None, unsubscribe: str | None
) -> str:
    """The text/plain part: masthead, the key figures, the link to the web edition, the disclaimer."""
    t = context["t"]
    lines = [
        " / ".join(t["ui.title"][lang] for lang in langs),
        " / ".join(context["edition_label"][lang] for lang in langs),
    ]
    lines += [context["countdown"][lang] for lang in langs]
    if context["demo"]:
        lines += ["", *(t["ui.demo_banner"][lang] for lang in langs)]
    if context.get("summary"):
        for lang in langs:
            lines += ["", context["summary_title"][lang], *(p[lang] for p in context["summary"])]
    lines += ["", " / ".join(t["ui.key_figures"][lang] for lang in langs)]
    for row in context["key_figures"]:
        label = " / ".join(row["label"][lang] for lang in langs)
        value = " / ".join(row["value"][lang] for lang in langs)
        lines.append(f"- {label}: {value}")
        if row["reason"]:  # the note in every language of the edition, each on its own line
            lines += [f"  ({row['reason'][lang]})" for lang in langs]
    lines.append("")
    lines += [
        cat.t("email.web_edition", lang, url=url) if url else cat.t("email.no_web_edition", lang) for lang in langs
    ]
    lines.append("")
    for lang in langs:
        lines.append(
            " ".join(
                t[k][lang]
                for k in (
                    "ui.disclaimer_advice",
                    "ui.disclaimer_accuracy",
                    "ui.disclaimer_forward",
                    "ui.disclaimer_liability",
                )
            )
        )
        lines.append(t["ui.demo_attribution" if context["demo"] else "ui.fred_attribution"][lang])
    if unsubscribe:
        lines += ["", " / ".join(cat.t("email.unsubscribe", lang) for lang in langs) + f": {unsubscribe}"]
    return "\n".join(lines) + "\n"


def inline_css(html: str) -> str:
    """Inline the stylesheet into style attributes; keep <style> for the dark-mode media query."""
    import css_inline

    return str(css_inline.CSSInliner(keep_style_tags=True).inline(html))


def _header_safe(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise UsageError(f"{what} must be one line")
    return value


def build_message(
    *,
    subject_line: str,
    html: str,
    text: str,
    pngs: Mapping[str, bytes],
    mail: MailSettings,
    edition: str,
    pdf: tuple[str, bytes] | None = None,
) -> EmailMessage:
    """The newsletter as one message, without a recipient (``personalize`` adds To and a Message-ID)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = _header_safe(subject_line, "the subject")
    msg["From"] = _header_safe(mail.sender, "email.from")
    if mail.reply_to:
        msg["Reply-To"] = _header_safe(mail.reply_to, "email.reply_to")
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(domain=domain_of(mail.sender))
    targets = []
    if mail.unsubscribe_url:
        targets.append(f"<{_header_safe(mail.unsubscribe_url, 'email.unsubscribe_url')}>")
    if mail.unsubscribe_mailto:
        address = _header_safe(mail.unsubscribe_mailto, "email.unsubscribe_mailto").removeprefix("mailto:")
        targets.append(f"<mailto:{address}?subject=unsubscribe>")
    if targets:
        msg["List-Unsubscribe"] = ", ".join(targets)
        if mail.unsubscribe_url:  # one-click (RFC 8058) needs an https URL to POST to
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    related = cast(EmailMessage, cast(list[Any], msg.get_payload())[1])
    for cid, data in pngs.items():
        related.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid.split('.')[0]}.png")
    if pdf is not None:
        name, data = pdf
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def html_part(msg: EmailMessage) -> EmailMessage:
    """The text/html part of a newsletter."""
    part = msg.get_body(preferencelist=("html",))
    if part is None:
        raise RenderError("the message has no HTML part")
    return cast(EmailMessage, part)


def check_size(msg: EmailMessage, with_pdf: bool) -> None:
    """Keep the HTML under Gmail's clipping limit and the whole message under 2 MB (without a PDF)."""
    html_bytes = len(html_part(msg).get_content().encode("utf-8"))
    if html_bytes > GMAIL_CLIP_BYTES:
        raise RenderError(f"the e-mail HTML is {html_bytes // 1024} KB; Gmail clips anything over 102 KB")
    total = len(msg.as_bytes())
    if not with_pdf and total > MAX_MESSAGE_BYTES:
        raise RenderError(f"the e-mail is {total / 1e6:.1f} MB; keep it under 2 MB")


def preview_html(msg: EmailMessage) -> str:
    """The HTML part with cid: images replaced by data: URIs, to look at in a browser."""
    html = html_part(msg).get_content()
    images = {}
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid:
            data = cast(bytes, part.get_payload(decode=True))
            images[cid.strip("<>")] = f"data:{part.get_content_type()};base64,{base64.b64encode(data).decode()}"
    return re.sub(r'src="cid:([^"]+)"', lambda m: f'src="{images.get(m.group(1), "")}"', html)


def load(raw: bytes) -> EmailMessage:
    """Parse a stored .eml."""
    return cast(EmailMessage, BytesParser(policy=policy.SMTP).parsebytes(raw))


def personalize(template: EmailMessage, recipient: str, edition: str, *, message_id: str | None = None) -> EmailMessage:
    """A copy addressed to one reader, with its own Message-ID (``message_id`` when resending) and Date."""
    msg = copy.deepcopy(template)
    del msg["To"]
    msg["To"] = _header_safe(recipient, "a recipient address")
    del msg["Message-ID"]
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain=domain_of(str(template["From"])))
    del msg["Date"]
    msg["Date"] = email.utils.formatdate(localtime=False)
    return msg


def compose(
    *,
    env: Environment,
    context: Mapping[str, Any],
    cat: Catalogue,
    mail: MailSettings,
    langs: Sequence[str],
    edition: str,
    html_name: str | None,
    pngs: Sequence[Chart],
    pdf: tuple[str, bytes] | None,
) -> EmailMessage:
    """The newsletter of one edition: HTML with CSS inlined, the text part, PNG charts by cid:, the size checked."""
    url = view_url(mail, edition, html_name) if html_name else None
    pngs = [c for c in pngs if not c.empty]  # a chart without data is left out, as on the page
    cids = {c.id: cid_for(c.id, edition, domain_of(mail.sender)) for c in pngs}
    subj = subject(
        cat, langs, date_text=context["edition_date_text"], days=context["fomc_days_text"], demo=context["demo"]
    )
    unsubscribe = mail.unsubscribe_url or (f"mailto:{mail.unsubscribe_mailto}" if mail.unsubscribe_mailto else None)
    preheader = " · ".join(f"{row['label'][langs[0]]} {row['value'][langs[0]]}" for row in context["headline"][:4])
    html = render_template(
        env,
        EMAIL,
        {
            **context,
            "subject": subj,
            "preheader": preheader,
            "view_url": url,
            "email_charts": EMAIL_CHARTS,
            "cids": cids,
            "t_email": {k: cat.both(k) for k in cat.strings if k.startswith("email.")},
            "unsubscribe_link": unsubscribe,
        },
    )
    msg = build_message(
        subject_line=subj,
        html=inline_css(html),
        text=plain_text(context, cat, langs=langs, url=url, unsubscribe=unsubscribe),
        pngs={cids[c.id]: c.data for c in pngs},
        mail=mail,
        edition=edition,
        pdf=pdf,
    )
    check_size(msg, with_pdf=pdf is not None)
    return msg


__all__ = ["EMAIL_CHARTS", "MailSettings", "build_message", "check_size", "compose", "load", "personalize"]
