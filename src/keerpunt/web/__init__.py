"""Pages: Jinja2 templates, plain JavaScript modules and styles, all shipped in the package."""
