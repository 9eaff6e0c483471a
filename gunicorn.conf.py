"""Gunicorn settings for the web container (read automatically from the working directory).

Threaded workers (gthread): a slow client occupies one thread, not a whole worker, so two
stalled uploads cannot block the site. Run behind a reverse proxy that buffers request bodies
(nginx: ``proxy_request_buffering on``, the default; ``client_max_body_size`` a little above
MAX_UPLOAD_MEGABYTES): the proxy then receives a slow upload in full before gunicorn sees it.

Timeouts, from the inside out (each must fit inside the next):
- PostgreSQL: connect 5 s (DB_CONNECT_TIMEOUT), statements 30 s (DB_STATEMENT_TIMEOUT_MS);
- mail and the broker never hold a request: mail leaves through the outbox, tasks after commit;
- gunicorn ``timeout`` 60 s: a worker that is silent longer is restarted;
- the proxy's read timeout: at least gunicorn's (nginx ``proxy_read_timeout 75s``).
Every value can be overridden with the usual GUNICORN_CMD_ARGS.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so a slow leak cannot grow for months.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The access log names the path only: no query string (search terms such as a pupil's surname
# travel in ``?q=``) and no referrer (which carries the previous page's query). A purge cannot
# reach a log file, so personal data must not get there in the first place.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
# Uploaded files are kept in memory (privacy_portal.uploads), never in /tmp.
