"""Email helpers. Anti-pattern: SMTP connection opened without a timeout."""
import smtplib
from email.message import EmailMessage

from app import settings


def _build(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.MAIL_FROM
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def send_email(to: str, subject: str, body: str) -> None:
    with smtplib.SMTP("mail.example.com") as smtp:
        smtp.send_message(_build(to, subject, body))


def send_ops_alert(subject: str, body: str) -> None:
    with smtplib.SMTP("mail.example.com", 587, timeout=10) as smtp:
        smtp.starttls()
        smtp.send_message(_build("ops@shop.example.com", subject, body))
