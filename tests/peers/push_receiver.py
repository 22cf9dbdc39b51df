"""A Web Push service for the tests: takes pushes on loopback, checks the VAPID JWT (RFC 8292)
against the key sent with it and decrypts the body with http_ece (an independent RFC 8291
implementation) using the subscription keys it made. Each push is appended to OUT as one JSON
line. A path ending in /gone answers 410, as a push service does for a dead subscription.
Prints "READY <port> <p256dh> <auth>" when listening."""
import base64, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

out_path = sys.argv[1]
ua_key = ec.generate_private_key(ec.SECP256R1())
ua_public = ua_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
auth = os.urandom(16)

def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def check_vapid(header, origin):
    if not header or not header.startswith("vapid "):
        return "no vapid authorization"
    parts = dict(p.strip().split("=", 1) for p in header[6:].split(","))
    token, k = parts.get("t"), parts.get("k")
    signing_input, _, sig = token.rpartition(".")
    head, claims = (json.loads(b64d(x)) for x in signing_input.split("."))
    if head.get("alg") != "ES256":
        return "alg is not ES256"
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(k))
    raw = b64d(sig)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        pub.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "bad signature"
    if claims.get("aud") != origin:
        return f"aud {claims.get('aud')} is not {origin}"
    if not (time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600):
        return "exp out of range"
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        return "no sub"
    return None

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        rec = {"path": self.path, "vapid_error": check_vapid(self.headers.get("authorization"), origin),
               "encoding": self.headers.get("content-encoding"), "ttl": self.headers.get("ttl"),
               "urgency": self.headers.get("urgency")}
        try:
            plain = http_ece.decrypt(body, private_key=ua_key, auth_secret=auth, version="aes128gcm")
            rec["payload"] = json.loads(plain)
        except Exception as e:
            rec["decrypt_error"] = repr(e)
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.send_response(410 if self.path.endswith("/gone") else 201)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"READY {server.server_address[1]} {b64e(ua_public)} {b64e(auth)}", flush=True)
server.serve_forever()
