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
