"""What core itself adds to the shell (see declarations.py): the Home and Administration
areas and core's own pages."""

from django.utils.translation import gettext_lazy as _

from . import cards, outbox, tasks
from .declarations import AppContrib, Area, Card, Nav
from .roles import Action

CONTRIB = AppContrib(
    areas=[
        Area("home", _("Home"), order=0, icon="home"),
        Area("admin", _("Administration"), order=900, icon="gear"),
    ],
    nav=[
        Nav("home", "core:dashboard", _("Home"), Action.VIEW_DASHBOARD, 0),
        Nav("admin", "core:sites", _("Sites"), Action.VIEW_SITES, 10, current=("core:site*",)),
        Nav(
            "admin",
            "core:members",
            _("Members"),
            Action.VIEW_MEMBERS,
            20,
            current=("core:member*", "core:invitation*"),
        ),
        Nav("admin", "core:audit", _("Audit log"), Action.VIEW_AUDIT, 30, current=("core:audit*",)),
        Nav("admin", "core:settings", _("Settings"), Action.EDIT_ORGANIZATION, 50),
        Nav("admin", "core:roles", _("Who may do what"), Action.VIEW_DASHBOARD, 60),
    ],
    home_cards=[
        Card("core.members", "core/cards/members.html", cards.members, Action.VIEW_MEMBERS, 800),
        Card("core.sites", "core/cards/sites.html", cards.sites, Action.VIEW_SITES, 850),
        Card("core.mail", "core/cards/mail.html", cards.mail_problems, Action.VIEW_AUDIT, 750),
        Card(
            "core.recent_changes",
            "core/cards/recent_changes.html",
            cards.recent_changes,
            Action.VIEW_AUDIT,
            900,
        ),
    ],
    scheduled=[
        outbox.retry_due,  # failed e-mails, tried again with back-off
        tasks.fail_stalled,  # jobs whose worker died: failed, not "running" for good
    ],
    extension_points={
        "core.mail_sent": "MailSent(kind, hook): run when a mail of kind went",
        "core.job_stalled": "JobStalled(hook): undo an app's part of a job that died",
    },
)
