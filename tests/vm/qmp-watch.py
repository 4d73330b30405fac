#!/usr/bin/env python3
"""Follow the guest's console log and run the QMP commands it asks for.

A guest test prints "PA-QMP <command> <id>" (e.g. "PA-QMP device_del nic0")
when it needs the host to act on the machine, such as a hot-unplug. Each
request is executed once, in order. Usage: qmp-watch.py CONSOLE_LOG QMP_SOCKET
"""
import json
import os
import socket
import sys
import time

COMMANDS = {"device_del": "id"}  # what a guest may ask for, and its argument


def qmp(sock_path, command, arg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    f = s.makefile("rw")
    json.loads(f.readline())  # greeting
    for req in ({"execute": "qmp_capabilities"},
                {"execute": command, "arguments": {COMMANDS[command]: arg}}):
        f.write(json.dumps(req) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                break
    s.close()
    return reply


def main():
    log, sock = sys.argv[1], sys.argv[2]
    pos = 0
    pending = ""
    while True:
        if os.getppid() == 1:  # run-vm.sh is gone
            return
        try:
            with open(log, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        pos += len(data)
        pending += data.decode("utf-8", "replace").replace("\r", "")
        *lines, pending = pending.split("\n")
        for line in lines:
            if not line.startswith("PA-QMP "):
                continue
            parts = line.split()
            if len(parts) != 3 or parts[1] not in COMMANDS:
                print(f"qmp-watch: ignoring '{line}'", file=sys.stderr)
                continue
            try:
                reply = qmp(sock, parts[1], parts[2])
                print(f"qmp-watch: {parts[1]} {parts[2]}: {reply}", file=sys.stderr)
            except OSError as e:
                print(f"qmp-watch: {parts[1]} {parts[2]} failed: {e}", file=sys.stderr)
        time.sleep(0.2)


if __name__ == "__main__":
    main()
