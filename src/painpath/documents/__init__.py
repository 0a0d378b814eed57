"""Printable documents: HTML templates rendered to PDF with WeasyPrint.

`render.render_pdf(template, context)` is the one way to make a PDF; each document (the records request
letter first) is a small module that turns plain data into a template context. Nothing here reads the
database: slices gather the facts and pass them in.
"""
