"""A loopback sink for the fuzz run (run.sh): endpoints' forward URLs are pointed here, so a forwarded
capture never comes back to the receiver (which could forward it again, in a loop). Answers 204 to any
method and path, keeps nothing. Usage: sink.py READY_FILE — writes http://127.0.0.1:PORT there."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: nothing to keep in step
    timeout = 10

    def answer(self):
        try:
            remaining = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            remaining = 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)
        self.send_response(204)
        self.end_headers()

    def __getattr__(self, name):
        if name.startswith("do_"):  # any method, also the fuzzer's odd ones
            return self.answer
        raise AttributeError(name)

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
server.daemon_threads = True
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"http://127.0.0.1:{server.server_address[1]}\n")
__import__("os").replace(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
