# Test stand-in for systemd's notify socket: a real unix datagram listener that prints each message (with the sender's pid) as JSON and closes passed fds (which releases sd_notify_barrier).
import array, json, os, socket, struct, sys

path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
print(json.dumps({"listening": path}), flush=True)
while True:
    msg, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(struct.calcsize("3i")))
    pid, fds = None, []
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", data[: struct.calcsize("3i")])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(data[: len(data) - (len(data) % a.itemsize)])
            fds.extend(a)
    for fd in fds:
        os.close(fd)
    print(json.dumps({"msg": msg.decode(), "pid": pid, "fds": len(fds)}), flush=True)
