"""Drafting stage: plain, typed document outlines (agreement, plan, commitments, supplement, redline)."""
