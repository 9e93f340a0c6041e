"""Traffic for Suricata replay tests, written to pcap files with scapy; nothing is ever sent.

Each builder returns a list of packets for one conversation, with real TCP handshakes,
sequence numbers and teardown so that Suricata's stream engine and application-layer parsers
see them as they would on a wire. The addresses are documentation and private ranges and exist
only as bytes inside the pcap file.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from scapy.all import DNS, DNSQR, IP, TCP, UDP, IPv6, Raw, wrpcap

CLIENT = "10.20.30.40"
RESOLVER = "10.20.30.1"

# A TLS 1.2 client hello's parts; the JA3 string is derived from them the way JA3 defines it.
_TLS_VERSION = 0x0303
_CIPHERS = (0xC02B, 0xC02F, 0xC00A, 0x009C, 0x002F)
_CURVES = (0x001D, 0x0017, 0x0018)
_POINT_FORMATS = (0,)


class Conversation:
    """Packets of several conversations with increasing timestamps, written as one pcap."""

    def __init__(self) -> None:
        self.packets: list = []
        self.clock = 1_700_000_000.0
        self.next_port = 40000

    def _add(self, packet) -> None:
        self.clock += 0.001
        packet.time = self.clock
        self.packets.append(packet)

    def _ip(self, source: str, destination: str):
        return IPv6(src=source, dst=destination) if ":" in source else IP(src=source,
                                                                           dst=destination)

    def write(self, path: Path) -> Path:
        wrpcap(str(path), self.packets)
        return path

    def dns_query(self, name: str, client: str = CLIENT, server: str = RESOLVER) -> None:
        port = self._port()
        query = self._ip(client, server) / UDP(sport=port, dport=53) / DNS(
            id=port & 0xFFFF, rd=1, qd=DNSQR(qname=name))
        self._add(query)

    def udp(self, client: str, server: str, port: int, payload: bytes = b"hello") -> None:
        self._add(self._ip(client, server) / UDP(sport=self._port(), dport=port) / Raw(payload))

    def tcp_session(self, client: str, server: str, port: int,
                    exchanges: list[tuple[str, bytes]]) -> None:
        """Handshake, then each ``("client"|"server", payload)`` acknowledged, then FIN."""
        sport = self._port()
        seq = {"client": 1000, "server": 5000}
        ends = {"client": (client, server, sport, port), "server": (server, client, port, sport)}

        def send(side: str, flags: str, payload: bytes = b"") -> None:
            other = "server" if side == "client" else "client"
            src, dst, src_port, dst_port = ends[side]
            segment = TCP(sport=src_port, dport=dst_port, flags=flags, seq=seq[side],
                          ack=seq[other] if "A" in flags else 0)
            packet = self._ip(src, dst) / segment
            if payload:
                packet = packet / Raw(payload)
            self._add(packet)
            seq[side] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)

        send("client", "S")
        send("server", "SA")
        send("client", "A")
        for side, payload in exchanges:
            send(side, "PA", payload)
            send("server" if side == "client" else "client", "A")
        send("client", "FA")
        send("server", "FA")
        send("client", "A")

    def http_request(self, server: str, host: str, target: str, user_agent: str = "curl/8.0",
                     port: int = 80, client: str = CLIENT) -> None:
        request = (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {user_agent}\r\n"
                   "Accept: */*\r\n\r\n").encode("utf-8")
        response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
        self.tcp_session(client, server, port, [("client", request), ("server", response)])

    def tls_hello(self, server: str, sni: str | None, port: int = 443,
                  client: str = CLIENT) -> None:
        self.tcp_session(client, server, port, [("client", client_hello(sni))])

    def smtp_session(self, server: str, sender: str, recipient: str, subject: str,
                     client: str = CLIENT) -> None:
        lines = [
            ("server", b"220 mail.example.net ESMTP\r\n"),
            ("client", b"EHLO client.example.net\r\n"),
            ("server", b"250-mail.example.net\r\n250 8BITMIME\r\n"),
            ("client", f"MAIL FROM:<{sender}>\r\n".encode()),
            ("server", b"250 2.1.0 Ok\r\n"),
            ("client", f"RCPT TO:<{recipient}>\r\n".encode()),
            ("server", b"250 2.1.5 Ok\r\n"),
            ("client", b"DATA\r\n"),
            ("server", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
            ("client", (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: {subject}\r\n\r\n"
                        "Please see the attached invoice.\r\n.\r\n").encode()),
            ("server", b"250 2.0.0 Ok: queued\r\n"),
            ("client", b"QUIT\r\n"),
            ("server", b"221 2.0.0 Bye\r\n"),
        ]
        self.tcp_session(client, server, 25, lines)

    def _port(self) -> int:
        self.next_port += 1
        return self.next_port


def client_hello(sni: str | None) -> bytes:
    """A TLS 1.2 ClientHello record with an optional server_name extension."""
    extensions = b""
    if sni is not None:
        name = sni.encode("ascii")
        entry = b"\x00" + struct.pack("!H", len(name)) + name
        extensions += _extension(0x0000, struct.pack("!H", len(entry)) + entry)
    curves = b"".join(struct.pack("!H", curve) for curve in _CURVES)
    extensions += _extension(0x000A, struct.pack("!H", len(curves)) + curves)
    extensions += _extension(0x000B, bytes([len(_POINT_FORMATS), *_POINT_FORMATS]))
    ciphers = b"".join(struct.pack("!H", cipher) for cipher in _CIPHERS)
    body = (struct.pack("!H", _TLS_VERSION) + bytes(32) + b"\x00"
            + struct.pack("!H", len(ciphers)) + ciphers + b"\x01\x00"
            + struct.pack("!H", len(extensions)) + extensions)
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


def ja3_of_client_hello(sni: str | None) -> str:
    """The JA3 md5 of :func:`client_hello`, computed from its parts as JA3 specifies."""
    extension_ids = ([0] if sni is not None else []) + [0x000A, 0x000B]
    text = ",".join([
        str(_TLS_VERSION),
        "-".join(str(cipher) for cipher in _CIPHERS),
        "-".join(str(ext) for ext in extension_ids),
        "-".join(str(curve) for curve in _CURVES),
        "-".join(str(fmt) for fmt in _POINT_FORMATS),
    ])
    return hashlib.md5(text.encode("ascii")).hexdigest()


def _extension(kind: int, data: bytes) -> bytes:
    return struct.pack("!HH", kind, len(data)) + data
