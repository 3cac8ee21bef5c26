"""docgen as an HTTP service (``docgen serve``): a FastAPI application for portals that are not written
in Python, and a Chinese web page for lead units' staff. Needs the ``service`` extra
(``pip install 'docgen[service]'``).

- ``settings``: limits read from the environment (body size, timeout, concurrency, PDF queue);
- ``problems``: RFC 9457 problem+json responses carrying the CLI's Chinese labels, paths and lines;
- ``limits``: the request-body cap and the gates that bound concurrent work (429/503 with Retry-After);
- ``jobs``: the work of each endpoint, synchronous, each in its own temporary folder;
- ``app``: the routes, the OpenAPI document and the web page.
"""
