"""The hub's own index (its own database, nothing of the portal's): certificates, packages, nonces."""

from __future__ import annotations

from django.db import models


class HubCertificate(models.Model):
    """A certificate the hub accepted (chained to the trusted CA); offices authenticate with it."""

    fingerprint = models.CharField(max_length=64, unique=True)
    office_number = models.CharField(max_length=10, db_index=True)
    certificate_pem = models.TextField()
    not_after = models.DateTimeField()
    registered_at = models.DateTimeField(auto_now_add=True)
    # the revocation list: revoked from ``revoked_at`` on (a date in the future = replaced, still in its overlap)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revocation_reason = models.CharField(max_length=200, blank=True)

    def is_revoked(self, now) -> bool:
        return self.revoked_at is not None and self.revoked_at <= now


class PackageStatus(models.TextChoices):
    SUBMITTED = "submitted", "送信済"
    RECEIVED = "received", "受信済"
    IMPORTED = "imported", "取込済"
    REJECTED = "rejected", "取込エラー"


STATUS_ORDER = {
    PackageStatus.SUBMITTED: 0,
    PackageStatus.RECEIVED: 1,
    PackageStatus.IMPORTED: 2,
    PackageStatus.REJECTED: 2,
}


class HubPackage(models.Model):
    """One submitted package; its bytes live in the storage under ``storage_name``."""

    package_id = models.UUIDField(unique=True)
    sender_office = models.CharField(max_length=10, db_index=True)
    sender_kind = models.CharField(max_length=2)
    recipient_office = models.CharField(max_length=10)
    recipient_kind = models.CharField(max_length=2)
    unit_kind = models.CharField(max_length=20)
    sequence = models.CharField(max_length=14)
    month = models.CharField(max_length=6, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=PackageStatus.choices, default=PackageStatus.SUBMITTED)
    status_detail = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    fetch_count = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True, db_index=True)  # first acknowledgement
    deleted_at = models.DateTimeField(null=True, blank=True)  # bytes removed from storage (retention)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["recipient_office", "status", "id"], name="hub_inbox_idx")]


class Nonce(models.Model):
    """Nonces seen recently, per certificate: a signed request is accepted once."""

    fingerprint = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fingerprint", "nonce"], name="hub_nonce_unique")]
