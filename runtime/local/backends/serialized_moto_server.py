"""moto's server for the DynamoDB API, applying one request at a time.

moto's own `python -m moto.server` handles each request in a thread, and its DynamoDB backend
checks a condition and then writes without a lock: twenty concurrent `stock >= 1` decrements of a
stock of 5 can let six through. DynamoDB applies every conditional write and every transaction
atomically, and the products service relies on it to never oversell, so this server serialises the
requests (connections are still accepted concurrently). Usage: serialized_moto_server.py HOST PORT
"""

import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    # moto builds some URLs (e.g. presigned ones) from the port it believes it serves on.
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    moto_app = DomainDispatcherApplication(create_backend_app)
    one_request_at_a_time = threading.Lock()

    def serialized_app(environ, start_response):
        with one_request_at_a_time:
            # The response body is produced lazily; it must be complete before the lock is released.
            return list(moto_app(environ, start_response))

    run_simple(host, port, serialized_app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
