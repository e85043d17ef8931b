"""How much text and how large numbers may enter, in one place (issue 9, items 13 and 15).

Every free-text value is checked three times against these numbers: the HTML form says
`maxlength`, the service refuses longer text with the field code "too_long" (so the web
form shows it next to the field, the API answers 422 naming the field, and the CLI and
the import meet the same rule), and the database session refuses any over-long value
at flush as the last guard (workflow_app/security/inputs.py).
"""

COMMENT = 2000       # review comments, committee votes
REASON = 2000        # send back, objections, dismiss / deny, override, negative items,
#                      bonus / penalty entries, withdrawals, stepping aside (回避)
REPORT_TEXT = 5000   # each text field of the self-report (实绩报告)
NOTE = 2000          # spot-check notes, indicator standards, evidence notes
NAME = 200           # cycle names, indicator sheet and item names
UNIT_NAME = 120      # org units, teams, people's display names (the column's width)
SURVEY_COMMENT = 500  # one anonymous survey answer's comment
SHORT = 200          # substitutes' reasons, calendar notes

# The boundary refuses any single text value longer than this, whatever its field (a
# field someone forgot is still bounded): more than the longest field above.
ANY_TEXT = 10_000

# The report form is read up to this size although one file may have only 10 MB: a file
# over its limit sent without the page's script is then refused next to the field while
# the typed text is saved, instead of a bare 413 that loses it. Beyond this, 413.
REPORT_FORM_BODY = 64 * 1024 * 1024

# JSON bodies: size, nesting, integer range (JavaScript's safe integers; SQLite cannot
# bind beyond 2**63).
JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 20
JSON_MAX_INT = 2**53 - 1

# Database ids (PostgreSQL `integer`): anything else in a URL is "not found".
ID_MIN, ID_MAX = 1, 2**31 - 1

# Free-text columns without a width of their own: (table, column) -> limit. String(n)
# columns are bounded by n.
TEXT_COLUMNS = {
    # An audit comment is a review comment or reason; other chains may say a little more.
    ("audit_entry", "comment"): REPORT_TEXT,
    ("review", "comment"): COMMENT,
    ("committee_vote", "comment"): COMMENT,
    ("objection", "reason"): REASON,
    ("objection", "resolution"): REASON,
    ("committee_recusal", "reason"): REASON,
    ("negative_item", "reason"): REASON,
    ("negative_item", "evidence"): NOTE,
    ("assessment_adjustment", "reason"): REASON,
    ("indicator_item", "standard"): NOTE,
    ("cycle_indicator_item", "standard"): NOTE,
    ("survey_response", "comment"): SURVEY_COMMENT,
    ("survey_spot_check", "note"): NOTE,
}
