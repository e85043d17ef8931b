"""Texts of the reminders the scheduler queues, merged into the notification kinds.

The body doubles as the SMS text, so it stays short: a Chinese SMS is one
message up to 70 characters (the SMS channel cuts anything longer).
Suggested zh_CN translations (for the catalogue):
  submit_reminder   "【考核】%(cycle)s实绩报告还剩%(days)s天截止" /
                    "%(cycle)s实绩报告请于%(deadline)s前提交，还剩%(days)s天。"
  submit_due_today  "【考核】%(cycle)s实绩报告今天截止" /
                    "%(cycle)s实绩报告今天%(deadline)s截止，请尽快提交。"
  review_overdue    "%(cadre)s的实绩报告已等待%(days)s个工作日" /
                    "%(cycle)s中%(cadre)s的实绩报告已等待您审核%(days)s个工作日。"
"""

from flask_babel import lazy_gettext as _l

from workflow_app.notifications.messages import KINDS

SCHEDULER_KINDS = {
    "submit_reminder": (
        _l("Reminder: report for %(cycle)s due in %(days)s days"),
        _l("Report for %(cycle)s due %(deadline)s, %(days)s days left."),
    ),
    "submit_due_today": (
        _l("Reminder: report for %(cycle)s due today"),
        _l("Report for %(cycle)s is due today, %(deadline)s."),
    ),
    "review_overdue": (
        _l("Report of %(cadre)s waiting %(days)s working days"),
        _l("The report of %(cadre)s in %(cycle)s has waited %(days)s working days for you."),
    ),
    "review_escalated": (
        _l("Overdue: report of %(cadre)s at %(stage)s for %(days)s working days"),
        _l("The report of %(cadre)s in %(cycle)s has waited %(days)s working days at "
           "%(stage)s (allowed: %(sla)s). Please follow up with the reviewers."),
    ),
}

# One table of kinds for render(): the scheduler adds its own without editing it.
KINDS.update(SCHEDULER_KINDS)
