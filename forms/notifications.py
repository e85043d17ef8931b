"""Notification preferences: one checkbox per kind and optional channel.

The rows (kinds, labels, current choices) come in through the constructor; the
checkboxes are named "<kind>.<channel>" and read back with `wanted()`.
"""

from flask_wtf import FlaskForm


class PreferencesForm(FlaskForm):
    def __init__(self, formdata=None, *, rows, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.rows, self.posted = rows, formdata

    @staticmethod
    def name(kind, channel):
        return f"{kind}.{channel}"

    def wanted(self):
        """{(kind, channel): bool} as posted."""
        posted = self.posted or {}
        return {(row["kind"], channel): self.name(row["kind"], channel) in posted
                for row in self.rows for channel in row["channels"]}
