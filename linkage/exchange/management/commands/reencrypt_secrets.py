"""Re-encrypt every stored secret (certificate private keys, TOTP secrets and recovery-code seeds)
with the newest key; MFA secrets stored before encryption was switched on are encrypted.

Rotation: put the new Fernet key first in RENKEI_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then remove the old keys.
"""

from django.core.management.base import BaseCommand

from linkage.exchange.certificates import secrets_reencrypt
from portal.offices.mfa import authenticators_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt stored private keys and MFA secrets with the first key of RENKEI_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        count = secrets_reencrypt()
        self.stdout.write(f"{count} 件の秘密鍵を新しい鍵で暗号化し直しました。")
        count = authenticators_reencrypt()
        self.stdout.write(f"{count} 件の2段階認証の秘密を新しい鍵で暗号化し直しました。")
