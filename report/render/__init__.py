"""Rendering: template context, Jinja environment, HTML page and PDF."""
