"""Calls that send an email, SMS or push notification: slow, remote, and retried by nobody.

``sends(call, qualify, text)`` names the sending call (``send_mail``, ``smtplib.SMTP.sendmail``,
``twilio messages.create``), or returns None.
"""
from __future__ import annotations

from typing import Callable, Optional

from .._lazy import cst

from ..semantics import positional_args, string_value

_FUNCTIONS = {
    "django.core.mail.send_mail": "send_mail()",
    "django.core.mail.send_mass_mail": "send_mass_mail()",
    "django.core.mail.mail_admins": "mail_admins()",
    "django.core.mail.mail_managers": "mail_managers()",
}
_MESSAGE_CLASSES = {
    "django.core.mail.EmailMessage()": "EmailMessage.send()",
    "django.core.mail.EmailMultiAlternatives()": "EmailMultiAlternatives.send()",
    "django.core.mail.message.EmailMessage()": "EmailMessage.send()",
    "django.core.mail.message.EmailMultiAlternatives()": "EmailMultiAlternatives.send()",
}
_SMTP = ("smtplib.SMTP()", "smtplib.SMTP_SSL()")
_SMTP_SENDS = frozenset({"sendmail", "send_message"})
_BOTO_SERVICES = {"ses": ("send_email", "send_raw_email", "send_templated_email", "send_bulk_templated_email"),
                  "sesv2": ("send_email", "send_bulk_email"),
                  "sns": ("publish", "publish_batch")}


def _boto_service(call: Optional[cst.Call]) -> Optional[str]:
    if call is None:
        return None
    args = positional_args(call)
    if not args:
        return None
    arg = args[0].value
    if type(arg) not in (cst.SimpleString, cst.ConcatenatedString):
        return None
    value = string_value(arg)
    return value if isinstance(value, str) else None


def sends(call: cst.Call, qualify: Callable[[cst.BaseExpression], Optional[str]],
          origin: Callable[[cst.BaseExpression], Optional[cst.Call]], flask_mail: bool = False) -> Optional[str]:
    qual = qualify(call.func)
    if qual is None:
        return None
    found = _FUNCTIONS.get(qual)
    if found is not None:
        return found
    head, _, method = qual.rpartition(".")
    if method == "send" and head in _MESSAGE_CLASSES:
        return _MESSAGE_CLASSES[head]
    if method in _SMTP_SENDS and head in _SMTP:
        return f"smtplib.{head[8:-2]}.{method}()"
    if head == "flask_mail.Mail()" and method in ("send", "send_message"):
        return f"flask_mail Mail.{method}()"
    if flask_mail and method == "send" and head.rsplit(".", 1)[-1] == "mail":
        return "mail.send()"  # `from .extensions import mail` (a flask_mail.Mail) in a Flask-Mail module
    if head == "twilio.rest.Client().messages" and method == "create":
        return "twilio messages.create()"
    if head == "sendgrid.SendGridAPIClient()" and method == "send":
        return "SendGridAPIClient.send()"
    if head in ("boto3.client()", "boto3.session.Session().client()") and type(call.func) is cst.Attribute:
        service = _boto_service(origin(call.func.value))
        if service in _BOTO_SERVICES and method in _BOTO_SERVICES[service]:
            return f"boto3 {service}.{method}()"
    return None
