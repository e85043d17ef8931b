"""Files the app hands out: spreadsheets (XLSX, CSV) and PDFs.

User text (names, units, cycle names, comments, anything typed or imported) reaches
those files only through this package: `spreadsheet` writes it as inert text (no
formula injection), `pdf` escapes it before reportlab parses it as markup. Code that
builds an export never calls openpyxl, csv.writer or reportlab's Paragraph itself.
"""
