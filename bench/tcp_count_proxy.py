#!/usr/bin/env python3
"""A loopback TCP proxy that counts the bytes it forwards (bench/ only).

Usage: tcp_count_proxy.py TARGET_PORT COUNT_FILE
Listens on 127.0.0.1, a free port, which it prints as the first line on
stdout. Every connection is forwarded to 127.0.0.1:TARGET_PORT. When a
connection ends, one line "client_to_server server_to_client" (TCP payload
bytes) is appended to COUNT_FILE. Runs until SIGTERM or SIGINT.

bench/sync_vs_nncp.py uses it to check what each tool reports as its bytes on
the wire against what actually crossed the socket.
"""
import asyncio
import signal
import socket
import sys


async def pump(reader, writer, counter, index):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            counter[index] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (OSError, RuntimeError):
            pass


async def main():
    target_port = int(sys.argv[1])
    count_file = sys.argv[2]

    async def handle(c_reader, c_writer):
        counter = [0, 0]
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            c_writer.close()
            return
        for w in (c_writer, s_writer):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(c_reader, s_writer, counter, 0),
                             pump(s_reader, c_writer, counter, 1))
        for w in (c_writer, s_writer):
            w.close()
        with open(count_file, "a") as f:
            f.write(f"{counter[0]} {counter[1]}\n")

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
