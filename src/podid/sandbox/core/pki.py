"""The sandbox's certificate authority: made at first start, reused afterwards.

Every HTTPS front end (ARM, Entra ID, each cluster's API server) serves a certificate signed by this CA,
with SANs for 127.0.0.1 and localhost, so clients trust the sandbox through REQUESTS_CA_BUNDLE or a
kubeconfig's certificate-authority-data; the proxy (``podid.sandbox.proxy``) serves one certificate per Azure
hostname it plays, made on first use. Keys are ECDSA P-256: TLS handshakes are cheaper than with RSA.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from podid.sandbox.core.files import PRIVATE_FILE_MODE, private_dir, write_private

_VALIDITY = datetime.timedelta(days=3650)
_CA_KEY = "ca.key"
_LOCAL_NAMES = x509.SubjectAlternativeName(
    [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
)


@dataclass(frozen=True)
class CertificateAuthority:
    """The CA certificate (PEM) and where the server certificate files live."""

    ca_pem: bytes
    ca_path: Path
    server_cert_path: Path
    server_key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert_path, self.server_key_path)
        return context

    def host_context(self, host: str) -> ssl.SSLContext:
        """A server context for one DNS name (Azure's own hostnames, which the sandbox's proxy plays),
        its certificate made on first use and kept next to the CA's."""
        directory = private_dir(self.ca_path.parent / "hosts")
        cert_path, key_path = directory / f"{host}.crt", directory / f"{host}.key"
        if not cert_path.exists() or not key_path.exists():
            sans = x509.SubjectAlternativeName([x509.DNSName(host)])
            _write_server_cert(self.ca_path, self.ca_path.with_name(_CA_KEY), cert_path, key_path, sans)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
        return context


def load_or_create(directory: Path) -> CertificateAuthority:
    """Return the CA in ``directory``, creating the CA and a server certificate on first use.

    The keys are 0600 in a 0700 directory; the certificates are public (clients and pods trust ca.crt)."""
    private_dir(directory)
    ca_path, ca_key_path = directory / "ca.crt", directory / _CA_KEY
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    if not ca_path.exists() or not ca_key_path.exists():
        _write_ca(ca_path, ca_key_path)
    if not cert_path.exists() or not key_path.exists():
        _write_server_cert(ca_path, ca_key_path, cert_path, key_path, _LOCAL_NAMES)
    for private in (ca_key_path, key_path):  # keys an older sandbox left readable by others
        private.chmod(PRIVATE_FILE_MODE)
    return CertificateAuthority(ca_path.read_bytes(), ca_path, cert_path, key_path)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_private(path, pem)


def _write_ca(ca_path: Path, key_path: Path) -> None:
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "podid sandbox CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key_path, key)
    ca_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_server_cert(
    ca_path: Path, ca_key_path: Path, cert_path: Path, key_path: Path, sans: x509.SubjectAlternativeName
) -> None:
    ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = _new_key()
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "podid sandbox")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(sans, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
