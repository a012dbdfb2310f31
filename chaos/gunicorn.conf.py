"""Gunicorn settings for the chaos run: three sync workers, no access log (it would hold addresses)."""

workers = 3
worker_class = "sync"
timeout = 60
graceful_timeout = 10
accesslog = None
errorlog = "-"
loglevel = "warning"
