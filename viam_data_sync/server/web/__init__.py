"""The local server's wire: the gRPC serving core (``serving.py``: an event loop
admitting calls, a bounded worker pool running the services), and the HTTP listener
(``http.py``: signed blob URLs) with its gRPC-web proxy (``grpc_web.py``)."""
