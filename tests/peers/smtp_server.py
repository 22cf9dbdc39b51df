"""An SMTP server for the tests: aiosmtpd on loopback, STARTTLS required (a certificate from a CA
it makes), AUTH PLAIN/LOGIN required with the given user. Each message it takes
is appended to OUT as one JSON line. Prints "READY <port> <cert file>" when listening."""
import datetime, email, email.policy, json, socket, ssl, sys, tempfile, time, os
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import ipaddress, warnings

# aiosmtpd warns on every AUTH about an attribute it will rename; nothing to act on here.
warnings.filterwarnings("ignore")

out_path, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
workdir = tempfile.mkdtemp()
# A CA of its own and a server certificate it signs (rustls refuses a CA certificate used as
# the server's own); khoi is given the CA to trust (KHOI_SMTP_CA_FILE).
now = datetime.datetime.now(datetime.timezone.utc)
def cert_for(subject, issuer, public_key, signing_key, ca):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(public_key).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        b = (b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    return b.sign(signing_key, hashes.SHA256())
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "khoi test CA")])
ca = cert_for(ca_name, ca_name, ca_key.public_key(), ca_key, True)
key = ec.generate_private_key(ec.SECP256R1())
cert = cert_for(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key.public_key(), ca_key, False)
ca_file = os.path.join(workdir, "ca.pem")
cert_file, key_file = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
with open(ca_file, "wb") as f:
    f.write(ca.public_bytes(serialization.Encoding.PEM))
with open(cert_file, "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
with open(key_file, "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert_file, key_file)

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = html = None
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_content()
            elif part.get_content_type() == "text/html":
                html = part.get_content()
        rec = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(msg["subject"]),
               "text": text, "html": html, "tls": session.ssl is not None,
               "auth": session.authenticated,
               # The client's port: one per connection, so a test can count the connections.
               "client_port": session.peer[1]}
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return "250 OK"

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx,
                        require_starttls=True, authenticator=authenticator, auth_required=True,
                        auth_require_tls=True)
controller.start()
print(f"READY {port} {ca_file}", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
