from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..._lazy import cst

from ...findings import Severity
from ...frameworks import call_chains as cc
from ...frameworks import notifications, routes, task_queues
from ...frameworks.settings_files import name_words
from ._chains import ChainRule


class SlowWorkInRequest(ChainRule):
    """An email or notification is sent synchronously while the HTTP request waits.

    ## What it does
    Finds, inside an HTTP handler (as `backlint routes` lists them) or inside a project function
    a handler calls (same file, or another module through the project index, up to three
    functions deep), calls that send email or notifications: Django `send_mail`,
    `send_mass_mail`, `mail_admins`, `mail_managers`, `EmailMessage(...).send()`,
    `EmailMultiAlternatives(...).send()`, `smtplib.SMTP(...).sendmail/send_message`,
    Flask-Mail `mail.send`, Twilio `client.messages.create`, SendGrid
    `SendGridAPIClient.send`, boto3 SES `send_email`/`send_raw_email` and SNS `publish`.
    When the module already uses a job queue (Celery, RQ, Dramatiq, Huey, arq, FastAPI
    `BackgroundTasks`) the message names it.

    Not reported: work handed to a queue (`.delay()`, `.apply_async()`, `send_task`,
    `enqueue`, `BackgroundTasks.add_task(send, ...)`, `transaction.on_commit(lambda: ...)`:
    the send function is passed, not called), sending inside a task, a CLI or a management
    command, tests; a function named for a test message (`send_test_mail`: an administrator
    checks the mail settings and waits for the answer on purpose).

    ## Why is this bad?
    "Move email and other slow work to a job queue": an SMTP server or a provider API answers
    in hundreds of milliseconds on a good day and in tens of seconds on a bad one. Done inside
    the request, the user waits for it, a worker is held for it, and when the provider fails
    the request fails too (or the email is lost) with nobody retrying it.

    ## Example
    ```python
    from django.core.mail import send_mail
    from django.http import HttpResponse

    def signup(request):
        send_mail("Welcome", "Hello!", "noreply@example.com", [request.POST["email"]])
        return HttpResponse("ok")
    ```

    ## Use instead
    ```python
    from django.http import HttpResponse

    from .tasks import send_welcome_email

    def signup(request):
        send_welcome_email.delay(request.POST["email"])
        return HttpResponse("ok")
    ```

    ## Known problems
    Helpers are followed only when their names resolve (a function of the same file,
    `self.method()`, an imported project function). A project's own mail wrapper that hands the
    message to a queue itself is not reported; one that sends directly is.
    """

    code = "BL405"
    name = "slow-work-in-request"
    category = "slow-work-in-request"
    severity = Severity.WARNING
    precision = "high"
    tags = ("reliability", "performance")
    text_markers = ("mail", "smtplib", "twilio", "sendgrid", "boto3")

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._routes = routes.for_context(self.ctx)
        self._flask_mail = "flask_mail" in self.ctx.text

    def extra(self) -> Dict[str, Any]:
        if not hasattr(self, "_extra"):
            queue = task_queues.queue_in(self.ctx.text)
            self._extra = {"q": queue} if queue else {}
        return self._extra

    def effect(self, node: cst.Call, frame: cc.Frame) -> Optional[str]:
        if "test" in name_words(frame.node.name.value):
            return None  # "send a test e-mail": the admin waits for the result on purpose
        return notifications.sends(node, self.ctx.qualified_name, self.ctx.origin_call, self._flask_mail)

    def root_label(self, node: cst.FunctionDef, qualname: Optional[str]) -> Optional[str]:
        handler = self._routes.handler_for(node)
        return handler.name if handler is not None else None

    @classmethod
    def message(cls, root: str, chain: List[str], extra: Dict[str, Any]) -> str:
        sent = chain[-1]
        queue = extra.get("q")
        advice = (f"hand it to the job queue this module already uses, {queue}" if queue else
                  "hand it to a background job (a task queue such as Celery or RQ; in FastAPI, `BackgroundTasks`)")
        where = (f"The handler `{root}` calls `{sent}`" if len(chain) == 1 else
                 f"{cc.arrow([root] + chain)}: the handler `{root}` reaches `{sent}`")
        return (f"{where} while the request waits: the user and a worker wait on the mail or notification "
                f"provider, and its failure fails the request; {advice}.")
