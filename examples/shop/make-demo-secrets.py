"""Write demo secrets for the shop example into each service's (git-ignored) secrets folder.

Real secrets come from your team's store; these values only let the example generate.
Run: python3 examples/shop/make-demo-secrets.py
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = {
    "checkout": {
        "registry.yaml": "registry: registry.example.com\nusername: shop-ci\npassword: demo-registry-password\n",
        "checkout-tls/tls.crt": "-----BEGIN CERTIFICATE-----\nZGVtbyBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----\n",
        "checkout-tls/tls.key": "-----BEGIN PRIVATE KEY-----\nZGVtbyBrZXk=\n-----END PRIVATE KEY-----\n",
        "signing-key/current.pem": "-----BEGIN PRIVATE KEY-----\nZGVtbyBzaWduaW5nIGtleQ==\n-----END PRIVATE KEY-----\n",
        "postgres-password.yaml": "password: demo-checkout-db-password\n",
    },
    "catalog": {
        "postgres-password.yaml": "password: demo-catalog-db-password\n",
    },
}

for service, files in DEMO.items():
    for rel, text in files.items():
        path = HERE / service / "secrets" / rel
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(text)
        path.chmod(0o600)
        print(f"wrote {path.relative_to(HERE.parent.parent)}")
