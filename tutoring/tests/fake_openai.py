"""A local fake OpenAI-compatible server: a real HTTP server in a thread (``ThreadingHTTPServer``) that
speaks ``POST /v1/chat/completions`` with ``stream=true`` as server-sent events, so the provider's tests
run the real ``openai`` SDK over real sockets.

``FakeOpenAI.behaviour`` picks what the next requests get: ``"stream"`` (``reply`` split into
``chunks`` pieces, ``delay`` seconds apart, then a usage chunk and ``[DONE]``), ``"status"`` (HTTP
``status`` with an OpenAI error body), ``"slow"`` (sleeps ``delay`` seconds before answering), ``"cut"``
(sends ``cut_after`` pieces, then drops the connection without a finish reason). ``requests`` records
every request body; ``send_usage = False`` leaves out the usage chunk, as llama-cpp-python's server does.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self):
        self.behaviour = "stream"
        self.reply = "Think about what the derivative measures [00:05]."
        self.chunks = 5
        self.delay = 0.0
        self.status = 500
        self.cut_after = 2
        self.model = "fake-model-1"
        self.send_usage = True  # False: like llama-cpp-python's server, no usage chunk despite include_usage
        self.requests: list[dict] = []
        # When set to an Event, every stream waits for it before its first piece (the bench releases
        # 100 streams at once this way).
        self.gate: threading.Event | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(body)
                fake.handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pieces(self) -> list[str]:
        size = max(1, -(-len(self.reply) // self.chunks))
        return [self.reply[i : i + size] for i in range(0, len(self.reply), size)]

    def _chunk(self, content=None, finish=None, usage=None) -> bytes:
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": []
            if usage
            else [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}],
        }
        if usage:
            payload["usage"] = usage
        return f"data: {json.dumps(payload)}\n\n".encode()

    def handle(self, handler: BaseHTTPRequestHandler, body: dict) -> None:
        if self.behaviour == "status":
            data = json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode()
            handler.send_response(self.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            return
        if self.behaviour == "slow":
            time.sleep(self.delay)
        if self.gate is not None:
            self.gate.wait(timeout=120)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        pieces = self.pieces()
        try:
            for index, piece in enumerate(pieces):
                if self.behaviour == "cut" and index >= self.cut_after:
                    handler.wfile.flush()
                    handler.connection.shutdown(2)  # drop the connection mid-reply
                    return
                handler.wfile.write(self._chunk(piece))
                handler.wfile.flush()
                if self.delay and self.behaviour != "slow":
                    time.sleep(self.delay)
            handler.wfile.write(self._chunk(finish="stop"))
            if self.send_usage:
                handler.wfile.write(
                    self._chunk(
                        usage={"prompt_tokens": 42, "completion_tokens": len(pieces), "total_tokens": 42 + len(pieces)}
                    )
                )
            handler.wfile.write(b"data: [DONE]\n\n")
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True
