"""WTForms (Flask-WTF) form classes, one module per domain.

Forms receive their context through the constructor; every label is a lazy
gettext with an English msgid, translated at render time.
"""
