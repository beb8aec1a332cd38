"""gunicorn's settings for the web app, read by the image's command and by bench/scale.py
(gunicorn loads ./gunicorn.conf.py from its working directory; both pass it explicitly).

Command-line flags still win over these (the bench's port and worker count, say).
"""

import gc


def post_worker_init(worker):
    """Once the worker has loaded Django, move everything alive into the garbage
    collector's permanent generation (`gc.freeze`, Python >= 3.7): Django's modules,
    models, URL patterns and settings live as long as the worker, yet every full collection
    walked them all again. A team page of 50 rows triggers one every thirty requests or
    so, and each took 50 ms at 20,000 people (7 ms once frozen): the slowest requests of
    every page, its p95 (docs/scaling.md). Objects made later are collected as before."""
    gc.collect()
    gc.freeze()
