"""Render stage: the one adapter to docxtpl (docx.py, with its template cache) and PDF (pdf.py)."""
