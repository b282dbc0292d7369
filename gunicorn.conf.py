"""gunicorn settings for `make run` and the README's production command
(`.venv/bin/gunicorn -c gunicorn.conf.py …`; bind, workers and threads stay on the command
line).

The access log names no client: no address (nor any forwarded-address header), no referrer
or user agent, no query string, and the secret part of a signer's link (confirm, withdraw,
correct, unsubscribe, receipt) is written as `<token>`. See petition_service/accesslog.py.
"""

accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = "petition_service.accesslog.PrivateLogger"

# The app is loaded once, in the master, and every worker is forked from it: the workers
# share the loaded code and data instead of each building its own copy, so on a small
# machine with several workers less memory and cache is spent per request (BENCHMARKS.md,
# *Intake*). A configuration error then stops the master at once with its message.
preload_app = True


def pre_fork(server, worker):
    # What loading the app made lives as long as the process: freeze it out of the garbage
    # collector, whose full passes would otherwise walk (and so copy) all of it in every
    # worker.
    import gc

    gc.freeze()


def post_fork(server, worker):
    # A database connection must never be shared across a fork. Loading the app opens none
    # today; dropping the pools here keeps it so if that ever changes.
    app = worker.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with app.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)
