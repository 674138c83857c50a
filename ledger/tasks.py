"""Celery tasks of the ledger: the integrator, run by beat every two seconds and on demand."""

from celery import shared_task

from ledger import services


@shared_task(name="ledger.tasks.log_integrate_all")
def log_integrate_all() -> dict[str, int]:
    """Integrate every site with waiting events and sign the checkpoints that are due."""
    return services.log_integrate_all()


@shared_task(name="ledger.tasks.log_integrate")
def log_integrate(site: str, checkpoint_force: bool = False) -> int:
    """Integrate one site now (and sign a checkpoint at once when forced)."""
    return services.log_integrate(site=site, checkpoint_force=checkpoint_force)
