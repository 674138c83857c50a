"""API keys: how a marketer's backend proves which organization it speaks for, and what it may do."""

from django.db import models

from consent.models import Organization, Site


class Scope(models.TextChoices):
    CONSENT_READ = "consent:read", "Read consent state, audiences, history and stats"
    CONSENT_WRITE = "consent:write", "Record choices made elsewhere"
    LEDGER_READ = "ledger:read", "Read checkpoints and proofs"
    HOOKS_MANAGE = "hooks:manage", "Manage webhook destinations and replay deliveries"


ALL_SCOPES = [scope.value for scope in Scope]


class ApiKey(models.Model):
    """One key, stored only as a hash; the key itself is shown once when it is created."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so a person can tell keys apart.
    prefix = models.CharField(max_length=24, editable=False)
    # SHA-256 of the whole key: the key holds 192 random bits, so a plain hash cannot be brute-forced.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    # Empty means every site of the organization, including ones created later.
    sites = models.ManyToManyField(Site, blank=True, related_name="api_keys")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["organization", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
