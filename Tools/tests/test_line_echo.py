"""Tools/bench/line_echo.c, the floor serving.py measures vaed's latency against: it must answer like a daemon
(`vaectl bench` checks every answer's id), one line per request line, in order, however the lines are split."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPILER = shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="module")
def echo_socket():
    work = tempfile.mkdtemp(prefix="line-echo-test-")
    process = None
    try:
        binary, path = f"{work}/line_echo", f"{work}/echo.sock"
        subprocess.run([COMPILER, "-O2", "-Wall", "-Werror", "-pthread", "-o", binary,
                        f"{ROOT}/Tools/bench/line_echo.c"], check=True, timeout=120)
        process = subprocess.Popen([binary, path])
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            assert process.poll() is None, f"line_echo exited with status {process.returncode}"
            assert time.monotonic() < deadline, "line_echo did not create its socket within 30 s"
            time.sleep(0.01)
        yield path
    finally:
        # Also when the start failed: no server or folder is left behind.
        if process is not None:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def read_lines(connection, count):
    data = b""
    while data.count(b"\n") < count:
        chunk = connection.recv(65536)
        assert chunk, "line_echo closed the connection"
        data += chunk
    return [json.loads(line) for line in data.splitlines()]


@pytest.mark.skipif(COMPILER is None, reason="no C compiler")
def test_answers_each_line_in_order_under_its_id(echo_socket):
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(echo_socket)
        # Two lines in one write, then one split across two writes.
        connection.sendall(b'{"id":1,"method":"hello"}\n{"id":"b","method":"health"}\n{"id":3,')
        time.sleep(0.05)
        connection.sendall(b'"method":"encode"}\n')
        hello, health, encode = read_lines(connection, 3)
    assert hello["id"] == 1 and hello["result"]["protocol"] == 1 and "models" in hello["result"]
    assert health == {"jsonrpc": "2.0", "id": "b", "result": {"status": "ok"}}
    assert encode["id"] == 3 and encode["result"] == {"status": "ok"}


@pytest.mark.skipif(COMPILER is None, reason="no C compiler")
def test_serves_connections_side_by_side(echo_socket):
    first, second = socket.socket(socket.AF_UNIX), socket.socket(socket.AF_UNIX)
    with first, second:
        for connection in (first, second):
            connection.settimeout(10)
            connection.connect(echo_socket)
        # The first connection stays open and idle while the second is answered.
        second.sendall(b'{"id":7,"method":"health"}\n')
        assert read_lines(second, 1)[0]["id"] == 7
        first.sendall(b'{"id":8,"method":"health"}\n')
        assert read_lines(first, 1)[0]["id"] == 8
